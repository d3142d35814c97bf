import { openMigratedDataSource } from '@engine/persistence';
import { dropDatabase, ensureTestRoles, pollUntil, TEST_RUNTIME_ROLE, testDatabase } from '@engine/testing';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { StatisticsKeeper } from '../apps/engine/src/maintenance/statistics-keeper';

/**
 * The keeper analyzes a hot table that grew past its threshold, once, and not again until it has doubled; as the
 * engine's runtime role, which owns nothing (ANALYZE itself would be skipped with a warning: it asks the owner's
 * analyze_hot_table).
 */
describe('StatisticsKeeper', () => {
  const database = testDatabase('statistics');
  let dataSource: DataSource;

  const insertEvents = (from: number, count: number) =>
    dataSource.transaction(async (m) => {
      await m.query(
        `INSERT INTO input_event (source, event_id, payload_hash, type, time_ms, customer_id, topic, kafka_partition, kafka_offset)
         SELECT 'stats', 'e-' || g, 'h', 'customer.activated', 1767225600000 + g, 'C-' || g, 't', 0, g
           FROM generate_series($1::int, $2::int) g`,
        [from, from + count - 1],
      );
      await m.query('SELECT pg_stat_force_next_flush()'); // this backend's counters reach the shared stats at COMMIT
    });

  const analyzeCount = async (): Promise<number> => {
    const [row] = await dataSource.query(`SELECT analyze_count::int AS n FROM pg_stat_user_tables WHERE relname = 'input_event'`);
    return row.n;
  };

  beforeAll(async () => {
    await ensureTestRoles();
    dataSource = await openMigratedDataSource({ databaseUrl: database.runtimeUrl, migrationDatabaseUrl: database.ownerUrl }, 2);
    const owner = new Client({ connectionString: database.ownerUrl });
    await owner.connect();
    await owner.query('ALTER TABLE input_event SET (autovacuum_enabled = false)'); // only the keeper analyzes here
    await owner.end();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await dropDatabase(database.adminUrl);
  });

  it('analyzes input_event once it has 5,000 new rows, then not again until it has doubled', async () => {
    expect(await dataSource.query('SELECT current_user AS role')).toEqual([{ role: TEST_RUNTIME_ROLE }]);
    const keeper = new StatisticsKeeper(dataSource, 5_000);
    await insertEvents(1, 4_000);
    expect(await keeper.run()).toEqual([]);
    expect(await analyzeCount()).toBe(0);

    await insertEvents(4_001, 2_000);
    let analyzed: string[] = [];
    await pollUntil(async () => (analyzed = await keeper.run()).length > 0, 10_000, 100, 'the keeper to see 6,000 new rows');
    expect(analyzed).toEqual(['input_event']);
    expect(await analyzeCount()).toBe(1);
    const [{ rows }] = await dataSource.query(`SELECT reltuples::int AS rows FROM pg_class WHERE relname = 'input_event'`);
    expect(rows).toBe(6_000);
    const [{ columns }] = await dataSource.query(`SELECT array_agg(attname::text ORDER BY attname) AS columns FROM pg_stats WHERE tablename = 'input_event'`);
    expect(columns).toEqual(['customer_id', 'domain', 'partner_id', 'payout_id', 'referral_code', 'referral_id']); // the key columns only

    await insertEvents(6_001, 3_000); // half of what it had: not due
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await keeper.run()).toEqual([]);
    expect(await analyzeCount()).toBe(1);
  });
});
