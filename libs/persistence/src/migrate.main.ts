import 'reflect-metadata';
import { loadConfig } from '@engine/config';
import { openMigratedDataSource } from './data-source';

/** `npm run migrate`: create the database if needed and apply pending migrations only. */
async function main(): Promise<void> {
  const config = loadConfig();
  const dataSource = await openMigratedDataSource(config.databaseUrl, 1);
  const applied = await dataSource.query('SELECT name FROM typeorm_migrations ORDER BY id');
  console.log(`migrate: ${applied.length} migration(s) applied: ${applied.map((m: { name: string }) => m.name).join(', ')}`);
  await dataSource.destroy();
}

main().catch((error) => {
  console.error(`migrate: ${(error as Error).message}`);
  process.exit(1);
});
