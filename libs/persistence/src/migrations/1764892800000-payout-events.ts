import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The events of `payments.payouts.v1` in the event store (CONTRACT §2, §10):
 * - a payout event keeps its payoutId in `payout_id`, the `reference` of a payout.paid in `reference`, and the
 *   `reason` of a payout.failed in the existing `reason` column;
 * - a payout order's outcomes are read by payout_id (LinkKey `o:`).
 */
export class PayoutEvents1764892800000 implements MigrationInterface {
  name = 'PayoutEvents1764892800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE input_event ADD COLUMN payout_id text, ADD COLUMN reference text`);
    await q.query(`CREATE INDEX input_event_payout_idx ON input_event (payout_id) WHERE payout_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX input_event_payout_idx`);
    await q.query(`ALTER TABLE input_event DROP COLUMN payout_id, DROP COLUMN reference`);
  }
}
