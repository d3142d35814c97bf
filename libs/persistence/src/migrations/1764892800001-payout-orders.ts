import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Holding and payout orders (CONTRACT §10): statements gain `held` and `available` (closed ones were computed with
 * nothing held: available = closing); a payout order per paid statement, its status history, and its outcome.
 */
export class PayoutOrders1764892800001 implements MigrationInterface {
  name = 'PayoutOrders1764892800001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE payout_statement ADD COLUMN held bigint NOT NULL DEFAULT 0, ADD COLUMN available bigint`);
    await q.query(`UPDATE payout_statement SET available = closing`);
    await q.query(`ALTER TABLE payout_statement ALTER COLUMN available SET NOT NULL, ALTER COLUMN held DROP DEFAULT`);
    await q.query(`
      CREATE TABLE payout_order (
        payout_id        text    PRIMARY KEY,
        period           char(7) NOT NULL,
        partner_id       text    NOT NULL,
        currency         text    NOT NULL,
        amount           bigint  NOT NULL CHECK (amount > 0),
        status           text    NOT NULL,
        sequence         integer NOT NULL,
        outcome_source   text,
        outcome_event_id text,
        outcome_at       timestamptz,
        reference        text,
        reason           text,
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX payout_order_partner_idx ON payout_order (partner_id, period)`);
    await q.query(`CREATE INDEX payout_order_period_idx ON payout_order (period, status)`);
    await q.query(`
      CREATE TABLE payout_status_history (
        payout_id       text    NOT NULL,
        sequence        integer NOT NULL,
        status          text    NOT NULL,
        previous_status text,
        reason          text,
        changed_at      timestamptz NOT NULL,
        PRIMARY KEY (payout_id, sequence)
      )`);
    await q.query(`CREATE INDEX ledger_entry_payout_slot_idx ON ledger_entry (slot) WHERE referral_id IS NULL AND slot IS NOT NULL`);
    // A partner's balance reads its own entries, not the whole ledger.
    await q.query(`CREATE INDEX ledger_entry_partner_idx ON ledger_entry (partner_id, currency)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ledger_entry_partner_idx`);
    await q.query(`DROP INDEX ledger_entry_payout_slot_idx`);
    await q.query(`DROP TABLE payout_status_history`);
    await q.query(`DROP TABLE payout_order`);
    await q.query(`ALTER TABLE payout_statement DROP COLUMN available, DROP COLUMN held`);
  }
}
