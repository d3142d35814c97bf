import { ensureDatabase } from '@engine/persistence';
import { dropDatabase, testDatabaseUrl } from '@engine/testing';
import { Client } from 'pg';

/** Several instances starting at once on a fresh database must all start (found by the rebalance fault test). */
describe('ensureDatabase', () => {
  const url = testDatabaseUrl('ensure');

  afterAll(async () => {
    await dropDatabase(url);
  });

  it('creates a missing database once when many processes ask for it at the same moment', async () => {
    await expect(Promise.all(Array.from({ length: 8 }, () => ensureDatabase(url)))).resolves.toHaveLength(8);
    const client = new Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query('SELECT current_database() AS name');
    await client.end();
    expect(rows[0].name).toBe(new URL(url).pathname.slice(1));
  });
});
