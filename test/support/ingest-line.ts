import { Clock } from '@engine/config';
import { Topics } from '@engine/contracts';
import { RuleSettings, STANDARD_RULES } from '@engine/domain';
import { MessageProducer, OutboundMessage } from '@engine/messaging';
import { ParkedEventRepository } from '@engine/persistence';
import { DataSource } from 'typeorm';
import { ApplyEvents } from '../../apps/engine/src/ingest/apply-events.use-case';
import { BatchScheduler, BatchSchedulerOptions } from '../../apps/engine/src/ingest/batch-scheduler';

/** The engine's ingest line over a data source, without Kafka: the scheduler, its use case, and the dead letters it sent. */
export function ingestLine(
  dataSource: DataSource,
  options: { topics: Topics; now: number; settings?: RuleSettings } & Partial<Pick<BatchSchedulerOptions, 'maxMessagesPerTransaction' | 'maxAttempts'>>,
): { scheduler: BatchScheduler; rules: ApplyEvents; deadLetters: OutboundMessage[] } {
  const deadLetters: OutboundMessage[] = [];
  const producer: MessageProducer = {
    send: async (_topic, messages) => void deadLetters.push(...messages),
    sendMany: async (batches) => void deadLetters.push(...batches.flatMap((b) => b.messages)),
  };
  const rules = new ApplyEvents({ dataSource, settings: options.settings ?? STANDARD_RULES, topics: options.topics, clock: new Clock(options.now), producer: async () => producer });
  const parked = new ParkedEventRepository();
  const scheduler = new BatchScheduler({
    apply: (messages) => rules.apply(messages),
    park: (records) => dataSource.transaction((manager) => parked.park(manager, records)),
    topics: options.topics,
    maxMessagesPerTransaction: options.maxMessagesPerTransaction,
    maxAttempts: options.maxAttempts,
  });
  return { scheduler, rules, deadLetters };
}
