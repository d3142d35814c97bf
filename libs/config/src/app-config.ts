import { validateSync } from 'class-validator';
import { CONSUMER_GROUP, parseRfc3339, topicNames, Topics } from '@engine/contracts';
import type { PartnerEnrollment } from '@engine/domain';
import { EnvDto } from './env.dto';

/** Validated, typed configuration of one engine process. */
export interface AppConfig {
  kafkaBrokers: string[];
  /** the engine's runtime connection: a role that owns nothing and holds only the rights it uses (docs/GUARANTEES.md, "Database roles") */
  databaseUrl: string;
  /** the connection migrations run on: the role that owns the schema (DATABASE_URL when only that is given) */
  migrationDatabaseUrl: string;
  httpPort: number;
  apiKeys: string;
  /** when set, GET /metrics requires `Authorization: Bearer <token>` (401 otherwise); null: /metrics is public */
  metricsToken: string | null;
  /** frozen engine clock (epoch ms), or null for the wall clock */
  engineNow: number | null;
  topicPartitions: number;
  expirySweepIntervalMs: number;
  outboxPollIntervalMs: number;
  partitionsConsumedConcurrently: number;
  consumerMaxBytes: number;
  /** Nest's level name (error, warn, log, debug, verbose): the least severe level logged */
  logLevel: string;
  /** `json`: one JSON object a line (machines, the default); `pretty`: pino-pretty's lines for people (the demo) */
  logFormat: LogFormat;
  topics: Topics;
  groupId: string;
  /** worker threads that parse and validate messages (0: on the event loop) */
  parseWorkers: number;
  /** bound of the in-memory working set (events, referrals and ledger cells); past it, its least recently used half is evicted */
  workingSetMaxEntries: number;
  /** tries of a failing ingest transaction (and then of each message alone) before the failing messages are parked */
  ingestMaxAttempts: number;
  /** used V8 heap (MB) past which a full collection runs between transactions; 0 = V8's own heuristics */
  heapSoftLimitMb: number;
  /** how far (%) V8 may grow the old generation past what survived the last full collection; 0 = V8's own policy (up to 300%) */
  heapGrowingPercent: number;
  /** how often (ms) the growth of the hot tables is checked and a table that doubled since its last ANALYZE is analyzed; 0 = off (autovacuum only) */
  statisticsIntervalMs: number;
  /** a JSON file `{"programs": [...]}` imported into the program catalogue at start (CONTRACT §8), or null */
  programsFile: string | null;
  /** how a partner with no partner events counts (CONTRACT §9): `open` as APPROVED in group default, `approval` not */
  partnerEnrollment: PartnerEnrollment;
  /** `statement_timeout` (ms) of the ingest pool (ingest transactions, outbox relay, expiry sweep, health): generous, a batch's statements can be big */
  ingestStatementTimeoutMs: number;
  /** connections of the API's own pool (the API never takes one of the ingest's) */
  apiPoolSize: number;
  /** `statement_timeout` (ms) of the API's pool (a streamed export's COPY runs under exportTimeoutMs instead) */
  apiStatementTimeoutMs: number;
  /** `lock_timeout` (ms) of the API's pool: how long a request waits for a lock (period close, adjustments, payout outcomes and catalogue additions take the rule-state lock) */
  apiLockTimeoutMs: number;
  /** streamed exports (GET /v1/ledger) running at once; one more is refused with 429 TOO_MANY_EXPORTS; below apiPoolSize */
  exportConcurrency: number;
  /** bound (ms) of one streamed export, its COPY included: past it the response is cut and its connection freed */
  exportTimeoutMs: number;
}

export type LogFormat = 'json' | 'pretty';

export const APP_CONFIG = Symbol('APP_CONFIG');

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const DEFAULTS: Record<string, string> = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/commissions',
  HTTP_PORT: '3000',
  TOPIC_PARTITIONS: '6',
  EXPIRY_SWEEP_INTERVAL_MS: '60000',
  OUTBOX_POLL_INTERVAL_MS: '200',
  PARTITIONS_CONSUMED_CONCURRENTLY: '6',
  CONSUMER_MAX_BYTES: String(1024 * 1024),
  LOG_LEVEL: 'log',
  LOG_FORMAT: 'json',
  KAFKA_GROUP_ID: CONSUMER_GROUP,
  PARSE_WORKERS: '1',
  WORKING_SET_MAX_ENTRIES: '20000',
  INGEST_MAX_ATTEMPTS: '3',
  HEAP_SOFT_LIMIT_MB: '90',
  HEAP_GROWING_PERCENT: '100',
  STATISTICS_INTERVAL_MS: '2000',
  PARTNER_ENROLLMENT: 'open',
  INGEST_STATEMENT_TIMEOUT_MS: '120000',
  API_POOL_SIZE: '8',
  API_STATEMENT_TIMEOUT_MS: '30000',
  API_LOCK_TIMEOUT_MS: '10000',
  EXPORT_CONCURRENCY: '4',
  EXPORT_TIMEOUT_MS: '600000',
};
const INTEGERS = [
  'INGEST_STATEMENT_TIMEOUT_MS', 'API_POOL_SIZE', 'API_STATEMENT_TIMEOUT_MS', 'API_LOCK_TIMEOUT_MS', 'EXPORT_CONCURRENCY', 'EXPORT_TIMEOUT_MS',
  'PARSE_WORKERS', 'WORKING_SET_MAX_ENTRIES', 'INGEST_MAX_ATTEMPTS', 'HEAP_SOFT_LIMIT_MB', 'HEAP_GROWING_PERCENT', 'STATISTICS_INTERVAL_MS', 'HTTP_PORT', 'TOPIC_PARTITIONS', 'EXPIRY_SWEEP_INTERVAL_MS', 'OUTBOX_POLL_INTERVAL_MS', 'PARTITIONS_CONSUMED_CONCURRENTLY', 'CONSUMER_MAX_BYTES'];

function given(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** The database a postgres:// URL names (validated by EnvDto). */
function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}

/** Reads and validates the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(DEFAULTS).concat(['API_KEYS', 'ENGINE_NOW', 'KAFKA_TOPIC_PREFIX', 'PROGRAMS_FILE', 'METRICS_TOKEN'])) {
    const value = env[key] === undefined || env[key] === '' ? DEFAULTS[key] : env[key];
    if (value === undefined) continue;
    raw[key] = INTEGERS.includes(key) && /^-?\d+$/.test(value) ? Number(value) : value;
  }
  // Migrations run as the owner. A DATABASE_URL given alone is also the migration URL: one role for both, which then
  // owns the tables (the engine warns at start that its connection could alter the ledger).
  raw.MIGRATION_DATABASE_URL = given(env.MIGRATION_DATABASE_URL) ?? raw.DATABASE_URL;
  const dto = Object.assign(new EnvDto(), raw);
  const errors = validateSync(dto);
  if (errors.length > 0) {
    throw new ConfigError(`invalid environment: ${errors.flatMap((e) => Object.values(e.constraints ?? {})).join('; ')}`);
  }
  if (databaseName(dto.MIGRATION_DATABASE_URL) !== databaseName(dto.DATABASE_URL)) {
    throw new ConfigError(
      `invalid environment: MIGRATION_DATABASE_URL and DATABASE_URL must name the same database (${databaseName(dto.MIGRATION_DATABASE_URL)} ≠ ${databaseName(dto.DATABASE_URL)})`,
    );
  }
  if (dto.EXPORT_CONCURRENCY >= dto.API_POOL_SIZE) {
    throw new ConfigError(
      `invalid environment: EXPORT_CONCURRENCY (${dto.EXPORT_CONCURRENCY}) must be below API_POOL_SIZE (${dto.API_POOL_SIZE}): each export holds an API connection while it streams, and the rest of the API needs one too`,
    );
  }
  return {
    kafkaBrokers: dto.KAFKA_BROKERS.split(','),
    databaseUrl: dto.DATABASE_URL,
    migrationDatabaseUrl: dto.MIGRATION_DATABASE_URL,
    httpPort: dto.HTTP_PORT,
    apiKeys: dto.API_KEYS ?? '',
    metricsToken: dto.METRICS_TOKEN ?? null,
    engineNow: dto.ENGINE_NOW ? parseRfc3339(dto.ENGINE_NOW) : null,
    topicPartitions: dto.TOPIC_PARTITIONS,
    expirySweepIntervalMs: dto.EXPIRY_SWEEP_INTERVAL_MS,
    outboxPollIntervalMs: dto.OUTBOX_POLL_INTERVAL_MS,
    partitionsConsumedConcurrently: dto.PARTITIONS_CONSUMED_CONCURRENTLY,
    consumerMaxBytes: dto.CONSUMER_MAX_BYTES,
    logLevel: dto.LOG_LEVEL,
    logFormat: dto.LOG_FORMAT as LogFormat,
    topics: topicNames(dto.KAFKA_TOPIC_PREFIX ?? ''),
    groupId: dto.KAFKA_GROUP_ID,
    parseWorkers: dto.PARSE_WORKERS,
    workingSetMaxEntries: dto.WORKING_SET_MAX_ENTRIES,
    ingestMaxAttempts: dto.INGEST_MAX_ATTEMPTS,
    heapSoftLimitMb: dto.HEAP_SOFT_LIMIT_MB,
    heapGrowingPercent: dto.HEAP_GROWING_PERCENT,
    statisticsIntervalMs: dto.STATISTICS_INTERVAL_MS,
    programsFile: dto.PROGRAMS_FILE ?? null,
    partnerEnrollment: dto.PARTNER_ENROLLMENT as PartnerEnrollment,
    ingestStatementTimeoutMs: dto.INGEST_STATEMENT_TIMEOUT_MS,
    apiPoolSize: dto.API_POOL_SIZE,
    apiStatementTimeoutMs: dto.API_STATEMENT_TIMEOUT_MS,
    apiLockTimeoutMs: dto.API_LOCK_TIMEOUT_MS,
    exportConcurrency: dto.EXPORT_CONCURRENCY,
    exportTimeoutMs: dto.EXPORT_TIMEOUT_MS,
  };
}
