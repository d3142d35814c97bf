import { day } from '../testing/event-factory';
import { bindSubmission } from './binding';
import { catalogueOf, ProgramDefinition, STANDARD_CATALOGUE, STANDARD_PROGRAM } from './catalogue';
import { DAY_MS, hasExcludedPrefix, ProgramTerms, STANDARD_TERMS } from './terms';

/**
 * CONTRACT §8 "Binding", worked examples. A submission binds at its own time: programs whose scope matches it (regions
 * null or holding its region; partner groups null or holding its partner's group), by descending priority then
 * programId; the first with a version in force gives its latest one (highest effectiveFrom, then version number),
 * unless that is retired. `standard` (priority 0, every region and group) always matches. Day n = 2026-01-01 + n days.
 */

/** terms told apart by their base rate */
const termsAt = (baseRateBps: bigint): ProgramTerms => ({ ...STANDARD_TERMS, baseRateBps });

function program(programId: string, priority: number, scope: Partial<Pick<ProgramDefinition, 'regions' | 'partnerGroups'>>, versions: ProgramDefinition['versions']): ProgramDefinition {
  return { programId, name: programId, priority, regions: scope.regions ?? null, partnerGroups: scope.partnerGroups ?? null, versions };
}
const from = (version: number, effectiveDay: number, terms: ProgramTerms | null = termsAt(1000n + BigInt(version))) => ({ version, effectiveFrom: day(effectiveDay), terms });

describe('bindSubmission', () => {
  it('the built-in catalogue binds every submission to standard version 1, passing nothing over', () => {
    for (const [region, group] of [[null, 'default'], ['eu', 'gold'], ['ap-southeast-1', 'default']] as const) {
      expect(bindSubmission(STANDARD_CATALOGUE, region, group, day(0))).toEqual({
        programId: 'standard', version: 1, effectiveFrom: 0, priority: 0, terms: STANDARD_TERMS, passedOver: [],
      });
    }
    expect(bindSubmission(STANDARD_CATALOGUE, null, 'default', 0).programId).toBe('standard'); // from 1970-01-01, inclusive
  });

  describe('region', () => {
    const apac = program('apac-launch', 10, { regions: ['ap-southeast-1', 'ap-northeast-1'] }, [from(1, 0)]);
    const catalogue = catalogueOf([STANDARD_PROGRAM, apac]);

    it('a submission whose region the program lists binds to it', () => {
      expect(bindSubmission(catalogue, 'ap-northeast-1', 'default', day(5))).toMatchObject({ programId: 'apac-launch', version: 1, priority: 10, passedOver: [] });
    });

    it('another region passes it over (REGION_NOT_IN_SCOPE) and binds standard', () => {
      expect(bindSubmission(catalogue, 'eu-west-1', 'default', day(5))).toMatchObject({
        programId: 'standard', version: 1,
        passedOver: [{ programId: 'apac-launch', priority: 10, reason: 'REGION_NOT_IN_SCOPE' }],
      });
    });

    it('a submission without a region matches only programs whose regions are null', () => {
      const everywhere = program('everywhere', 5, {}, [from(1, 0)]);
      const both = catalogueOf([STANDARD_PROGRAM, apac, everywhere]);
      expect(bindSubmission(both, null, 'default', day(5))).toMatchObject({
        programId: 'everywhere',
        passedOver: [{ programId: 'apac-launch', priority: 10, reason: 'REGION_NOT_IN_SCOPE' }],
      });
      expect(bindSubmission(catalogue, null, 'default', day(5))).toMatchObject({ programId: 'standard' });
    });

    it('regions compare exactly (no prefix match)', () => {
      expect(bindSubmission(catalogue, 'ap-southeast', 'default', day(5)).programId).toBe('standard');
    });
  });

  describe('partner group', () => {
    const gold = program('gold', 20, { partnerGroups: ['gold', 'platinum'] }, [from(1, 0)]);
    const euGold = program('eu-gold', 30, { regions: ['eu'], partnerGroups: ['gold'] }, [from(1, 0)]);
    const catalogue = catalogueOf([STANDARD_PROGRAM, gold, euGold]);

    it('a partner in a listed group binds to the program', () => {
      expect(bindSubmission(catalogue, null, 'platinum', day(5))).toMatchObject({
        programId: 'gold', passedOver: [{ programId: 'eu-gold', priority: 30, reason: 'REGION_NOT_IN_SCOPE' }],
      });
    });

    it('another group passes it over (GROUP_NOT_IN_SCOPE)', () => {
      expect(bindSubmission(catalogue, 'us', 'default', day(5))).toMatchObject({
        programId: 'standard',
        passedOver: [
          { programId: 'eu-gold', priority: 30, reason: 'REGION_NOT_IN_SCOPE' },
          { programId: 'gold', priority: 20, reason: 'GROUP_NOT_IN_SCOPE' },
        ],
      });
    });

    it('a program scoped by region and group needs both', () => {
      expect(bindSubmission(catalogue, 'eu', 'gold', day(5)).programId).toBe('eu-gold');
      expect(bindSubmission(catalogue, 'eu', 'platinum', day(5))).toMatchObject({
        programId: 'gold', passedOver: [{ programId: 'eu-gold', priority: 30, reason: 'GROUP_NOT_IN_SCOPE' }],
      });
    });
  });

  describe('binding order', () => {
    it('the highest priority among matching programs wins, whatever order the catalogue was given in', () => {
      const low = program('low', 5, {}, [from(1, 0)]);
      const high = program('high', 50, {}, [from(1, 0)]);
      for (const catalogue of [catalogueOf([low, high, STANDARD_PROGRAM]), catalogueOf([STANDARD_PROGRAM, high, low])]) {
        expect(catalogue.programs.map((p) => p.programId)).toEqual(['high', 'low', 'standard']);
        expect(bindSubmission(catalogue, null, 'default', day(1))).toMatchObject({ programId: 'high', priority: 50, passedOver: [] });
      }
    });

    it('equal priorities: programId ascending (plain string compare)', () => {
      const catalogue = catalogueOf([program('beta', 7, {}, [from(1, 0)]), program('alpha-2', 7, {}, [from(1, 0)]), program('alpha', 7, {}, [from(1, 0)]), STANDARD_PROGRAM]);
      expect(catalogue.programs.map((p) => p.programId)).toEqual(['alpha', 'alpha-2', 'beta', 'standard']);
      expect(bindSubmission(catalogue, null, 'default', day(1)).programId).toBe('alpha');
    });

    it('priority 0, like standard: the programId decides (\'partners\' < \'standard\' < \'zeta\')', () => {
      const catalogue = catalogueOf([program('zeta', 0, {}, [from(1, 0)]), STANDARD_PROGRAM, program('partners', 0, {}, [from(1, 0)])]);
      expect(catalogue.programs.map((p) => p.programId)).toEqual(['partners', 'standard', 'zeta']);
      expect(bindSubmission(catalogue, null, 'default', day(1)).programId).toBe('partners');
    });

    it('a program with a negative priority comes after standard and so never binds', () => {
      const catalogue = catalogueOf([program('fallback', -1, {}, [from(1, 0)]), STANDARD_PROGRAM]);
      expect(bindSubmission(catalogue, null, 'default', day(1))).toMatchObject({ programId: 'standard', passedOver: [] });
    });
  });

  describe('effective dates', () => {
    it('a program with no version in force yet is passed over (NO_VERSION_YET) for the next one', () => {
      const later = program('spring', 10, {}, [from(1, 90)]);
      const catalogue = catalogueOf([STANDARD_PROGRAM, later]);
      expect(bindSubmission(catalogue, null, 'default', day(90) - 1)).toMatchObject({
        programId: 'standard', passedOver: [{ programId: 'spring', priority: 10, reason: 'NO_VERSION_YET' }],
      });
      expect(bindSubmission(catalogue, null, 'default', day(90))).toMatchObject({ programId: 'spring', version: 1, effectiveFrom: day(90), passedOver: [] });
    });

    it('a version is in force from its effectiveFrom, inclusive; the latest one in force gives the terms', () => {
      const p = program('p', 10, {}, [from(1, 0), from(2, 30), from(3, 60)]);
      const catalogue = catalogueOf([STANDARD_PROGRAM, p]);
      expect(bindSubmission(catalogue, null, 'default', day(30) - 1)).toMatchObject({ version: 1, terms: termsAt(1001n) });
      expect(bindSubmission(catalogue, null, 'default', day(30))).toMatchObject({ version: 2, effectiveFrom: day(30), terms: termsAt(1002n) });
      expect(bindSubmission(catalogue, null, 'default', day(59))).toMatchObject({ version: 2 });
      expect(bindSubmission(catalogue, null, 'default', day(600))).toMatchObject({ version: 3 });
    });

    it('the highest effectiveFrom wins over the highest version number, and equal dates go to the highest number', () => {
      const p = program('p', 10, {}, [from(1, 20), from(2, 10), from(4, 40), from(3, 40)]);
      const catalogue = catalogueOf([STANDARD_PROGRAM, p]);
      expect(bindSubmission(catalogue, null, 'default', day(15)).version).toBe(2);
      expect(bindSubmission(catalogue, null, 'default', day(25)).version).toBe(1); // effective day 20 > day 10
      expect(bindSubmission(catalogue, null, 'default', day(40)).version).toBe(4); // both from day 40: version 4
    });

    it('a retired version falls through to the next program (RETIRED, naming the version); a later version re-opens the program', () => {
      const eu = program('eu', 10, { regions: ['eu'] }, [from(1, 0), from(2, 90, null), from(3, 180)]);
      const nordics = program('nordics', 5, { regions: ['eu'] }, [from(1, 0)]);
      const catalogue = catalogueOf([STANDARD_PROGRAM, eu, nordics]);
      expect(bindSubmission(catalogue, 'eu', 'default', day(90) - 1)).toMatchObject({ programId: 'eu', version: 1 });
      expect(bindSubmission(catalogue, 'eu', 'default', day(90))).toMatchObject({
        programId: 'nordics', version: 1, passedOver: [{ programId: 'eu', priority: 10, reason: 'RETIRED', version: 2 }],
      });
      expect(bindSubmission(catalogueOf([STANDARD_PROGRAM, eu]), 'eu', 'default', day(100))).toMatchObject({
        programId: 'standard', passedOver: [{ programId: 'eu', priority: 10, reason: 'RETIRED', version: 2 }],
      });
      expect(bindSubmission(catalogue, 'eu', 'default', day(180))).toMatchObject({ programId: 'eu', version: 3, passedOver: [] });
    });

    it('standard takes new versions like any program', () => {
      const standard: ProgramDefinition = { ...STANDARD_PROGRAM, versions: [...STANDARD_PROGRAM.versions, { version: 2, effectiveFrom: day(60), terms: termsAt(1200n) }] };
      const catalogue = catalogueOf([standard]);
      expect(bindSubmission(catalogue, null, 'default', day(60) - 1)).toMatchObject({ programId: 'standard', version: 1, terms: STANDARD_TERMS });
      expect(bindSubmission(catalogue, 'eu', 'gold', day(60))).toMatchObject({ programId: 'standard', version: 2, effectiveFrom: day(60), terms: termsAt(1200n) });
    });
  });

  it('standard always binds: every other program passed over, each with its reason, in binding order', () => {
    const catalogue = catalogueOf([
      STANDARD_PROGRAM,
      program('a-region', 40, { regions: ['us'] }, [from(1, 0)]),
      program('b-group', 30, { partnerGroups: ['gold'] }, [from(1, 0)]),
      program('c-future', 20, {}, [from(1, 365)]),
      program('d-retired', 10, {}, [from(1, 0), from(2, 5, null)]),
    ]);
    const binding = bindSubmission(catalogue, 'eu', 'default', day(10));
    expect(binding).toMatchObject({ programId: 'standard', version: 1, priority: 0, terms: STANDARD_TERMS });
    expect(binding.passedOver).toEqual([
      { programId: 'a-region', priority: 40, reason: 'REGION_NOT_IN_SCOPE' },
      { programId: 'b-group', priority: 30, reason: 'GROUP_NOT_IN_SCOPE' },
      { programId: 'c-future', priority: 20, reason: 'NO_VERSION_YET' },
      { programId: 'd-retired', priority: 10, reason: 'RETIRED', version: 2 },
    ]);
  });

  it('a catalogue without standard is refused', () => {
    expect(() => catalogueOf([program('only', 10, {}, [from(1, 0)])])).toThrow(/standard/);
  });

});

describe('STANDARD_TERMS (CONTRACT §3) and hasExcludedPrefix', () => {
  it('are the contract\'s table', () => {
    expect(STANDARD_TERMS).toEqual({
      attributionWindowMs: 90 * DAY_MS, activationWindowMs: 30 * DAY_MS, qualificationWindowMs: 90 * DAY_MS, commissionWindowMs: 365 * DAY_MS,
      expiryGraceMs: 7 * DAY_MS, holdingPeriodMs: 0,
      excludedChannels: new Set(['paid_search_brand', 'coupon_site']), excludedProductPrefixes: ['marketplace.', 'credits.'],
      baseRateBps: 1000n, upperRateBps: 1500n,
      currencies: {
        USD: { qualificationThreshold: 10000n, bonus: 5000n, tierBoundary: 1000000n, commissionCap: 500000n },
        EUR: { qualificationThreshold: 10000n, bonus: 5000n, tierBoundary: 1000000n, commissionCap: 500000n },
        CNY: { qualificationThreshold: 70000n, bonus: 35000n, tierBoundary: 7000000n, commissionCap: 3500000n },
        JPY: { qualificationThreshold: 15000n, bonus: 7500n, tierBoundary: 1500000n, commissionCap: 750000n },
      },
    });
    expect(STANDARD_CATALOGUE.programs).toEqual([{ programId: 'standard', name: 'Standard', priority: 0, regions: null, partnerGroups: null, versions: [{ version: 1, effectiveFrom: 0, terms: STANDARD_TERMS }] }]);
  });

  it('hasExcludedPrefix reads the version\'s own prefixes', () => {
    expect(['marketplace.app', 'credits.pack', 'api.requests', 'credits'].map((code) => hasExcludedPrefix(STANDARD_TERMS, code))).toEqual([true, true, false, false]);
    expect(hasExcludedPrefix({ ...STANDARD_TERMS, excludedProductPrefixes: ['api.'] }, 'api.requests')).toBe(true);
    expect(hasExcludedPrefix({ ...STANDARD_TERMS, excludedProductPrefixes: [] }, 'credits.pack')).toBe(false);
  });
});
