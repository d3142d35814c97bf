import { INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger as NestPinoLogger } from 'nestjs-pino';
import { AppConfig } from '@engine/config';
import { RuleSettings } from '@engine/domain';
import { ruleSettingsOf } from './rule-settings';
import { inputTopics, outputTopics } from '@engine/contracts';
import { KafkaBatchServer, KafkaGateway } from '@engine/messaging';
import { AppModule } from './app.module';
import { securityHeaders } from './api/common/security-headers';
import { EngineMetrics } from './observability/engine-metrics';
import { createHttpLogger, createRootLogger, LogDestination } from './observability/logging';
import { importProgramsFileAtStart } from './programs/import-programs-file';
import { EngineRuntime } from './engine-runtime.service';
import { SHUTDOWN_TIMEOUT_MS } from './engine.tokens';
import { exitOnShutdownSignals } from './shutdown';

/**
 * Builds the whole engine (Kafka workers + HTTP API) without starting it; used by main.ts and the tests. Its logs go
 * to stdout as LOG_LEVEL and LOG_FORMAT say (observability/logging.ts), or to `logDestination` (tests).
 */
export async function createEngineApp(config: AppConfig, settings: RuleSettings = ruleSettingsOf(config), logDestination?: LogDestination): Promise<INestApplication> {
  const root = createRootLogger(config, logDestination);
  // after the migrations, before anything is consumed; a refused file rejects here
  await importProgramsFileAtStart(config, { log: (message: string) => root.info({ context: 'Programs' }, message) });
  // what Nest logs before the logger is taken from the module is held, then written through it
  const app = await NestFactory.create(AppModule.register(config, settings, root), { bufferLogs: true });
  app.useLogger(app.get(NestPinoLogger));
  app.use(createHttpLogger(root)); // first: a request id for every request, and the /v1 access lines
  app.use(securityHeaders()); // helmet's headers on every response (api/common/security-headers.ts)
  const kafka = app.get(KafkaGateway);
  const metrics = app.get(EngineMetrics);
  const log = new Logger('KafkaBatchServer');
  app.connectMicroservice(
    {
      strategy: new KafkaBatchServer(kafka, {
        groupId: config.groupId,
        topics: inputTopics(config.topics),
        partitionsConsumedConcurrently: config.partitionsConsumedConcurrently,
        maxBytes: config.consumerMaxBytes,
        beforeListen: () =>
          kafka.ensureTopics([...inputTopics(config.topics), ...outputTopics(config.topics)].map((topic) => ({ topic, numPartitions: config.topicPartitions }))),
        onError: (error, attempt) => {
          metrics.batchFailures.inc();
          log.warn(`batch failed (attempt ${attempt}), retrying: ${(error as Error).message}`);
        },
        onRecovered: () => log.log('batch processing recovered'),
        onCommitError: (error) => log.warn(`offset commit failed (the batch will be re-read and deduplicated): ${(error as Error).message}`),
      }),
    },
    { inheritAppConfig: true },
  );
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Commission engine')
      .setDescription('Ledger exports, payout statements, period close, adjustments and referral views (CONTRACT §6)')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document);
  // not Nest's enableShutdownHooks(): that exits by re-raising the signal, unbounded; this exits 0 once drained
  exitOnShutdownSignals(app, app.get(EngineRuntime), app.get<number>(SHUTDOWN_TIMEOUT_MS));
  return app;
}

/** Starts the Kafka workers and the HTTP listener. */
export async function startEngineApp(app: INestApplication, port: number): Promise<void> {
  await app.startAllMicroservices();
  await app.listen(port, '0.0.0.0');
}
