import { DlqCode, InvalidMessageError, parseMessage } from '@engine/contracts';
import { eventKey, InputEvent } from '@engine/domain';

/**
 * What the engine must do with each message, computed without Kafka or a database: parse it as the engine does;
 * the first payload of each (source, id) is applied, an identical one is dropped, a different one is a
 * CONFLICTING_DUPLICATE; the rest go to the DLQ with their code. `verdicts` is per message, in order.
 */
export function classifyMessages<M extends { topic: string; value: Buffer | string | null }>(messages: readonly M[]) {
  const hashes = new Map<string, string>();
  const events: InputEvent[] = [];
  const rejected: { message: M; code: DlqCode }[] = [];
  const verdicts: ('valid' | 'bad')[] = [];
  for (const message of messages) {
    try {
      const { event, hash } = parseMessage(message.topic, message.value);
      const key = eventKey(event);
      const seen = hashes.get(key);
      if (seen === undefined) {
        hashes.set(key, hash);
        events.push(event);
      } else if (seen !== hash) {
        rejected.push({ message, code: DlqCode.CONFLICTING_DUPLICATE });
        verdicts.push('bad');
        continue;
      }
      verdicts.push('valid');
    } catch (error) {
      if (!(error instanceof InvalidMessageError)) throw error;
      rejected.push({ message, code: error.code });
      verdicts.push('bad');
    }
  }
  return { events, rejected, verdicts };
}
