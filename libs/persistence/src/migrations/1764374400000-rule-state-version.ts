import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A counter bumped by every transaction that writes rule state (under the rule-state lock). An engine
 * instance keeps its in-memory state only while the version it sees is the one it wrote last.
 */
export class RuleStateVersion1764374400000 implements MigrationInterface {
  name = 'RuleStateVersion1764374400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE rule_state_version (id smallint PRIMARY KEY CHECK (id = 1), version bigint NOT NULL)`);
    await q.query(`INSERT INTO rule_state_version (id, version) VALUES (1, 0)`);
    // Output event ids are unique by construction (sequence per referral, ledger entry id); the extra unique
    // index on the hot insert path is not worth its cost.
    await q.query(`ALTER TABLE outbox DROP CONSTRAINT IF EXISTS outbox_event_id_key`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox ADD CONSTRAINT outbox_event_id_key UNIQUE (event_id)`);
    await q.query(`DROP TABLE rule_state_version`);
  }
}
