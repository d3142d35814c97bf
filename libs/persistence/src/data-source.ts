import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from './migrations';

/** The one DataSource shape shared by the engine, the API and the migration command. Never `synchronize`. */
export function createDataSource(databaseUrl: string, poolSize = 10): DataSource {
  return new DataSource({
    type: 'postgres',
    url: databaseUrl,
    synchronize: false,
    migrationsRun: false,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    entities: [],
    extra: { max: poolSize, application_name: 'commission-engine' },
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

/** Creates the database if needed and applies pending migrations; returns the initialised DataSource. */
export async function openMigratedDataSource(databaseUrl: string, poolSize = 10): Promise<DataSource> {
  await ensureDatabase(databaseUrl);
  const dataSource = createDataSource(databaseUrl, poolSize);
  await dataSource.initialize();
  // One migrator at a time across processes: a session lock held on a connection of its own, outside the pool (a
  // pooled one would leave a pool of one no connection to migrate with: `npm run migrate` waited forever).
  const lock = new Client({ connectionString: databaseUrl });
  try {
    await lock.connect();
    await lock.query('SELECT pg_advisory_lock(727001)');
    await dataSource.runMigrations({ transaction: 'each' });
  } catch (error) {
    await dataSource.destroy().catch(() => undefined);
    throw error;
  } finally {
    await lock.end().catch(() => undefined); // ends the session, and with it the lock
  }
  return dataSource;
}
