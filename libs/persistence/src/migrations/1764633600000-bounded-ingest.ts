import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the bounded ingest path reads and what it keeps:
 * - a referral by its claimant (a customer's new facts change only the referral it claimed);
 * - a customer's signups without its usage lines (families are walked over submissions and signups only);
 * - the partner in the status history (a takeover is a change of partner);
 * - parked events: valid input whose transaction kept failing for a reason of ours, set aside with the error so
 *   that everything else goes on, and re-applied by `npm run parked -- retry` after a fix.
 */
export class BoundedIngest1764633600000 implements MigrationInterface {
  name = 'BoundedIngest1764633600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX referral_customer_idx ON referral (customer_id) WHERE customer_id IS NOT NULL`);
    await q.query(`CREATE INDEX input_event_signup_customer_idx ON input_event (customer_id) WHERE type = 'customer.signed_up'`);
    await q.query(`ALTER TABLE referral_status_history ADD COLUMN partner_id text, ADD COLUMN previous_partner_id text`);
    await q.query(`
      CREATE TABLE parked_event (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        topic           text        NOT NULL,
        kafka_partition integer     NOT NULL,
        kafka_offset    bigint      NOT NULL,
        message_key     bytea,
        message_value   bytea       NOT NULL,
        source          text,
        event_id        text,
        error_code      text,
        error_message   text        NOT NULL,
        attempts        integer     NOT NULL,
        parked_at       timestamptz NOT NULL DEFAULT now(),
        retried_at      timestamptz,
        UNIQUE (topic, kafka_partition, kafka_offset)
      )`);
    await q.query(`CREATE INDEX parked_event_waiting_idx ON parked_event (id) WHERE retried_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE parked_event`);
    await q.query(`ALTER TABLE referral_status_history DROP COLUMN partner_id, DROP COLUMN previous_partner_id`);
    await q.query(`DROP INDEX input_event_signup_customer_idx`);
    await q.query(`DROP INDEX referral_customer_idx`);
  }
}
