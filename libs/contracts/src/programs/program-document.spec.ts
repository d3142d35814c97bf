import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DAY_MS, STANDARD_PROGRAM, STANDARD_TERMS } from '@engine/domain';
import {
  canonicalProgramDocument, canonicalVersionDocument, programFromDocument, programTermsFromDocument, programToDocument, ProgramDocument,
  sameProgramDocument, sameVersionDocument,
} from './program-document';
import { validateProgramDocument, validateProgramsFile, validateProgramVersionDocument } from './validate-document';

/** CONTRACT §8's example, as a finance team would write it. */
const apacLaunch = () => ({
  programId: 'apac-launch', name: 'APAC launch offer', priority: 10,
  scope: { regions: ['ap-southeast-1', 'ap-northeast-1'], partnerGroups: null },
  versions: [{ version: 1, effectiveFrom: '2026-01-01T00:00:00Z', terms: {
    attributionWindowDays: 90, activationWindowDays: 30, qualificationWindowDays: 90,
    commissionWindowDays: 365, expiryGraceDays: 7, holdingPeriodDays: 30,
    excludedChannels: ['paid_search_brand', 'coupon_site'], excludedProductPrefixes: ['marketplace.', 'credits.'],
    baseRateBps: 1200, upperRateBps: 1500,
    currencies: { USD: { qualificationThreshold: '200.00', bonus: '80.00', tierBoundary: '10000.00', commissionCap: '5000.00' } } } }],
}) as any;

/** The fields a document was refused for (and checks that each message names its field). */
function refused(result: { ok: boolean; problems?: { field: string; message: string }[] }): string[] {
  expect(result.ok).toBe(false);
  for (const problem of result.problems ?? []) expect(problem.message).toContain(problem.field);
  return (result.problems ?? []).map((p) => p.field);
}

describe('program documents (CONTRACT §8)', () => {
  describe('validation', () => {
    it("accepts the contract's example", () => {
      expect(validateProgramDocument(apacLaunch())).toMatchObject({ ok: true });
    });

    it('accepts an absent scope, absent scope lists and a retired version', () => {
      const doc = apacLaunch();
      delete doc.scope;
      doc.versions.push({ version: 2, effectiveFrom: '2027-01-01T00:00:00Z', retired: true });
      expect(validateProgramDocument(doc)).toMatchObject({ ok: true });
      expect(validateProgramDocument({ ...apacLaunch(), scope: {} })).toMatchObject({ ok: true });
      expect(validateProgramDocument({ ...apacLaunch(), scope: null })).toMatchObject({ ok: true });
    });

    it('accepts zero bonus, tier boundary and cap, and a version without currencies', () => {
      const doc = apacLaunch();
      doc.versions[0].terms.currencies = { JPY: { qualificationThreshold: '15000', bonus: '0', tierBoundary: '0', commissionCap: '0' } };
      expect(validateProgramDocument(doc)).toMatchObject({ ok: true });
      doc.versions[0].terms.currencies = {};
      expect(validateProgramDocument(doc)).toMatchObject({ ok: true });
    });

    it.each([
      ['programId', (d: any) => (d.programId = 'APAC launch'), 'programId'],
      ['programId too long', (d: any) => (d.programId = 'a'.repeat(65)), 'programId'],
      ['blank name', (d: any) => (d.name = '  '), 'name'],
      ['fractional priority', (d: any) => (d.priority = 1.5), 'priority'],
      ['priority as a string', (d: any) => (d.priority = '10'), 'priority'],
      ['empty region list', (d: any) => (d.scope.regions = []), 'scope.regions'],
      ['region not a string', (d: any) => (d.scope.regions = ['eu-west-1', 7]), 'scope.regions'],
      ['repeated partner group', (d: any) => (d.scope.partnerGroups = ['gold', 'gold']), 'scope.partnerGroups'],
      ['no versions', (d: any) => (d.versions = []), 'versions'],
      ['repeated version number', (d: any) => d.versions.push({ ...d.versions[0] }), 'versions'],
      ['version 0', (d: any) => (d.versions[0].version = 0), 'versions.0.version'],
      ['effectiveFrom not RFC 3339', (d: any) => (d.versions[0].effectiveFrom = '2026-01-01'), 'versions.0.effectiveFrom'],
      ['neither terms nor retired', (d: any) => delete d.versions[0].terms, 'versions.0.terms'],
      ['retired with terms', (d: any) => (d.versions[0].retired = true), 'versions.0.retired'],
      ['retired false', (d: any) => { delete d.versions[0].terms; d.versions[0].retired = false; }, 'versions.0.retired'],
      ['attribution window 0', (d: any) => (d.versions[0].terms.attributionWindowDays = 0), 'versions.0.terms.attributionWindowDays'],
      ['commission window fractional', (d: any) => (d.versions[0].terms.commissionWindowDays = 1.5), 'versions.0.terms.commissionWindowDays'],
      ['negative expiry grace', (d: any) => (d.versions[0].terms.expiryGraceDays = -1), 'versions.0.terms.expiryGraceDays'],
      ['holding period missing', (d: any) => delete d.versions[0].terms.holdingPeriodDays, 'versions.0.terms.holdingPeriodDays'],
      ['rate above 100%', (d: any) => (d.versions[0].terms.baseRateBps = 10_001), 'versions.0.terms.baseRateBps'],
      ['negative rate', (d: any) => (d.versions[0].terms.upperRateBps = -1), 'versions.0.terms.upperRateBps'],
      ['channels not a list', (d: any) => (d.versions[0].terms.excludedChannels = 'coupon_site'), 'versions.0.terms.excludedChannels'],
      ['empty product prefix', (d: any) => (d.versions[0].terms.excludedProductPrefixes = ['']), 'versions.0.terms.excludedProductPrefixes'],
      ['currencies missing', (d: any) => delete d.versions[0].terms.currencies, 'versions.0.terms.currencies'],
      ['three decimals in USD', (d: any) => (d.versions[0].terms.currencies.USD.bonus = '80.001'), 'versions.0.terms.currencies.USD.bonus'],
      ['amount as a number', (d: any) => (d.versions[0].terms.currencies.USD.tierBoundary = 10000), 'versions.0.terms.currencies.USD.tierBoundary'],
      ['zero threshold', (d: any) => (d.versions[0].terms.currencies.USD.qualificationThreshold = '0.00'), 'versions.0.terms.currencies.USD.qualificationThreshold'],
      ['negative cap', (d: any) => (d.versions[0].terms.currencies.USD.commissionCap = '-1.00'), 'versions.0.terms.currencies.USD.commissionCap'],
      ['cap missing', (d: any) => delete d.versions[0].terms.currencies.USD.commissionCap, 'versions.0.terms.currencies.USD.commissionCap'],
      ['decimals in JPY', (d: any) => (d.versions[0].terms.currencies.JPY = { qualificationThreshold: '150.5', bonus: '0', tierBoundary: '0', commissionCap: '0' }), 'versions.0.terms.currencies.JPY.qualificationThreshold'],
      ['unknown property', (d: any) => (d.versions[0].terms.bonusDays = 3), 'versions.0.terms.bonusDays'],
      ['unknown top-level property', (d: any) => (d.createdAt = '2026-01-01T00:00:00Z'), 'createdAt'],
    ])('refuses %s, naming the field', (_, change, field) => {
      const doc = apacLaunch();
      change(doc);
      expect(refused(validateProgramDocument(doc))).toContain(field);
    });

    it('refuses an unsupported currency, naming it', () => {
      const doc = apacLaunch();
      doc.versions[0].terms.currencies.GBP = { qualificationThreshold: '100.00', bonus: '50.00', tierBoundary: '10000.00', commissionCap: '5000.00' };
      const result = validateProgramDocument(doc);
      expect(refused(result)).toContain('versions.0.terms.currencies');
      expect(result.ok || result.problems.map((p) => p.message).join('; ')).toMatch(/unsupported currency "GBP"/);
    });

    it('words the amount problems for the currency', () => {
      const doc = apacLaunch();
      doc.versions[0].terms.currencies.USD.bonus = '80.001';
      const result = validateProgramDocument(doc);
      expect(result.ok || result.problems[0].message).toBe('versions.0.terms.currencies.USD.bonus must have at most 2 decimal digits for USD');
    });

    it('validates a version alone (POST /v1/programs/{id}/versions)', () => {
      expect(validateProgramVersionDocument({ version: 3, effectiveFrom: '2027-01-01T00:00:00Z', retired: true })).toMatchObject({ ok: true });
      expect(validateProgramVersionDocument(apacLaunch().versions[0])).toMatchObject({ ok: true });
      expect(refused(validateProgramVersionDocument({ version: 3, effectiveFrom: '2027-01-01T00:00:00Z' }))).toEqual(['terms']);
      expect(refused(validateProgramVersionDocument([]))).toEqual(['']);
    });

    it('accepts programs/example.json', () => {
      const example = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', '..', 'programs', 'example.json'), 'utf8'));
      expect(validateProgramsFile(example)).toMatchObject({ ok: true });
      const standard = example.programs.find((p: { programId: string }) => p.programId === 'standard');
      expect(sameVersionDocument(standard.versions[0], programToDocument(STANDARD_PROGRAM).versions[0])).toBe(true); // the migration's version 1
    });

    it('refuses a programs file that names a program twice', () => {
      expect(validateProgramsFile({ programs: [apacLaunch()] })).toMatchObject({ ok: true });
      const result = validateProgramsFile({ programs: [apacLaunch(), apacLaunch()] });
      expect(refused(result)).toEqual(['programs']);
      expect(result.ok || result.problems[0].message).toMatch(/"apac-launch" more than once/);
      expect(refused(validateProgramsFile({ programs: [{ ...apacLaunch(), priority: 'high' }] }))).toEqual(['programs.0.priority']);
    });
  });

  describe('conversion', () => {
    it('turns days into ms, decimals into minor units and times into epoch ms', () => {
      const program = programFromDocument(apacLaunch());
      expect(program).toMatchObject({ programId: 'apac-launch', name: 'APAC launch offer', priority: 10, regions: ['ap-southeast-1', 'ap-northeast-1'], partnerGroups: null });
      const [version] = program.versions;
      expect(version.effectiveFrom).toBe(Date.UTC(2026, 0, 1));
      expect(version.terms).toEqual({
        attributionWindowMs: 90 * DAY_MS, activationWindowMs: 30 * DAY_MS, qualificationWindowMs: 90 * DAY_MS, commissionWindowMs: 365 * DAY_MS,
        expiryGraceMs: 7 * DAY_MS, holdingPeriodMs: 30 * DAY_MS,
        excludedChannels: new Set(['paid_search_brand', 'coupon_site']), excludedProductPrefixes: ['marketplace.', 'credits.'],
        baseRateBps: 1200n, upperRateBps: 1500n,
        currencies: { USD: { qualificationThreshold: 20000n, bonus: 8000n, tierBoundary: 1000000n, commissionCap: 500000n } },
      });
    });

    it('reads a retired version as null terms', () => {
      const doc = { ...apacLaunch(), versions: [{ version: 1, effectiveFrom: '2026-01-01T00:00:00+01:00', retired: true }] };
      expect(programFromDocument(doc).versions).toEqual([{ version: 1, effectiveFrom: Date.UTC(2025, 11, 31, 23), terms: null }]);
    });

    it('round-trips: document → domain → document gives the canonical document, which converts back to the same program', () => {
      const doc = apacLaunch();
      doc.versions.push({ version: 2, effectiveFrom: '2027-01-01T00:00:00Z', retired: true });
      const canonical = programToDocument(programFromDocument(doc));
      expect(canonical).toEqual<ProgramDocument>({
        programId: 'apac-launch', name: 'APAC launch offer', priority: 10,
        scope: { regions: ['ap-northeast-1', 'ap-southeast-1'], partnerGroups: null },
        versions: [
          { version: 1, effectiveFrom: '2026-01-01T00:00:00.000Z', terms: { ...doc.versions[0].terms, excludedChannels: ['coupon_site', 'paid_search_brand'], excludedProductPrefixes: ['credits.', 'marketplace.'] } },
          { version: 2, effectiveFrom: '2027-01-01T00:00:00.000Z', retired: true },
        ],
      });
      expect(programToDocument(programFromDocument(canonical))).toEqual(canonical);
      const [v1, v2] = programFromDocument(doc).versions;
      expect(programFromDocument(canonical)).toEqual({
        ...programFromDocument(doc), regions: ['ap-northeast-1', 'ap-southeast-1'],
        versions: [{ ...v1, terms: { ...v1.terms!, excludedProductPrefixes: ['credits.', 'marketplace.'] } }, v2],
      });
    });

    it('writes the built-in program standard as §3 gives it, and reads it back to the same terms', () => {
      const doc = programToDocument(STANDARD_PROGRAM);
      expect(doc).toEqual({
        programId: 'standard', name: 'Standard', priority: 0, scope: { regions: null, partnerGroups: null },
        versions: [{ version: 1, effectiveFrom: '1970-01-01T00:00:00.000Z', terms: {
          attributionWindowDays: 90, activationWindowDays: 30, qualificationWindowDays: 90, commissionWindowDays: 365, expiryGraceDays: 7, holdingPeriodDays: 0,
          excludedChannels: ['coupon_site', 'paid_search_brand'], excludedProductPrefixes: ['credits.', 'marketplace.'], baseRateBps: 1000, upperRateBps: 1500,
          currencies: {
            USD: { qualificationThreshold: '100.00', bonus: '50.00', tierBoundary: '10000.00', commissionCap: '5000.00' },
            EUR: { qualificationThreshold: '100.00', bonus: '50.00', tierBoundary: '10000.00', commissionCap: '5000.00' },
            CNY: { qualificationThreshold: '700.00', bonus: '350.00', tierBoundary: '70000.00', commissionCap: '35000.00' },
            JPY: { qualificationThreshold: '15000', bonus: '7500', tierBoundary: '1500000', commissionCap: '750000' },
          } } }],
      });
      expect(validateProgramDocument(doc)).toMatchObject({ ok: true });
      // the same terms: lists are sets to the rules (any prefix excludes), so the document sorts them
      expect(programFromDocument(doc).versions[0].terms).toEqual({ ...STANDARD_TERMS, excludedProductPrefixes: [...STANDARD_TERMS.excludedProductPrefixes].sort() });
    });

    it('refuses to write terms that are not whole days', () => {
      expect(() => programToDocument({ ...STANDARD_PROGRAM, versions: [{ version: 1, effectiveFrom: 0, terms: { ...STANDARD_TERMS, expiryGraceMs: 3_600_000 } }] })).toThrow(/expiryGraceMs/);
    });
  });

  describe('same body', () => {
    it('ignores notation: amount digits, time zones, key and list order', () => {
      const a = apacLaunch();
      const b = apacLaunch();
      b.scope.regions.reverse();
      b.versions[0].effectiveFrom = '2026-01-01T09:00:00.000+09:00';
      b.versions[0].terms.currencies.USD.bonus = '80';
      b.versions[0].terms.excludedChannels.reverse();
      expect(sameProgramDocument(a, b)).toBe(true);
      expect(canonicalProgramDocument(a)).toEqual(canonicalProgramDocument(b));
      expect(sameProgramDocument(a, { ...apacLaunch(), scope: { regions: ['ap-northeast-1', 'ap-southeast-1'] } })).toBe(true); // absent = null
    });

    it('tells other bodies apart', () => {
      const other = apacLaunch();
      other.versions[0].terms.baseRateBps = 1300;
      expect(sameProgramDocument(apacLaunch(), other)).toBe(false);
      expect(sameProgramDocument(apacLaunch(), { ...apacLaunch(), priority: 11 })).toBe(false);
      expect(sameProgramDocument(apacLaunch(), { ...apacLaunch(), scope: null })).toBe(false);
      expect(sameProgramDocument(apacLaunch(), { ...apacLaunch(), name: 'APAC offer' })).toBe(false);
      expect(sameVersionDocument(apacLaunch().versions[0], other.versions[0])).toBe(false);
      expect(sameVersionDocument(apacLaunch().versions[0], { ...apacLaunch().versions[0], effectiveFrom: '2026-01-01T00:00:00.000Z' })).toBe(true);
      expect(canonicalVersionDocument({ version: 4, effectiveFrom: '2027-01-01T00:00:00Z', retired: true })).toEqual({ version: 4, effectiveFrom: '2027-01-01T00:00:00.000Z', retired: true });
    });
  });
});
