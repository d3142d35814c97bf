import { DynamicModule, Logger, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig, Clock } from '@engine/config';
import { RuleSettings } from '@engine/domain';
import { KafkaGateway } from '@engine/messaging';
import { openMigratedDataSource, OutboxRepository, ParkedEventRepository, PayoutOrderRepository, runtimeRoleRisks } from '@engine/persistence';
import { DataSource } from 'typeorm';
import { EngineRuntime } from './engine-runtime.service';
import { DATA_SOURCE, RULE_SETTINGS, SHUTDOWN_TIMEOUT_MS } from './engine.tokens';
import { ExpirySweep } from './expiry/expiry-sweep';
import { IngestController } from './ingest/ingest.controller';
import { ApplyEvents } from './ingest/apply-events.use-case';
import { BatchScheduler } from './ingest/batch-scheduler';
import { ingestLog } from './ingest/ingest-log';
import { InlineParser, MessageParser, WorkerParser } from './ingest/message-parser';
import { EngineMetrics } from './observability/engine-metrics';
import { HealthController } from './observability/health.controller';
import { MetricsController } from './observability/metrics.controller';
import { OutboxRelay } from './outbox/outbox-relay';
import { HeapGovernor } from './memory/heap-governor';
import { shutdownTimeoutMs } from './shutdown';

/** A parse worker's live heap is a few MB: with HEAP_SOFT_LIMIT_MB set, its own soft limit is this. */
const PARSE_WORKER_HEAP_SOFT_LIMIT_MB = 32;

/** Worker-thread parsing when compiled (the worker script exists) and asked for; inline otherwise (e.g. under ts-jest). */
function messageParser(workers: number, heapSoftLimitMb: number): MessageParser {
  return workers > 0 && WorkerParser.available() ? new WorkerParser(workers, heapSoftLimitMb) : new InlineParser();
}

/** Connections of the ingest's pool: one transaction at a time, plus the relay, the sweep, statistics, gauges and health. */
const INGEST_POOL_SIZE = 10;

/**
 * Migrates as the owner, then connects as the runtime role; says so loudly when that role could alter the ledger
 * beyond its grants (a superuser, or the tables' owner: one URL for both), which the triggers alone do not stop.
 * This is the ingest's pool, with its generous statement timeout (INGEST_STATEMENT_TIMEOUT_MS): the API has its own
 * (ApiModule, API_DATA_SOURCE).
 */
async function openRuntimeDataSource(config: AppConfig): Promise<DataSource> {
  const dataSource = await openMigratedDataSource(config, { size: INGEST_POOL_SIZE, name: 'commission-engine', statementTimeoutMs: config.ingestStatementTimeoutMs });
  const risks = await runtimeRoleRisks(dataSource);
  if (risks.length > 0) {
    new Logger('Database').warn(
      `DATABASE_URL: ${risks.join('; ')}. Run the engine as a role that owns nothing and migrate as the owner (MIGRATION_DATABASE_URL; README, "Database roles")`,
    );
  }
  return dataSource;
}

/** Kafka workers, outbox relay, expiry sweep, health and metrics over one configuration. */
@Module({})
export class EngineModule {
  static register(config: AppConfig, settings: RuleSettings): DynamicModule {
    const kafkaLogger = new Logger('Kafka');
    const ingest = ingestLog(new Logger('Ingest'));
    const heap = new HeapGovernor(config.heapSoftLimitMb * 2 ** 20);
    return {
      module: EngineModule,
      controllers: [IngestController, HealthController, MetricsController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: RULE_SETTINGS, useValue: settings },
        { provide: SHUTDOWN_TIMEOUT_MS, useValue: shutdownTimeoutMs() },
        { provide: Clock, useValue: new Clock(config.engineNow) },
        {
          provide: EngineMetrics,
          inject: [DATA_SOURCE, KafkaGateway],
          useFactory: (ds: DataSource, kafka: KafkaGateway) =>
            new EngineMetrics().readAtScrape({
              payoutOrdersByStatus: () => new PayoutOrderRepository().countByStatus(ds),
              ready: async () => (await Promise.allSettled([ds.query('SELECT 1'), kafka.ping()])).every((check) => check.status === 'fulfilled'),
            }),
        },
        { provide: DATA_SOURCE, useFactory: () => openRuntimeDataSource(config) },
        {
          provide: KafkaGateway,
          useFactory: () => new KafkaGateway({ brokers: config.kafkaBrokers, clientId: 'commission-engine', logger: { warn: (m) => kafkaLogger.warn(m), error: (m) => kafkaLogger.error(m) } }),
        },
        {
          provide: ApplyEvents,
          inject: [DATA_SOURCE, RULE_SETTINGS, Clock, KafkaGateway, OutboxRelay],
          useFactory: (ds: DataSource, s: RuleSettings, clock: Clock, kafka: KafkaGateway, relay: OutboxRelay) =>
            new ApplyEvents({
              dataSource: ds, settings: s, topics: config.topics, clock, producer: () => kafka.getProducer(),
              outbox: new OutboxRepository((batch) => relay.remember(batch)), workingSetMaxEntries: config.workingSetMaxEntries,
            }),
        },
        {
          provide: OutboxRelay,
          inject: [DATA_SOURCE, KafkaGateway, EngineMetrics],
          useFactory: (ds: DataSource, kafka: KafkaGateway, metrics: EngineMetrics) =>
            new OutboxRelay(ds, () => kafka.getProducer(), metrics, (e) => new Logger('OutboxRelay').warn(`publish failed, will retry: ${(e as Error).message}`)),
        },
        {
          provide: BatchScheduler,
          inject: [DATA_SOURCE, ApplyEvents, EngineMetrics, OutboxRelay],
          useFactory: (ds: DataSource, applyEvents: ApplyEvents, metrics: EngineMetrics, relay: OutboxRelay) => {
            const parked = new ParkedEventRepository();
            return new BatchScheduler({
              apply: (messages) => applyEvents.apply(messages),
              park: (records) => ds.transaction((manager) => parked.park(manager, records)),
              topics: config.topics,
              parser: messageParser(config.parseWorkers, config.heapSoftLimitMb > 0 ? PARSE_WORKER_HEAP_SOFT_LIMIT_MB : 0),
              maxAttempts: config.ingestMaxAttempts,
              onCommitted: (report, batches, started, tx) => {
                ingest.committed(report, batches.reduce((n, b) => n + b.messages.length, 0), tx, Number(process.hrtime.bigint() - started) / 1e6);
                metrics.recordBatch(batches.map((b) => [b.topic, b.messages.length] as const), report, started);
                relay.kick();
                heap.check();
              },
              onFailure: (error, attempt, messages, tx) => {
                metrics.batchFailures.inc();
                ingest.failed(error, attempt, messages, tx);
              },
              onParked: (record, tx) => {
                metrics.parked.inc();
                ingest.parked(record, tx);
              },
            });
          },
        },
        {
          provide: ExpirySweep,
          inject: [ApplyEvents, OutboxRelay],
          useFactory: (applyEvents: ApplyEvents, relay: OutboxRelay) => new ExpirySweep(applyEvents, () => relay.kick()),
        },
        EngineRuntime,
      ],
      exports: [APP_CONFIG, DATA_SOURCE, Clock, KafkaGateway, EngineMetrics, OutboxRelay, ExpirySweep, ApplyEvents, BatchScheduler, RULE_SETTINGS, EngineRuntime, SHUTDOWN_TIMEOUT_MS],
    };
  }
}
