import { inputTopics, outputTopics, TOPICS, topicNames, Topics } from '@engine/contracts';
import { KafkaGateway } from '@engine/messaging';
import { pollUntil, ScenarioMessage, testDatabaseUrl } from '@engine/testing';
import { Client, Pool } from 'pg';
import { EngineProcess } from './engine-process';

export const ENGINE_NOW = '2026-11-01T00:00:00Z';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface FaultContextOptions {
  label: string;
  /** default: KAFKA_BROKERS or 127.0.0.1:9092 (the shared broker) */
  brokers?: string[];
  /** default: a fresh database on the shared PostgreSQL (testDatabaseUrl) */
  databaseUrl?: string;
  partitions?: number;
  engineNow?: string;
  /** extra engine environment */
  env?: Record<string, string>;
}

export interface PublishOptions {
  /** messages per second (default: as fast as the broker takes them) */
  rate?: number;
  chunk?: number;
}

/**
 * One fault test's world: its own database, its own topic prefix and consumer group (so tests never see each
 * other's messages or offsets), a Kafka gateway for publishing and admin calls, a pool on its database, and the
 * engine processes it started (all SIGKILLed on dispose).
 */
export class FaultContext {
  readonly kafka: KafkaGateway;
  readonly pool: Pool;
  readonly topics: Topics;
  readonly engines: EngineProcess[] = [];
  /** publish attempts that failed and were repeated (broker down) */
  publishRetries = 0;

  private constructor(
    readonly label: string,
    readonly prefix: string,
    readonly groupId: string,
    readonly databaseUrl: string,
    readonly brokers: string[],
    readonly partitions: number,
    readonly engineNow: string,
    private readonly env: Record<string, string>,
  ) {
    this.topics = topicNames(prefix);
    this.kafka = new KafkaGateway({ brokers, clientId: `fault-${label}` });
    this.pool = new Pool({ connectionString: databaseUrl, max: 3, connectionTimeoutMillis: 5000 });
    this.pool.on('error', () => undefined); // a restarted database drops idle clients; the pool replaces them
  }

  static async create(options: FaultContextOptions): Promise<FaultContext> {
    const prefix = `f${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}.`;
    const context = new FaultContext(
      options.label,
      prefix,
      `${prefix}commission-engine`,
      options.databaseUrl ?? testDatabaseUrl(`f${options.label.replace(/\W/g, '')}`),
      options.brokers ?? (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
      options.partitions ?? 6,
      options.engineNow ?? ENGINE_NOW,
      options.env ?? {},
    );
    await context.kafka.ensureTopics(
      [...inputTopics(context.topics), ...outputTopics(context.topics)].map((topic) => ({ topic, numPartitions: context.partitions })),
    );
    return context;
  }

  get now(): number {
    return Date.parse(this.engineNow);
  }

  engineEnv(extra: Record<string, string> = {}): Record<string, string> {
    return {
      DATABASE_URL: this.databaseUrl,
      MIGRATION_DATABASE_URL: '', // one URL (the cluster's superuser) for both, whatever the shell exports
      KAFKA_BROKERS: this.brokers.join(','),
      KAFKA_TOPIC_PREFIX: this.prefix,
      KAFKA_GROUP_ID: this.groupId,
      TOPIC_PARTITIONS: String(this.partitions),
      ENGINE_NOW: this.engineNow,
      OUTBOX_POLL_INTERVAL_MS: '100',
      LOG_LEVEL: 'warn',
      ...this.env,
      ...extra,
    };
  }

  /** A new engine process of this world (not started). */
  engine(name: string, extra: Record<string, string> = {}): EngineProcess {
    const engine = new EngineProcess(`${this.label}-${name}`, this.engineEnv(extra));
    this.engines.push(engine);
    return engine;
  }

  /** Contract topic names → this world's prefixed topics. */
  private route(messages: ScenarioMessage[]): ScenarioMessage[] {
    const byName: Record<string, string> = {
      [TOPICS.referrals]: this.topics.referrals, [TOPICS.lifecycle]: this.topics.lifecycle, [TOPICS.billing]: this.topics.billing, [TOPICS.partners]: this.topics.partners,
      [TOPICS.payouts]: this.topics.payouts,
    };
    return messages.map((m) => ({ ...m, topic: byName[m.topic] ?? m.topic }));
  }

  /**
   * Publishes in chunks (order kept per topic), optionally paced; a chunk the broker refuses (it is down) is sent
   * again until it is taken, so some messages may be written twice (the engine drops exact duplicates).
   */
  async publish(messages: ScenarioMessage[], options: PublishOptions = {}): Promise<void> {
    const routed = this.route(messages);
    const chunk = options.chunk ?? 250;
    const started = Date.now();
    for (let i = 0; i < routed.length; i += chunk) {
      if (options.rate) {
        const due = started + (i / options.rate) * 1000;
        if (due > Date.now()) await sleep(due - Date.now());
      }
      const byTopic = new Map<string, { key: string | null; value: string }[]>();
      for (const m of routed.slice(i, i + chunk)) {
        const list = byTopic.get(m.topic) ?? [];
        list.push({ key: m.key, value: m.value });
        byTopic.set(m.topic, list);
      }
      const batches = [...byTopic].map(([topic, list]) => ({ topic, messages: list }));
      for (let attempt = 1; ; attempt++) {
        try {
          await (await this.kafka.getProducer()).sendMany(batches);
          break;
        } catch (error) {
          if (attempt >= 120) throw error;
          this.publishRetries++;
          await sleep(1000);
        }
      }
    }
  }

  async query<T = any>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pool.query(sql, params)).rows as T[];
  }

  /** Valid events stored so far (0 while the database does not exist yet). */
  async storedEvents(): Promise<number> {
    try {
      return (await this.query<{ n: number }>('SELECT count(*)::int AS n FROM input_event'))[0].n;
    } catch {
      return 0;
    }
  }

  /** Every input message committed (lag 0) and every output event published (outbox empty). */
  async settled(timeoutMs = 180_000): Promise<void> {
    await pollUntil(async () => {
      const lag = await this.kafka.lag(this.groupId, inputTopics(this.topics));
      if (lag.some((l) => l.lag > 0)) return false;
      const [{ n }] = await this.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
      return n === 0;
    }, timeoutMs, 500, `${this.label}: lag 0 and an empty outbox`);
  }

  /** Waits until `probe` holds (polls every `intervalMs`, 50 by default). */
  async until(probe: () => Promise<boolean>, timeoutMs: number, what: string, intervalMs = 50): Promise<void> {
    await pollUntil(async () => (await probe()) || undefined, timeoutMs, intervalMs, what);
  }

  async dispose(): Promise<void> {
    for (const engine of this.engines) await engine.dispose();
    await this.pool.end().catch(() => undefined);
    await this.kafka.close().catch(() => undefined);
    await dropDatabaseAnywhere(this.databaseUrl).catch(() => undefined);
  }
}

/** Drops a test database on whichever server its URL names. */
async function dropDatabaseAnywhere(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = url.pathname.slice(1);
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
