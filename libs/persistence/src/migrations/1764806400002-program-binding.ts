import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every referral and every ledger entry records the program version its submission is bound to (CONTRACT §8,
 * "Audit"), and every entry when it is released for payment (§10). Rows written before catalogues existed were all
 * under the built-in `standard` version 1 with no holding period: they are backfilled so, with the append-only
 * trigger set aside for that one statement (the migration runs as the table's owner, inside its transaction).
 */
export class ProgramBinding1764806400002 implements MigrationInterface {
  name = 'ProgramBinding1764806400002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE referral ADD COLUMN program_id text NOT NULL DEFAULT 'standard', ADD COLUMN program_version integer NOT NULL DEFAULT 1`);
    await q.query(`ALTER TABLE referral ALTER COLUMN program_id DROP DEFAULT, ALTER COLUMN program_version DROP DEFAULT`);
    await q.query(`ALTER TABLE ledger_entry ADD COLUMN program_id text, ADD COLUMN program_version integer, ADD COLUMN release_at timestamptz`);
    await q.query(`ALTER TABLE ledger_entry DISABLE TRIGGER ledger_entry_append_only`);
    await q.query(`
      UPDATE ledger_entry SET release_at = effective_at,
             program_id = CASE WHEN referral_id IS NOT NULL THEN 'standard' END,
             program_version = CASE WHEN referral_id IS NOT NULL THEN 1 END`);
    await q.query(`ALTER TABLE ledger_entry ENABLE TRIGGER ledger_entry_append_only`);
    await q.query(`ALTER TABLE ledger_entry ALTER COLUMN release_at SET NOT NULL`);
    await q.query(`ALTER TABLE ledger_entry ADD CONSTRAINT ledger_entry_program_check CHECK ((program_id IS NULL) = (program_version IS NULL))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ledger_entry DROP CONSTRAINT ledger_entry_program_check`);
    await q.query(`ALTER TABLE ledger_entry DROP COLUMN release_at, DROP COLUMN program_version, DROP COLUMN program_id`);
    await q.query(`ALTER TABLE referral DROP COLUMN program_version, DROP COLUMN program_id`);
  }
}
