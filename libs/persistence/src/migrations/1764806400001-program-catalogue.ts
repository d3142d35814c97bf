import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The program catalogue (CONTRACT §8): programs (scope and priority fixed at creation) and their effective-dated
 * versions. Both are append-only, like the ledger: a program's id, name, priority and scope never change, and a
 * version is never edited or removed, so no binding of a submission that already happened can move. A version's
 * terms are the document's terms in canonical form (days, basis points, decimal strings; see
 * `canonicalTermsDocument` in @engine/contracts); a retired version has none.
 *
 * The built-in program `standard` (§3) is inserted here, version 1 effective from 1970-01-01: every catalogue holds it.
 * Its terms are written out rather than computed, so that this migration keeps doing what it did when code changes.
 */
export class ProgramCatalogue1764806400001 implements MigrationInterface {
  name = 'ProgramCatalogue1764806400001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE program (
        program_id     text        PRIMARY KEY CHECK (program_id ~ '^[a-z0-9][a-z0-9-]{0,63}$'),
        name           text        NOT NULL,
        priority       integer     NOT NULL,
        regions        text[],
        partner_groups text[],
        created_at     timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE program_version (
        program_id     text        NOT NULL REFERENCES program (program_id),
        version        integer     NOT NULL CHECK (version > 0),
        effective_from timestamptz NOT NULL,
        retired        boolean     NOT NULL,
        terms          jsonb,
        created_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (program_id, version),
        CHECK (retired = (terms IS NULL)),
        CHECK (NOT (retired AND program_id = 'standard'))
      )`);
    await q.query(`
      CREATE FUNCTION program_catalogue_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'restrict_violation';
      END $$`);
    for (const table of ['program', 'program_version']) {
      await q.query(`
        CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION program_catalogue_is_append_only()`);
    }

    await q.query(`INSERT INTO program (program_id, name, priority, regions, partner_groups) VALUES ('standard', 'Standard', 0, NULL, NULL)`);
    const standardTerms = {
      attributionWindowDays: 90, activationWindowDays: 30, qualificationWindowDays: 90, commissionWindowDays: 365, expiryGraceDays: 7, holdingPeriodDays: 0,
      excludedChannels: ['coupon_site', 'paid_search_brand'], excludedProductPrefixes: ['credits.', 'marketplace.'],
      baseRateBps: 1000, upperRateBps: 1500,
      currencies: {
        USD: { qualificationThreshold: '100.00', bonus: '50.00', tierBoundary: '10000.00', commissionCap: '5000.00' },
        EUR: { qualificationThreshold: '100.00', bonus: '50.00', tierBoundary: '10000.00', commissionCap: '5000.00' },
        CNY: { qualificationThreshold: '700.00', bonus: '350.00', tierBoundary: '70000.00', commissionCap: '35000.00' },
        JPY: { qualificationThreshold: '15000', bonus: '7500', tierBoundary: '1500000', commissionCap: '750000' },
      },
    };
    await q.query(
      `INSERT INTO program_version (program_id, version, effective_from, retired, terms) VALUES ('standard', 1, '1970-01-01T00:00:00Z', false, $1::jsonb)`,
      [JSON.stringify(standardTerms)],
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE program_version`);
    await q.query(`DROP TABLE program`);
    await q.query(`DROP FUNCTION program_catalogue_is_append_only()`);
  }
}
