import { INestApplication } from '@nestjs/common';
import { AppConfig, loadConfig } from '@engine/config';
import { inputTopics, outputTopics } from '@engine/contracts';
import { RuleSettings } from '@engine/domain';
import { KafkaGateway } from '@engine/messaging';
import { CapturedLogs, dropDatabase, ensureTestRoles, pollUntil, publishMessages, ScenarioMessage, testDatabase, TestDatabase } from '@engine/testing';
import { Client } from 'pg';
import { createEngineApp, startEngineApp } from '../../apps/engine/src/engine-app';

export interface HarnessOptions {
  label: string;
  engineNow?: string;
  env?: Record<string, string>;
  /** the rules' settings the engine runs with (from its configuration unless a test needs others) */
  settings?: RuleSettings;
  /** where the engine's log lines go (stdout otherwise) */
  logs?: CapturedLogs;
}

/**
 * One engine in this process against the real broker and a fresh real database, with its own topic prefix
 * and consumer group so that test files never see each other's messages. The database is migrated as the owner
 * role and the engine runs as the runtime role (DATABASE_URL), with only what it is granted, as deployed;
 * `query` is the cluster's superuser, for setup and inspection.
 */
export class EngineHarness {
  app?: INestApplication;
  readonly kafka: KafkaGateway;
  readonly db: Client;
  baseUrl = '';
  private connecting?: Promise<unknown>;

  private constructor(readonly config: AppConfig, readonly database: TestDatabase, private readonly settings?: RuleSettings, private readonly logs?: CapturedLogs) {
    this.kafka = new KafkaGateway({ brokers: config.kafkaBrokers, clientId: `test-${config.groupId}` });
    this.db = new Client({ connectionString: database.adminUrl });
  }

  static async create(options: HarnessOptions): Promise<EngineHarness> {
    const prefix = `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}.`;
    const database = testDatabase(options.label);
    await ensureTestRoles();
    const config = loadConfig({
      ...process.env,
      DATABASE_URL: database.runtimeUrl,
      MIGRATION_DATABASE_URL: database.ownerUrl,
      KAFKA_TOPIC_PREFIX: prefix,
      KAFKA_GROUP_ID: `${prefix}commission-engine`,
      HTTP_PORT: '0',
      LOG_LEVEL: 'warn',
      TOPIC_PARTITIONS: '3',
      ENGINE_NOW: options.engineNow ?? '',
      OUTBOX_POLL_INTERVAL_MS: '100',
      ...options.env,
    });
    const harness = new EngineHarness(config, database, options.settings, options.logs);
    await harness.kafka.ensureTopics([...inputTopics(config.topics), ...outputTopics(config.topics)].map((topic) => ({ topic, numPartitions: config.topicPartitions })));
    return harness;
  }

  async start(): Promise<void> {
    this.app = await createEngineApp(this.config, this.settings, this.logs);
    await startEngineApp(this.app, 0);
    const address = this.app.getHttpServer().address();
    this.baseUrl = `http://127.0.0.1:${address.port}`;
    await this.connected();
  }

  /** The superuser client, connected on first use (also by tests that never start the engine). */
  private async connected(): Promise<Client> {
    this.connecting ??= this.db.connect();
    await this.connecting;
    return this.db;
  }

  async stop(): Promise<void> {
    await this.app?.close();
    this.app = undefined;
  }

  async publish(messages: ScenarioMessage[]): Promise<void> {
    const { topics } = this.config;
    const byName: Record<string, string> = {
      'partner.referrals.v1': topics.referrals, 'customer.lifecycle.v1': topics.lifecycle, 'billing.usage.v1': topics.billing, 'partner.accounts.v1': topics.partners,
      'payments.payouts.v1': topics.payouts,
    };
    await publishMessages(this.kafka, messages.map((m) => ({ ...m, topic: byName[m.topic] ?? m.topic })));
  }

  /** Waits until every input message is committed (lag 0) and every output event is published (outbox empty). */
  async settled(timeoutMs = 90_000): Promise<void> {
    await pollUntil(async () => {
      const lag = await this.kafka.lag(this.config.groupId, inputTopics(this.config.topics));
      if (lag.some((l) => l.lag > 0)) return false;
      const { rows } = await (await this.connected()).query('SELECT count(*)::int AS n FROM outbox');
      return rows[0].n === 0;
    }, timeoutMs, 250, 'the engine to settle (lag 0, outbox empty)');
  }

  async query<T = any>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await (await this.connected()).query(sql, params)).rows as T[];
  }

  async dispose(): Promise<void> {
    await this.stop();
    await this.db.end().catch(() => undefined);
    await this.kafka.close();
    await dropDatabase(this.config.databaseUrl).catch(() => undefined);
  }
}
