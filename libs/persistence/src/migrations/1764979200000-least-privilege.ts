import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The engine runs as a role that owns nothing (DATABASE_URL) and migrations as the owner (MIGRATION_DATABASE_URL):
 * docs/GUARANTEES.md, "Database roles".
 *
 * - `runtime_privilege`: what the runtime role may do with each table, and nothing else. Every table of the schema
 *   has a row (an empty list for none): `grant_runtime_privileges` refuses to run while one is missing, so a later
 *   migration that creates a table must say what the engine may do with it (an INSERT here), and one that drops a
 *   table deletes its row. TRUNCATE is never granted.
 * - `grant_runtime_privileges(role)`: revokes everything the role holds on the schema's tables and sequences and
 *   grants what `runtime_privilege` says. The migration runner calls it after the migrations, at every start, for the
 *   role of DATABASE_URL when that is not the migrating role (so a renamed runtime role, or a right granted by hand,
 *   is set right at the next start). It refuses a role that owns a table or inherits from one that does.
 * - `analyze_hot_table(table, columns)`: ANALYZE needs the table's owner; the statistics keeper runs it through this
 *   SECURITY DEFINER function, for input_event and ledger_entry only.
 * - Triggers, which bind every role but a superuser who sets `session_replication_role` (the runtime role cannot):
 *   closed periods, statements, the event store (payout outcomes included) and both status histories are
 *   append-only like the ledger; a payout order keeps its identity and amount, is never deleted, and its sequence
 *   never goes back (its status and outcome may change: a late, earlier outcome corrects it, CONTRACT §10).
 *   A later migration that must rewrite rows of these tables disables the trigger for that statement, as
 *   1764806400002-program-binding does for ledger_entry.
 */
export class LeastPrivilege1764979200000 implements MigrationInterface {
  name = 'LeastPrivilege1764979200000';

  async up(q: QueryRunner): Promise<void> {
    const [{ schema }]: { schema: string }[] = await q.query('SELECT quote_ident(current_schema()) AS schema');

    await q.query(`
      CREATE FUNCTION is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'restrict_violation';
      END $$`);
    for (const table of ['accounting_period', 'payout_statement', 'input_event', 'referral_status_history', 'payout_status_history']) {
      await q.query(`
        CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION is_append_only()`);
    }
    await q.query(`
      CREATE FUNCTION payout_order_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF (NEW.payout_id, NEW.period, NEW.partner_id, NEW.currency, NEW.amount, NEW.created_at)
           IS DISTINCT FROM (OLD.payout_id, OLD.period, OLD.partner_id, OLD.currency, OLD.amount, OLD.created_at) THEN
          RAISE EXCEPTION 'payout_order %: its payout id, period, partner, currency, amount and creation time never change', OLD.payout_id
            USING ERRCODE = 'restrict_violation';
        END IF;
        IF NEW.sequence < OLD.sequence THEN
          RAISE EXCEPTION 'payout_order %: its sequence never goes back (% after %)', OLD.payout_id, NEW.sequence, OLD.sequence
            USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER payout_order_guard BEFORE UPDATE ON payout_order FOR EACH ROW EXECUTE FUNCTION payout_order_guard()`);
    await q.query(`
      CREATE TRIGGER payout_order_append_only BEFORE DELETE OR TRUNCATE ON payout_order
      FOR EACH STATEMENT EXECUTE FUNCTION is_append_only()`);

    await q.query(`
      CREATE TABLE runtime_privilege (
        table_name text   PRIMARY KEY,
        privileges text[] NOT NULL CHECK (privileges <@ ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE'])
      )`);
    // What the engine, the API and the CLIs do with each table (the repositories' statements), and nothing more.
    const privileges: [string, string[]][] = [
      ['input_event', ['SELECT', 'INSERT']],
      ['referral', ['SELECT', 'INSERT', 'UPDATE']], // upserted with the rules' result
      ['referral_status_history', ['SELECT', 'INSERT']],
      ['ledger_entry', ['SELECT', 'INSERT']],
      ['accounting_period', ['SELECT', 'INSERT']],
      ['payout_statement', ['SELECT', 'INSERT']],
      ['adjustment_request', ['SELECT', 'INSERT']],
      ['outbox', ['SELECT', 'INSERT', 'DELETE']], // deleted once published
      ['anomaly', ['SELECT', 'INSERT']],
      ['rule_state_version', ['SELECT', 'UPDATE']], // the rule-state lock bumps it
      ['dead_letter', ['SELECT', 'INSERT']],
      ['parked_event', ['SELECT', 'INSERT', 'UPDATE']], // parked again, marked retried
      ['program', ['SELECT', 'INSERT']],
      ['program_version', ['SELECT', 'INSERT']],
      ['payout_order', ['SELECT', 'INSERT', 'UPDATE']], // status, outcome and sequence (the guard trigger keeps the rest)
      ['payout_status_history', ['SELECT', 'INSERT']],
      ['typeorm_migrations', ['SELECT']], // a CLI given only DATABASE_URL checks that nothing is pending
      ['runtime_privilege', []],
    ];
    await q.query(`INSERT INTO runtime_privilege (table_name, privileges) SELECT * FROM json_to_recordset($1::json) AS r(table_name text, privileges text[])`, [
      JSON.stringify(privileges.map(([table_name, list]) => ({ table_name, privileges: `{${list.join(',')}}` }))),
    ]);

    await q.query(`
      CREATE FUNCTION analyze_hot_table(table_name text, column_names text[]) RETURNS void
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      BEGIN
        IF table_name IS NULL OR table_name NOT IN ('input_event', 'ledger_entry') THEN
          RAISE EXCEPTION 'analyze_hot_table: % is not one of the hot tables', table_name USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF coalesce(cardinality(column_names), 0) = 0 THEN
          EXECUTE format('ANALYZE ${schema}.%I', table_name);
        ELSE
          EXECUTE format('ANALYZE ${schema}.%I (%s)', table_name, (SELECT string_agg(quote_ident(c), ', ') FROM unnest(column_names) AS c));
        END IF;
      END $$`);
    await q.query(`REVOKE EXECUTE ON FUNCTION analyze_hot_table(text, text[]) FROM PUBLIC`);

    await q.query(`
      CREATE FUNCTION grant_runtime_privileges(runtime_role name) RETURNS void
      LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
      DECLARE
        role_oid oid;
        item record;
      BEGIN
        SELECT oid INTO role_oid FROM pg_roles WHERE rolname = runtime_role;
        IF role_oid IS NULL THEN
          RAISE EXCEPTION 'the runtime role "%" (DATABASE_URL) does not exist: create it (scripts/stack.sh up does, see README "Database roles")', runtime_role
            USING ERRCODE = 'undefined_object';
        END IF;
        IF (SELECT rolsuper FROM pg_roles WHERE oid = role_oid) THEN
          RAISE WARNING 'the runtime role "%" is a superuser: no privilege binds it, and it can set the triggers aside', runtime_role;
          RETURN;
        END IF;
        FOR item IN
          SELECT c.relname, pg_get_userbyid(c.relowner) AS owner FROM pg_class c
           WHERE c.relnamespace = '${schema}'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
             AND pg_has_role(role_oid, c.relowner, 'USAGE')
        LOOP
          RAISE EXCEPTION 'the runtime role "%" owns % (through role "%"): the engine must run as a role that owns nothing', runtime_role, item.relname, item.owner
            USING ERRCODE = 'insufficient_privilege';
        END LOOP;
        FOR item IN
          SELECT c.relname FROM pg_class c
           WHERE c.relnamespace = '${schema}'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
             AND NOT EXISTS (SELECT 1 FROM ${schema}.runtime_privilege p WHERE p.table_name = c.relname)
        LOOP
          RAISE EXCEPTION 'table % has no row in runtime_privilege: the migration that created it must say what the engine may do with it', item.relname
            USING ERRCODE = 'object_not_in_prerequisite_state';
        END LOOP;
        EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA ${schema} FROM %I', runtime_role);
        EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${schema} FROM %I', runtime_role);
        EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA ${schema} FROM %I', runtime_role);
        EXECUTE format('GRANT USAGE ON SCHEMA ${schema} TO %I', runtime_role);
        FOR item IN
          SELECT p.table_name, p.privileges FROM ${schema}.runtime_privilege p
           WHERE cardinality(p.privileges) > 0 AND to_regclass('${schema}.' || quote_ident(p.table_name)) IS NOT NULL
        LOOP
          EXECUTE format('GRANT %s ON TABLE ${schema}.%I TO %I', array_to_string(item.privileges, ', '), item.table_name, runtime_role);
        END LOOP;
        EXECUTE format('GRANT EXECUTE ON FUNCTION ${schema}.analyze_hot_table(text, text[]) TO %I', runtime_role);
      END $$`);
    await q.query(`REVOKE EXECUTE ON FUNCTION grant_runtime_privileges(name) FROM PUBLIC`);
    // PostgreSQL 15 already gives PUBLIC no CREATE on the public schema; older servers did.
    await q.query(`REVOKE CREATE ON SCHEMA ${schema} FROM PUBLIC`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION grant_runtime_privileges(name)`);
    await q.query(`DROP FUNCTION analyze_hot_table(text, text[])`);
    await q.query(`DROP TABLE runtime_privilege`);
    await q.query(`DROP TRIGGER payout_order_append_only ON payout_order`);
    await q.query(`DROP TRIGGER payout_order_guard ON payout_order`);
    await q.query(`DROP FUNCTION payout_order_guard()`);
    for (const table of ['accounting_period', 'payout_statement', 'input_event', 'referral_status_history', 'payout_status_history']) {
      await q.query(`DROP TRIGGER ${table}_append_only ON ${table}`);
    }
    await q.query(`DROP FUNCTION is_append_only()`);
  }
}
