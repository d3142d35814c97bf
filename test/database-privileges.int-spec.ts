import { migrateDatabase, openMigratedDataSource, Queryable, runtimeRoleRisks } from '@engine/persistence';
import { dropDatabase, ensureTestRoles, TEST_OWNER_ROLE, TEST_RUNTIME_ROLE, testDatabase } from '@engine/testing';
import { Client } from 'pg';

/**
 * The runtime role cannot rewrite what was posted, closed or decided (docs/GUARANTEES.md, "Database roles"): a database
 * migrated as the owner, then every way of editing the ledger tried as the engine's role (DATABASE_URL), which
 * owns nothing and holds only what runtime_privilege lists; and the triggers tried as the owner itself.
 */
describe('database privileges', () => {
  const database = testDatabase('privileges');
  let runtime: Client;
  let owner: Client;
  let admin: Client;

  /** The SQLSTATE a statement fails with, or 'done'. */
  const outcome = (client: Client, sql: string): Promise<string> =>
    client.query(sql).then(() => 'done', (error: { code?: string }) => error.code ?? String(error));

  const rows = (client: Client): Queryable => ({ query: async (sql: string) => (await client.query(sql)).rows as any });

  const connect = async (url: string) => {
    const client = new Client({ connectionString: url });
    await client.connect();
    return client;
  };

  beforeAll(async () => {
    await ensureTestRoles();
    await migrateDatabase(database.ownerUrl, database.runtimeUrl);
    [runtime, owner, admin] = await Promise.all([connect(database.runtimeUrl), connect(database.ownerUrl), connect(database.adminUrl)]);
    // What a close and a payout leave behind, written as the engine writes it: by the runtime role, which may INSERT.
    await runtime.query(`
      INSERT INTO ledger_entry (partner_id, referral_id, type, slot, amount, currency, effective_at, effective_period, booked_period, release_at, program_id, program_version)
      VALUES ('P-1', 'R-1', 'QUALIFICATION_BONUS', 'BONUS', 5000, 'USD', '2026-09-10T00:00:00Z', '2026-09', '2026-09', '2026-09-10T00:00:00Z', 'standard', 1)`);
    await runtime.query(`INSERT INTO accounting_period (period, closed_at) VALUES ('2026-09', now())`);
    await runtime.query(`
      INSERT INTO payout_statement (period, partner_id, currency, opening, net, closing, held, available, payable, carried)
      VALUES ('2026-09', 'P-1', 'USD', 0, 5000, 5000, 0, 5000, 5000, 0)`);
    await runtime.query(`INSERT INTO payout_order (payout_id, period, partner_id, currency, amount, status, sequence) VALUES ('2026-09:P-1:USD', '2026-09', 'P-1', 'USD', 5000, 'PENDING', 1)`);
    await runtime.query(`INSERT INTO payout_status_history (payout_id, sequence, status, changed_at) VALUES ('2026-09:P-1:USD', 1, 'PENDING', now())`);
    await runtime.query(`
      INSERT INTO input_event (source, event_id, payload_hash, type, time_ms, payout_id, reference, topic, kafka_partition, kafka_offset)
      VALUES ('payments', 'pay-1', 'h', 'payout.paid', 1791000000000, '2026-09:P-1:USD', 'WIRE-1', 'payments.payouts.v1', 0, 0)`);
  });

  afterAll(async () => {
    await Promise.all([runtime, owner, admin].map((client) => client?.end().catch(() => undefined)));
    await dropDatabase(database.adminUrl).catch(() => undefined);
  });

  it('runs the engine as a role that is no superuser, owns nothing and may not edit the ledger', async () => {
    const [role] = (await admin.query(
      'SELECT rolsuper, rolcreatedb, rolcreaterole, rolbypassrls, rolreplication FROM pg_roles WHERE rolname = $1', [TEST_RUNTIME_ROLE],
    )).rows;
    expect(role).toEqual({ rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolbypassrls: false, rolreplication: false });
    expect(await runtimeRoleRisks(rows(runtime))).toEqual([]);
    const owners = (await admin.query(`SELECT DISTINCT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE relnamespace = 'public'::regnamespace`)).rows;
    expect(owners).toEqual([{ owner: TEST_OWNER_ROLE }]);
    expect((await admin.query('SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = current_database()')).rows).toEqual([{ owner: TEST_OWNER_ROLE }]);
  });

  it('lets the runtime role append to the ledger and read it', async () => {
    expect(await outcome(runtime, `
      INSERT INTO ledger_entry (partner_id, type, amount, currency, effective_at, effective_period, booked_period, release_at)
      VALUES ('P-1', 'ADJUSTMENT', -100, 'USD', '2026-10-01T00:00:00Z', '2026-10', '2026-10', '2026-10-01T00:00:00Z')`)).toBe('done');
    expect((await runtime.query('SELECT sum(amount)::int AS total FROM ledger_entry')).rows).toEqual([{ total: 4900 }]);
  });

  it.each([
    ['UPDATE ledger_entry SET amount = amount * 2'],
    ['DELETE FROM ledger_entry'],
    ['TRUNCATE ledger_entry'],
    ['TRUNCATE ledger_entry CASCADE'],
    ['ALTER TABLE ledger_entry DISABLE TRIGGER ALL'],
    ['ALTER TABLE ledger_entry DISABLE TRIGGER ledger_entry_append_only'],
    ['DROP TRIGGER ledger_entry_append_only ON ledger_entry'],
    [`CREATE OR REPLACE FUNCTION ledger_entry_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$`],
    ['DROP TABLE ledger_entry'],
    [`ALTER TABLE ledger_entry OWNER TO ${TEST_RUNTIME_ROLE}`],
    ['SET session_replication_role = replica'],
    [`SELECT set_config('session_replication_role', 'replica', false)`],
    [`SET ROLE ${TEST_OWNER_ROLE}`],
    ['CREATE TABLE ledger_shadow (id int)'],
    [`SELECT grant_runtime_privileges('${TEST_RUNTIME_ROLE}')`],
    [`SELECT analyze_hot_table('referral', NULL)`],
    // closed periods and statements
    [`UPDATE payout_statement SET payable = payable * 2`],
    ['DELETE FROM payout_statement'],
    ['TRUNCATE payout_statement'],
    [`UPDATE accounting_period SET closed_at = now()`],
    ['DELETE FROM accounting_period'],
    ['TRUNCATE accounting_period'],
    ['ALTER TABLE payout_statement DISABLE TRIGGER ALL'],
    // payout outcomes and the other append-only records
    [`UPDATE input_event SET reference = 'WIRE-2'`],
    ['DELETE FROM input_event'],
    [`UPDATE payout_status_history SET status = 'PAID'`],
    ['DELETE FROM payout_status_history'],
    ['DELETE FROM payout_order'],
    ['DELETE FROM referral_status_history'],
    [`UPDATE program_version SET effective_from = now()`],
    ['DELETE FROM program'],
  ])('refuses the runtime role: %s', async (sql) => {
    expect(await outcome(runtime, sql)).toBe('42501'); // insufficient_privilege (or "must be owner": the same SQLSTATE)
  });

  it('keeps refusing after the runtime role tried to grant itself UPDATE and in a transaction of its own', async () => {
    expect(await outcome(runtime, `GRANT UPDATE, DELETE, TRUNCATE ON ledger_entry TO ${TEST_RUNTIME_ROLE}`)).toBe('done'); // a warning: nothing granted
    await runtime.query('BEGIN');
    expect(await outcome(runtime, 'SET LOCAL session_replication_role = replica')).toBe('42501');
    await runtime.query('ROLLBACK');
    expect(await outcome(runtime, 'UPDATE ledger_entry SET amount = 1')).toBe('42501');
    expect((await runtime.query('SELECT count(*)::int AS n, sum(amount)::int AS total FROM ledger_entry')).rows).toEqual([{ n: 2, total: 4900 }]);
  });

  it('lets the runtime role do what the engine does: settle a payout order, upsert referrals, drain the outbox', async () => {
    expect(await outcome(runtime, `UPDATE payout_order SET status = 'PAID', sequence = sequence + 1, reference = 'WIRE-1', updated_at = now() WHERE payout_id = '2026-09:P-1:USD'`)).toBe('done');
    expect(await outcome(runtime, `UPDATE rule_state_version SET version = version + 1 WHERE id = 1`)).toBe('done');
    expect(await outcome(runtime, `INSERT INTO outbox (message_count, messages) VALUES (1, '[]')`)).toBe('done');
    expect(await outcome(runtime, 'DELETE FROM outbox')).toBe('done');
    expect(await outcome(runtime, `SELECT analyze_hot_table('ledger_entry', ARRAY['referral_id'])`)).toBe('done');
  });

  it.each([
    ['UPDATE payout_statement SET payable = 0'],
    ['DELETE FROM payout_statement'],
    ['TRUNCATE payout_statement'],
    [`UPDATE accounting_period SET closed_at = now()`],
    ['DELETE FROM accounting_period'],
    ['UPDATE ledger_entry SET amount = 1'],
    [`UPDATE input_event SET reference = 'WIRE-2'`],
    [`UPDATE payout_status_history SET status = 'FAILED'`],
    [`DELETE FROM referral_status_history`],
    [`UPDATE payout_order SET amount = amount + 1`],
    [`UPDATE payout_order SET partner_id = 'P-2'`],
    [`UPDATE payout_order SET sequence = sequence - 1`],
    ['DELETE FROM payout_order'],
  ])('refuses even the owner, by trigger: %s', async (sql) => {
    expect(await outcome(owner, sql)).toBe('23001'); // restrict_violation, raised by the append-only and guard triggers
  });

  it('grants exactly what runtime_privilege lists, on every table, and sets a right granted by hand right at the next run', async () => {
    const grants = async () =>
      (await admin.query(`
        SELECT c.relname AS table, array(SELECT p FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) AS p
                                         WHERE has_table_privilege($1, c.oid, p)) AS privileges
          FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' ORDER BY 1`, [TEST_RUNTIME_ROLE])).rows;
    const listed = (await admin.query(`SELECT table_name AS table, privileges FROM runtime_privilege ORDER BY 1`)).rows;
    expect(await grants()).toEqual(listed);
    expect(listed.find((r) => r.table === 'ledger_entry')).toEqual({ table: 'ledger_entry', privileges: ['SELECT', 'INSERT'] });

    await admin.query(`GRANT UPDATE, TRUNCATE ON ledger_entry, payout_statement TO ${TEST_RUNTIME_ROLE}`);
    expect(await outcome(runtime, 'UPDATE payout_statement SET payable = 0')).toBe('23001'); // the trigger still holds
    await migrateDatabase(database.ownerUrl, database.runtimeUrl);
    expect(await grants()).toEqual(listed);
    expect(await outcome(runtime, 'TRUNCATE ledger_entry')).toBe('42501');
  });

  it('stops the migration run while a table has no runtime_privilege row, or the runtime role owns a table', async () => {
    await owner.query('CREATE TABLE unlisted (id int)');
    await expect(migrateDatabase(database.ownerUrl, database.runtimeUrl)).rejects.toThrow(/table unlisted has no row in runtime_privilege/);
    await owner.query('DROP TABLE unlisted');

    await admin.query(`CREATE TABLE owned_by_runtime (id int); ALTER TABLE owned_by_runtime OWNER TO ${TEST_RUNTIME_ROLE}`);
    await expect(migrateDatabase(database.ownerUrl, database.runtimeUrl)).rejects.toThrow(/owns owned_by_runtime.*must run as a role that owns nothing/);
    expect(await runtimeRoleRisks(rows(runtime))).toEqual([expect.stringContaining(`${TEST_RUNTIME_ROLE} owns the tables`)]);
    await admin.query('DROP TABLE owned_by_runtime');
    await expect(migrateDatabase(database.ownerUrl, database.runtimeUrl)).resolves.toEqual([]);
  });

  it('cannot create or migrate a database with the runtime URL alone, and says which URL can', async () => {
    const fresh = testDatabase('privileges_fresh');
    try {
      await expect(openMigratedDataSource(fresh.runtimeUrl, 1)).rejects.toThrow(/permission denied to create database .*MIGRATION_DATABASE_URL/);
    } finally {
      await dropDatabase(fresh.adminUrl).catch(() => undefined);
    }
  });
});
