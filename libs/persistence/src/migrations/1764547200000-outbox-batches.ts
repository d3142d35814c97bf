import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One outbox row per transaction instead of one per output event: the row holds the transaction's messages, in
 * order, as one JSON array of `[eventId, topic, key, value]`. Writing, reading and deleting one row per batch
 * instead of thousands is the largest saving on the hot path; the rows still commit with the state they describe.
 * Rows waiting at the upgrade are carried over, in their order, into one batch.
 */
export class OutboxBatches1764547200000 implements MigrationInterface {
  name = 'OutboxBatches1764547200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox RENAME TO outbox_v1`);
    await q.query(`
      CREATE TABLE outbox (
        id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        message_count integer NOT NULL CHECK (message_count > 0),
        messages      text    NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now()
      )`);
    // lz4 when the server has it (PostgreSQL 14+ built with lz4): several times cheaper than the default pglz.
    await q.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
          ALTER TABLE outbox ALTER COLUMN messages SET COMPRESSION lz4;
        END IF;
      END $$`);
    await q.query(`
      INSERT INTO outbox (message_count, messages)
      SELECT count(*), json_agg(json_build_array(event_id, topic, key, value) ORDER BY id)::text FROM outbox_v1 HAVING count(*) > 0`);
    await q.query(`DROP TABLE outbox_v1`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox RENAME TO outbox_v2`);
    await q.query(`
      CREATE TABLE outbox (
        id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        event_id   text NOT NULL,
        topic      text NOT NULL,
        key        text NOT NULL,
        value      text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      INSERT INTO outbox (event_id, topic, key, value)
      SELECT m->>0, m->>1, m->>2, m->>3 FROM outbox_v2, json_array_elements(messages::json) WITH ORDINALITY AS e(m, n) ORDER BY outbox_v2.id, n`);
    await q.query(`DROP TABLE outbox_v2`);
  }
}
