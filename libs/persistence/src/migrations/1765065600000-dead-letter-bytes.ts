import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dead letters for the people who publish (GET /v1/dead-letters, `npm run dlq`): the record of each dead letter now
 * keeps the original key and value, so they can be listed and republished after the reason is gone, and when they
 * were last republished (`replayed_at`). Letters recorded before this migration have no bytes (NULL): they are listed
 * without them and cannot be replayed (their bytes are on the DLQ topic).
 *
 * The runtime role gets UPDATE on dead_letter for `replayed_at` alone: `dead_letter_guard` refuses a change of any
 * other column (the coordinates, code, reason, bytes and receipt time stay as recorded), and rows are never deleted.
 */
export class DeadLetterBytes1765065600000 implements MigrationInterface {
  name = 'DeadLetterBytes1765065600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE dead_letter ADD COLUMN message_key bytea, ADD COLUMN message_value bytea, ADD COLUMN replayed_at timestamptz`);
    await q.query(`CREATE INDEX dead_letter_received_at ON dead_letter (received_at)`);
    await q.query(`
      CREATE FUNCTION dead_letter_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF (NEW.topic, NEW.kafka_partition, NEW.kafka_offset, NEW.code, NEW.reason, NEW.received_at, NEW.message_key, NEW.message_value)
           IS DISTINCT FROM (OLD.topic, OLD.kafka_partition, OLD.kafka_offset, OLD.code, OLD.reason, OLD.received_at, OLD.message_key, OLD.message_value) THEN
          RAISE EXCEPTION 'dead_letter %/%@%: only replayed_at changes', OLD.topic, OLD.kafka_partition, OLD.kafka_offset
            USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER dead_letter_guard BEFORE UPDATE ON dead_letter FOR EACH ROW EXECUTE FUNCTION dead_letter_guard()`);
    await q.query(`UPDATE runtime_privilege SET privileges = '{SELECT,INSERT,UPDATE}' WHERE table_name = 'dead_letter'`); // replayed_at
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE runtime_privilege SET privileges = '{SELECT,INSERT}' WHERE table_name = 'dead_letter'`);
    await q.query(`DROP TRIGGER dead_letter_guard ON dead_letter`);
    await q.query(`DROP FUNCTION dead_letter_guard()`);
    await q.query(`DROP INDEX dead_letter_received_at`);
    await q.query(`ALTER TABLE dead_letter DROP COLUMN replayed_at, DROP COLUMN message_value, DROP COLUMN message_key`);
  }
}
