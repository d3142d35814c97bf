import { isUtf8 } from 'node:buffer';
import { MessageProducer, OutboundMessage } from '@engine/messaging';
import { coordinates, DeadLetterCoordinates, DeadLetterFilter, DeadLetterRepository, Queryable, StoredDeadLetter } from '@engine/persistence';
import { DataSource } from 'typeorm';

/** Which dead letters to replay: named by their coordinates, or by a filter (a code, optionally a topic and a time). */
export type ReplaySelection = { at: DeadLetterCoordinates[] } | { filter: DeadLetterFilter & { code: string } };

export interface ReplayOutcome {
  /** the letters whose original key and value went back to their source topic (and are now marked replayed) */
  republished: DeadLetterCoordinates[];
  /** selected, but replayed before (`again` not set) */
  alreadyReplayed: DeadLetterCoordinates[];
  /** selected, but recorded before the engine kept the bytes: only the DLQ topic has them */
  withoutBytes: DeadLetterCoordinates[];
  /** selected, but their key is not UTF-8 text, which the producer cannot send byte for byte */
  keyNotText: DeadLetterCoordinates[];
  /** named by coordinates that no dead letter has */
  missing: DeadLetterCoordinates[];
}

/** Letters republished per transaction (each of them holds its rows locked while the broker acknowledges). */
const CHUNK = 200;

/**
 * The operator's side of the dead letters: republish chosen letters' original bytes (key and value) to their source
 * topic once the reason they were refused is gone (an upstream clock fixed after EVENT_IN_FUTURE, a publisher's bug
 * fixed and the same bytes now acceptable under a newer engine…). The engine then takes them like any message: a valid
 * one is applied (the event store drops what was applied meanwhile), a still-bad one is dead-lettered again, at its new
 * coordinates. Each letter is marked `replayed_at` in the transaction that locked it, after the broker acknowledged
 * it; a letter marked replayed is replayed again only when asked (`again`).
 */
export class DeadLetterReplay {
  private readonly repository = new DeadLetterRepository();

  constructor(private readonly dataSource: DataSource, private readonly producer: () => Promise<MessageProducer>) {}

  async replay(selection: ReplaySelection, again = false): Promise<ReplayOutcome> {
    const outcome: ReplayOutcome = { republished: [], alreadyReplayed: [], withoutBytes: [], keyNotText: [], missing: [] };
    if ('at' in selection) {
      const wanted = [...new Map(selection.at.map((c) => [coordinates(c), c])).values()];
      for (let start = 0; start < wanted.length; start += CHUNK) {
        const chunk = wanted.slice(start, start + CHUNK);
        await this.dataSource.transaction(async (q) => {
          const found = await this.repository.at(q, chunk, true);
          const seen = new Set(found.map(coordinates));
          outcome.missing.push(...chunk.filter((c) => !seen.has(coordinates(c))));
          await this.republish(q, found, again, outcome);
        });
      }
      return outcome;
    }
    let after: DeadLetterCoordinates | null = null;
    for (;;) {
      const page: StoredDeadLetter[] = await this.dataSource.transaction(async (q) => {
        const letters = await this.repository.list(q, { ...selection.filter, after }, CHUNK, true);
        await this.republish(q, letters, again, outcome);
        return letters;
      });
      if (page.length < CHUNK) return outcome;
      after = page[page.length - 1];
    }
  }

  private async republish(q: Queryable, letters: readonly StoredDeadLetter[], again: boolean, outcome: ReplayOutcome): Promise<void> {
    const chosen: StoredDeadLetter[] = [];
    for (const letter of letters) {
      const at = { topic: letter.topic, partition: letter.partition, offset: letter.offset };
      if (letter.replayedAt !== null && !again) outcome.alreadyReplayed.push(at);
      else if (letter.value === null) outcome.withoutBytes.push(at);
      else if (letter.key !== null && !isUtf8(letter.key)) outcome.keyNotText.push(at);
      else chosen.push(letter);
    }
    if (chosen.length === 0) return;
    const producer = await this.producer();
    for (const topic of new Set(chosen.map((l) => l.topic))) {
      const messages: OutboundMessage[] = chosen.filter((l) => l.topic === topic).map((l) => ({ key: l.key === null ? null : l.key.toString('utf8'), value: l.value! }));
      await producer.send(topic, messages);
    }
    await this.repository.markReplayed(q, chosen);
    outcome.republished.push(...chosen.map((l) => ({ topic: l.topic, partition: l.partition, offset: l.offset })));
  }
}
