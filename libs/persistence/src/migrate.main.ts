import 'reflect-metadata';
import { loadConfig } from '@engine/config';
import { createDataSource, migrateDatabase, roleOfUrl } from './data-source';

/**
 * `npm run migrate`: create the database if needed and apply pending migrations only, as the owner
 * (MIGRATION_DATABASE_URL), then grant the runtime role of DATABASE_URL what it may do.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const now = await migrateDatabase(config.migrationDatabaseUrl, config.databaseUrl);
  const dataSource = await createDataSource(config.migrationDatabaseUrl, 1).initialize();
  try {
    const applied = await dataSource.query('SELECT name FROM typeorm_migrations ORDER BY id');
    console.log(`migrate: ${applied.length} migration(s) applied (${now.length} now): ${applied.map((m: { name: string }) => m.name).join(', ')}`);
    const [runtime, owner] = [roleOfUrl(config.databaseUrl), roleOfUrl(config.migrationDatabaseUrl)];
    console.log(runtime === owner ? `migrate: one role for both (${owner}): no runtime grants` : `migrate: owner ${owner}, runtime role ${runtime} granted what runtime_privilege lists`);
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error) => {
  console.error(`migrate: ${(error as Error).message}`);
  process.exit(1);
});
