import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig, Clock, loadConfig } from '@engine/config';
import { STANDARD_RULES } from '@engine/domain';
import { KafkaGateway } from '@engine/messaging';
import { openMigratedDataSource, ParkedEventRepository } from '@engine/persistence';
import { DataSource } from 'typeorm';
import { ApplyEvents } from '../../engine/src/ingest/apply-events.use-case';
import { BatchScheduler } from '../../engine/src/ingest/batch-scheduler';
import { InlineParser } from '../../engine/src/ingest/message-parser';
import { EngineMetrics } from '../../engine/src/observability/engine-metrics';
import { OutboxRelay } from '../../engine/src/outbox/outbox-relay';
import { TextbookController } from './textbook.controller';

const DATA_SOURCE = Symbol('DATA_SOURCE');

/** The engine's rules and storage, wired for one message per transaction (a BatchScheduler with a limit of 1). */
@Module({
  controllers: [TextbookController],
  providers: [
    { provide: APP_CONFIG, useFactory: () => loadConfig() },
    { provide: DATA_SOURCE, inject: [APP_CONFIG], useFactory: (config: AppConfig) => openMigratedDataSource(config) },
    { provide: KafkaGateway, inject: [APP_CONFIG], useFactory: (config: AppConfig) => new KafkaGateway({ brokers: config.kafkaBrokers, clientId: 'textbook-baseline' }) },
    { provide: EngineMetrics, useValue: new EngineMetrics() },
    {
      provide: OutboxRelay,
      inject: [DATA_SOURCE, KafkaGateway, EngineMetrics],
      useFactory: (ds: DataSource, kafka: KafkaGateway, metrics: EngineMetrics) => new OutboxRelay(ds, () => kafka.getProducer(), metrics, (e) => console.warn(`relay: ${(e as Error).message}`)),
    },
    {
      provide: BatchScheduler,
      inject: [APP_CONFIG, DATA_SOURCE, KafkaGateway, OutboxRelay],
      useFactory: (config: AppConfig, ds: DataSource, kafka: KafkaGateway, relay: OutboxRelay) => {
        const rules = new ApplyEvents({ dataSource: ds, settings: STANDARD_RULES, topics: config.topics, clock: new Clock(config.engineNow), producer: () => kafka.getProducer() });
        const parked = new ParkedEventRepository();
        return new BatchScheduler({
          apply: (messages) => rules.apply(messages),
          park: (records) => ds.transaction((manager) => parked.park(manager, records)),
          topics: config.topics,
          parser: new InlineParser(),
          maxMessagesPerTransaction: 1,
          maxQueuedMessages: 1,
          onCommitted: () => relay.kick(),
        });
      },
    },
  ],
})
export class TextbookModule {}
