import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig, Clock, loadConfig } from '@engine/config';
import { STANDARD_PROGRAM } from '@engine/domain';
import { KafkaGateway } from '@engine/messaging';
import { openMigratedDataSource } from '@engine/persistence';
import { DataSource } from 'typeorm';
import { IngestService } from '../../engine/src/ingest/ingest.service';
import { InlineParser } from '../../engine/src/ingest/message-parser';
import { RuleEngine } from '../../engine/src/ingest/rule-engine.service';
import { EngineMetrics } from '../../engine/src/observability/engine-metrics';
import { OutboxRelay } from '../../engine/src/outbox/outbox-relay';
import { TextbookController } from './textbook.controller';

const DATA_SOURCE = Symbol('DATA_SOURCE');

/** The engine's rules and storage, wired for one message per transaction (IngestService with a limit of 1). */
@Module({
  controllers: [TextbookController],
  providers: [
    { provide: APP_CONFIG, useFactory: () => loadConfig() },
    { provide: DATA_SOURCE, inject: [APP_CONFIG], useFactory: (config: AppConfig) => openMigratedDataSource(config.databaseUrl) },
    { provide: KafkaGateway, inject: [APP_CONFIG], useFactory: (config: AppConfig) => new KafkaGateway({ brokers: config.kafkaBrokers, clientId: 'textbook-baseline' }) },
    { provide: EngineMetrics, useValue: new EngineMetrics() },
    {
      provide: OutboxRelay,
      inject: [DATA_SOURCE, KafkaGateway, EngineMetrics],
      useFactory: (ds: DataSource, kafka: KafkaGateway, metrics: EngineMetrics) => new OutboxRelay(ds, () => kafka.getProducer(), metrics, (e) => console.warn(`relay: ${(e as Error).message}`)),
    },
    {
      provide: IngestService,
      inject: [APP_CONFIG, DATA_SOURCE, KafkaGateway, EngineMetrics, OutboxRelay],
      useFactory: (config: AppConfig, ds: DataSource, kafka: KafkaGateway, metrics: EngineMetrics, relay: OutboxRelay) =>
        new IngestService(ds, new RuleEngine(STANDARD_PROGRAM, config.topics), () => kafka.getProducer(), config.topics, new Clock(config.engineNow), metrics,
          () => relay.kick(), new InlineParser(), undefined, undefined, { maxMessagesPerTransaction: 1, maxQueuedMessages: 1, pipelined: false }),
    },
  ],
})
export class TextbookModule {}
