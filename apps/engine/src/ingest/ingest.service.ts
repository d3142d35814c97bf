import { DLQ_HEADERS, DlqCode, InvalidMessageError, parseMessage, ParsedMessage, TOPICS, Topics } from '@engine/contracts';
import { Clock } from '@engine/config';
import { eventKey } from '@engine/domain';
import { InboundBatch, InboundMessage, MessageProducer, OutboundMessage } from '@engine/messaging';
import { emptyKeys, EventStoreRepository, keysOf, lockRuleState, StoredEvent } from '@engine/persistence';
import { DataSource } from 'typeorm';
import { EngineMetrics } from '../observability/engine-metrics';
import { RuleEngine } from './rule-engine.service';

export interface DeadLetter {
  message: InboundMessage;
  code: DlqCode;
  reason: string;
}

export interface BatchReport {
  applied: number;
  duplicates: number;
  deadLetters: DeadLetter[];
}

/**
 * One consumed partition batch → one database transaction: dedupe records (the event store), referral state,
 * ledger entries and outbox rows commit together. Bad messages go to the DLQ before that commit, and the
 * Kafka offset is committed by the transport after it.
 */
export class IngestService {
  private readonly store = new EventStoreRepository();

  constructor(
    private readonly dataSource: DataSource,
    private readonly rules: RuleEngine,
    private readonly producer: () => Promise<MessageProducer>,
    private readonly topics: Topics,
    private readonly clock: Clock,
    private readonly metrics: EngineMetrics,
    private readonly afterCommit: () => void,
  ) {}

  /** The contract name of a (possibly prefixed) topic, which decides the event types it may carry. */
  private logicalTopic(topic: string): string {
    const name = (Object.keys(this.topics) as (keyof Topics)[]).find((n) => this.topics[n] === topic);
    return name ? TOPICS[name] : topic;
  }

  async handleBatch(batch: InboundBatch): Promise<BatchReport> {
    const started = process.hrtime.bigint();
    const logicalTopic = this.logicalTopic(batch.topic);
    const deadLetters: DeadLetter[] = [];
    const firstByKey = new Map<string, { parsed: ParsedMessage; message: InboundMessage }>();
    let duplicates = 0;
    for (const message of batch.messages) {
      let parsed: ParsedMessage;
      try {
        parsed = parseMessage(logicalTopic, message.value);
      } catch (error) {
        if (!(error instanceof InvalidMessageError)) throw error;
        deadLetters.push({ message, code: error.code, reason: error.message });
        continue;
      }
      const key = eventKey(parsed.event);
      const first = firstByKey.get(key);
      if (!first) firstByKey.set(key, { parsed, message });
      else if (first.parsed.hash === parsed.hash) duplicates++;
      else deadLetters.push(conflict(message));
    }

    const applied = await this.dataSource.transaction(async (manager) => {
      await lockRuleState(manager);
      const candidates = [...firstByKey.values()];
      const stored = await this.store.findHashes(manager, candidates.map((c) => c.parsed.event));
      const fresh: StoredEvent[] = [];
      for (const { parsed, message } of candidates) {
        const hash = stored.get(eventKey(parsed.event));
        if (hash === undefined) fresh.push({ event: parsed.event, hash: parsed.hash, origin: { topic: message.topic, partition: message.partition, offset: message.offset } });
        else if (hash === parsed.hash) duplicates++;
        else deadLetters.push(conflict(message));
      }
      if (fresh.length > 0) {
        await this.store.insert(manager, fresh);
        const seeds = emptyKeys();
        for (const { event } of fresh) keysOf(event, this.rules.isGeneric, seeds);
        await this.rules.recompute(manager, seeds, this.clock.now());
      }
      // Dead letters are acknowledged by the broker before the batch commits: nothing is lost if we crash here.
      if (deadLetters.length > 0) await (await this.producer()).send(this.topics.dlq, deadLetters.map(toDlqMessage));
      return fresh.length;
    });

    this.metrics.recordBatch(batch.topic, batch.messages.length, applied, duplicates, deadLetters.map((d) => d.code), started);
    this.afterCommit();
    return { applied, duplicates, deadLetters };
  }
}

function conflict(message: InboundMessage): DeadLetter {
  return { message, code: DlqCode.CONFLICTING_DUPLICATE, reason: 'an event with this source and id was already received with a different payload' };
}

function toDlqMessage(letter: DeadLetter): OutboundMessage {
  return {
    key: letter.message.key?.toString('utf8') ?? null,
    value: letter.message.value ?? Buffer.alloc(0),
    headers: {
      [DLQ_HEADERS.code]: letter.code,
      [DLQ_HEADERS.message]: letter.reason,
      [DLQ_HEADERS.topic]: letter.message.topic,
      [DLQ_HEADERS.partition]: String(letter.message.partition),
      [DLQ_HEADERS.offset]: letter.message.offset,
    },
  };
}
