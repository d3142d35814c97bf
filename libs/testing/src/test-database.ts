import { Client } from 'pg';

const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
let counter = 0;

/** A fresh, uniquely named database URL for one test (created by the engine's own migration path). */
export function testDatabaseUrl(label = 'test'): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/ce_${label}_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  return url.toString();
}

export async function dropDatabase(databaseUrl: string): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
