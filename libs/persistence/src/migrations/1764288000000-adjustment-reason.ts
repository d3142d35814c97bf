import { MigrationInterface, QueryRunner } from 'typeorm';

/** Finance's reason for a manual adjustment (POST /v1/adjustments), kept beside its idempotency record. */
export class AdjustmentReason1764288000000 implements MigrationInterface {
  name = 'AdjustmentReason1764288000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE adjustment_request ADD COLUMN reason text NOT NULL DEFAULT ''`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE adjustment_request DROP COLUMN reason`);
  }
}
