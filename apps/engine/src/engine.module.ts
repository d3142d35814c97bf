import { DynamicModule, Logger, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig, Clock } from '@engine/config';
import { Program, STANDARD_PROGRAM } from '@engine/domain';
import { KafkaGateway } from '@engine/messaging';
import { openMigratedDataSource, OutboxRepository } from '@engine/persistence';
import { DataSource } from 'typeorm';
import { EngineRuntime } from './engine-runtime.service';
import { DATA_SOURCE, PROGRAM } from './engine.tokens';
import { ExpirySweep } from './expiry/expiry-sweep';
import { IngestController } from './ingest/ingest.controller';
import { IngestService } from './ingest/ingest.service';
import { InlineParser, MessageParser, WorkerParser } from './ingest/message-parser';
import { RuleEngine } from './ingest/rule-engine.service';
import { EngineMetrics } from './observability/engine-metrics';
import { HealthController } from './observability/health.controller';
import { MetricsController } from './observability/metrics.controller';
import { OutboxRelay } from './outbox/outbox-relay';
import { HeapGovernor } from './memory/heap-governor';

/** A parse worker's live heap is a few MB: with HEAP_SOFT_LIMIT_MB set, its own soft limit is this. */
const PARSE_WORKER_HEAP_SOFT_LIMIT_MB = 32;

/** Worker-thread parsing when compiled (the worker script exists) and asked for; inline otherwise (e.g. under ts-jest). */
function messageParser(workers: number, heapSoftLimitMb: number): MessageParser {
  return workers > 0 && WorkerParser.available() ? new WorkerParser(workers, heapSoftLimitMb) : new InlineParser();
}

/** Kafka workers, outbox relay, expiry sweep, health and metrics over one configuration. */
@Module({})
export class EngineModule {
  static register(config: AppConfig, program: Program = STANDARD_PROGRAM): DynamicModule {
    const kafkaLogger = new Logger('Kafka');
    const ingestLogger = new Logger('Ingest');
    const heap = new HeapGovernor(config.heapSoftLimitMb * 2 ** 20);
    return {
      module: EngineModule,
      controllers: [IngestController, HealthController, MetricsController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: PROGRAM, useValue: program },
        { provide: Clock, useValue: new Clock(config.engineNow) },
        { provide: EngineMetrics, useValue: new EngineMetrics() },
        { provide: DATA_SOURCE, useFactory: () => openMigratedDataSource(config.databaseUrl) },
        {
          provide: KafkaGateway,
          useFactory: () => new KafkaGateway({ brokers: config.kafkaBrokers, clientId: 'commission-engine', logger: { warn: (m) => kafkaLogger.warn(m), error: (m) => kafkaLogger.error(m) } }),
        },
        {
          provide: RuleEngine,
          inject: [PROGRAM, OutboxRelay],
          useFactory: (p: Program, relay: OutboxRelay) => new RuleEngine(p, config.topics, new OutboxRepository((batch) => relay.remember(batch)), config.workingSetMaxEntries),
        },
        {
          provide: OutboxRelay,
          inject: [DATA_SOURCE, KafkaGateway, EngineMetrics],
          useFactory: (ds: DataSource, kafka: KafkaGateway, metrics: EngineMetrics) =>
            new OutboxRelay(ds, () => kafka.getProducer(), metrics, (e) => new Logger('OutboxRelay').warn(`publish failed, will retry: ${(e as Error).message}`)),
        },
        {
          provide: IngestService,
          inject: [DATA_SOURCE, RuleEngine, KafkaGateway, Clock, EngineMetrics, OutboxRelay],
          useFactory: (ds: DataSource, rules: RuleEngine, kafka: KafkaGateway, clock: Clock, metrics: EngineMetrics, relay: OutboxRelay) =>
            new IngestService(ds, rules, () => kafka.getProducer(), config.topics, clock, metrics, () => {
                relay.kick();
                heap.check();
              },
              messageParser(config.parseWorkers, config.heapSoftLimitMb > 0 ? PARSE_WORKER_HEAP_SOFT_LIMIT_MB : 0),
              (error, attempt) => {
                metrics.batchFailures.inc();
                ingestLogger.warn(`transaction failed (attempt ${attempt}), retrying: ${(error as Error).message}`);
              },
              () => ingestLogger.log('transactions recovered'),
              { pipelined: config.transactionsInFlight > 1 }),
        },
        {
          provide: ExpirySweep,
          inject: [DATA_SOURCE, RuleEngine, Clock, OutboxRelay],
          useFactory: (ds: DataSource, rules: RuleEngine, clock: Clock, relay: OutboxRelay) => new ExpirySweep(ds, rules, clock, () => relay.kick()),
        },
        EngineRuntime,
      ],
      exports: [APP_CONFIG, DATA_SOURCE, Clock, KafkaGateway, EngineMetrics, OutboxRelay, ExpirySweep, RuleEngine, PROGRAM],
    };
  }
}
