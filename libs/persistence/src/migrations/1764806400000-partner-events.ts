import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The events of `partner.accounts.v1` and the prospect's region in the event store (CONTRACT §2, §9):
 * - `region` of a submission (it binds the submission to a program), `partner_group` of an approval or a group change,
 *   `reason` of a suspension, reinstatement or termination; a partner event keeps its partnerId in `partner_id`;
 * - a partner's events and a partner's submissions are read by partner_id (LinkKey `p:` and `m:`).
 */
export class PartnerEvents1764806400000 implements MigrationInterface {
  name = 'PartnerEvents1764806400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE input_event ADD COLUMN region text, ADD COLUMN partner_group text, ADD COLUMN reason text`);
    await q.query(`CREATE INDEX input_event_partner_idx ON input_event (partner_id) WHERE partner_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX input_event_partner_idx`);
    await q.query(`ALTER TABLE input_event DROP COLUMN region, DROP COLUMN partner_group, DROP COLUMN reason`);
  }
}
