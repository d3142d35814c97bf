import { Client, defaults as pgDefaults } from 'pg';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from './migrations';
import { Queryable } from './queryable';

/**
 * The timeouts every pool of ours has (the engine's two, the CLIs', the migrator's), so that no connection or
 * transaction waits forever on a database or a network that stopped answering:
 * - `connectMs`: opening a connection, and waiting for a free one of a full pool (pg-pool's connectionTimeoutMillis);
 * - `idleMs`: an unused pooled connection is closed after this (pg-pool's idleTimeoutMillis);
 * - `keepAliveDelayMs`: TCP keepalive on the client's socket, first probe after this much silence (Node then probes
 *   every second, 10 times): a connection that died without a reset fails in ~20 s instead of hanging;
 * - `idleInTransactionMs`: PostgreSQL ends a session that sits in an open transaction without sending anything for
 *   this long (`idle_in_transaction_session_timeout`), which releases its locks, the rule-state lock among them: a client
 *   that vanished mid-transaction blocks the others for at most this. Longer than anything a transaction of ours waits
 *   on between two statements (the DLQ producer's acknowledgement inside an ingest transaction, a GC pause);
 * - `serverKeepAlive`: TCP keepalive on PostgreSQL's side of the socket (`tcp_keepalives_*`, seconds), so that the
 *   server also notices a client that is gone.
 */
export const DATABASE_TIMEOUTS = {
  connectMs: 10_000,
  idleMs: 30_000,
  keepAliveDelayMs: 10_000,
  idleInTransactionMs: 60_000,
  serverKeepAlive: { idleS: 60, intervalS: 10, count: 6 },
} as const;

/** The shape of one connection pool. */
export interface PoolOptions {
  /** connections at most */
  size: number;
  /** `application_name` (pg_stat_activity), default `commission-engine` */
  name?: string;
  /** `statement_timeout` of every statement on the pool (ms); absent or 0: none (migrations, the CLIs) */
  statementTimeoutMs?: number;
  /** `lock_timeout` (ms): how long a statement may wait for a lock; absent or 0: as long as its statement may run */
  lockTimeoutMs?: number;
}

/**
 * The one DataSource shape shared by the engine, the API and the migration command. Never `synchronize`. Every pool
 * gets DATABASE_TIMEOUTS; the statement and lock timeouts are the caller's (`poolSize` alone: none).
 */
export function createDataSource(databaseUrl: string, pool: number | PoolOptions = 10): DataSource {
  const { size, name = 'commission-engine', statementTimeoutMs = 0, lockTimeoutMs = 0 } = typeof pool === 'number' ? { size: pool } : pool;
  const { serverKeepAlive: ka } = DATABASE_TIMEOUTS;
  return new DataSource({
    type: 'postgres',
    url: databaseUrl,
    synchronize: false,
    migrationsRun: false,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    entities: [],
    extra: {
      max: size,
      application_name: name,
      connectionTimeoutMillis: DATABASE_TIMEOUTS.connectMs,
      idleTimeoutMillis: DATABASE_TIMEOUTS.idleMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: DATABASE_TIMEOUTS.keepAliveDelayMs,
      // startup parameters: in force from the session's first statement, and what RESET returns to
      idle_in_transaction_session_timeout: DATABASE_TIMEOUTS.idleInTransactionMs,
      ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs } : {}),
      ...(lockTimeoutMs > 0 ? { lock_timeout: lockTimeoutMs } : {}),
      options: `-c tcp_keepalives_idle=${ka.idleS} -c tcp_keepalives_interval=${ka.intervalS} -c tcp_keepalives_count=${ka.count}`,
    },
  });
}

/** Creates the database named in `databaseUrl` when it is missing (CONTRACT §1, `npm start`). */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`).catch((error: { code?: string }) => {
        // created concurrently by another process: 42P04 duplicate_database, or 23505 when both passed the
        // check above at the same moment (the unique index of pg_database answers first)
        if (error.code !== '42P04' && error.code !== '23505') throw error;
      });
    }
  } finally {
    await client.end();
  }
}

/** The two connections of a deployment (AppConfig has both): the runtime role's and the owner's, which migrates. */
export interface DatabaseUrls {
  /** the engine's connection: a role that owns nothing */
  databaseUrl: string;
  /** the owner's connection, for migrations (default: databaseUrl, one role for both) */
  migrationDatabaseUrl?: string;
}

/** The role a postgres:// URL connects as (pg's default user when the URL names none). */
export function roleOfUrl(databaseUrl: string): string {
  const user = decodeURIComponent(new URL(databaseUrl).username);
  return user !== '' ? user : process.env.PGUSER ?? String(pgDefaults.user ?? '');
}

/**
 * Creates the database if needed (as the owner, who then owns it) and applies pending migrations on the owner's
 * connection, one migrator at a time across processes. Then, when `runtimeUrl` connects as another role, grants
 * that role exactly what `runtime_privilege` lists (migration 1764979200000-least-privilege), at every run: a
 * renamed runtime role or a right granted by hand is set right. Returns the migrations applied by this call.
 */
export async function migrateDatabase(migrationUrl: string, runtimeUrl?: string): Promise<string[]> {
  await ensureDatabase(migrationUrl).catch((error) => explainRefusal(error, migrationUrl));
  const dataSource = createDataSource(migrationUrl, 1);
  await dataSource.initialize();
  try {
    return await migrateOn(dataSource, migrationUrl, runtimeUrl);
  } finally {
    await dataSource.destroy().catch(() => undefined);
  }
}

async function migrateOn(dataSource: DataSource, migrationUrl: string, runtimeUrl?: string): Promise<string[]> {
  // One migrator at a time across processes: a session lock held on a connection of its own, outside the pool (a
  // pooled one would leave a pool of one no connection to migrate with: `npm run migrate` waited forever).
  const lock = new Client({ connectionString: migrationUrl });
  try {
    await lock.connect();
    await lock.query('SELECT pg_advisory_lock(727001)');
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (runtimeUrl !== undefined) {
      const runtimeRole = roleOfUrl(runtimeUrl);
      const [{ me }]: { me: string }[] = await dataSource.query('SELECT current_user AS me');
      if (runtimeRole !== me) await dataSource.query('SELECT grant_runtime_privileges($1)', [runtimeRole]);
    }
    return applied.map((m) => m.name);
  } catch (error) {
    return explainRefusal(error, migrationUrl);
  } finally {
    await lock.end().catch(() => undefined); // ends the session, and with it the lock
  }
}

/** A refusal (42501) while creating or migrating the database says which role tried and which one should. */
function explainRefusal(error: unknown, migrationUrl: string): never {
  if ((error as { code?: string }).code === '42501') {
    (error as Error).message =
      `${(error as Error).message} (as ${roleOfUrl(migrationUrl)}: creating and migrating the database need its owner, MIGRATION_DATABASE_URL)`;
  }
  throw error;
}

/**
 * Creates the database if needed, applies pending migrations as the owner (`migrationDatabaseUrl`), and returns an
 * initialised DataSource on the runtime connection (`databaseUrl`) shaped as `pool` asks. A URL given alone is both
 * (one role). The migrations run on a connection of their own, without the pool's statement timeout.
 */
export async function openMigratedDataSource(urls: string | DatabaseUrls, pool: number | PoolOptions = 10): Promise<DataSource> {
  const { databaseUrl, migrationDatabaseUrl = databaseUrl } = typeof urls === 'string' ? { databaseUrl: urls } : urls;
  await migrateDatabase(migrationDatabaseUrl, migrationDatabaseUrl !== databaseUrl ? databaseUrl : undefined);
  const dataSource = createDataSource(databaseUrl, pool);
  await dataSource.initialize();
  return dataSource;
}

/**
 * What the role of a runtime connection could do to the ledger beyond its grants: empty for a role that owns
 * nothing and cannot set the triggers aside (the engine logs anything else at start).
 */
export async function runtimeRoleRisks(q: Queryable): Promise<string[]> {
  const [row]: { role: string; superuser: boolean; bypassrls: boolean; owns: string | null; edits: boolean }[] = await q.query(`
    SELECT current_user AS role, r.rolsuper AS superuser, r.rolbypassrls AS bypassrls,
           (SELECT string_agg(DISTINCT pg_get_userbyid(c.relowner), ', ') FROM pg_class c
             WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') AND pg_has_role(c.relowner, 'USAGE')) AS owns,
           coalesce(has_table_privilege('ledger_entry', 'UPDATE') OR has_table_privilege('ledger_entry', 'DELETE')
                    OR has_table_privilege('ledger_entry', 'TRUNCATE'), false) AS edits
      FROM pg_roles r WHERE r.rolname = current_user`);
  const risks: string[] = [];
  if (row.superuser) risks.push(`${row.role} is a superuser (it can disable the triggers or set session_replication_role)`);
  else if (row.owns) risks.push(`${row.role} owns the tables (as ${row.owns}): it can disable or drop their triggers`);
  if (!row.superuser && row.edits) risks.push(`${row.role} holds UPDATE, DELETE or TRUNCATE on ledger_entry`);
  if (!row.superuser && row.bypassrls) risks.push(`${row.role} has BYPASSRLS`);
  return risks;
}
