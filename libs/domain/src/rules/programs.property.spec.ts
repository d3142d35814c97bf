import fc from 'fast-check';
import { InputEvent } from '../events/input-event';
import { Currency } from '../money/currency';
import { catalogueOf, ProgramDefinition } from '../program/catalogue';
import { Rules } from '../program/rules';
import { CurrencyTerms, DAY_MS, ProgramTerms } from '../program/terms';
import { eventsArb, NOW, P, P_APPROVAL, permutationOf, TEST_CATALOGUE } from '../testing/event-arbitraries';
import { T0 } from '../testing/event-factory';
import { evaluate } from './evaluate';
import { Evaluation } from './evaluation';

/**
 * CONTRACT §8 "The past never changes" and §4 "a function of the SET of events", for programs and partners, on
 * random event sets under the test catalogue (standard with a rate change, a regional program retired later, a
 * group program; partner approvals, group changes, suspensions, reinstatements and terminations among the events).
 */

const serialise = (value: unknown) => JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));

/** The whole result, independent of the order of its lists: referral rows (with their binding), amounts, bindings, anomalies. */
function view(result: Evaluation) {
  const key = (a: { referralId: string; partnerId: string; slot: string; currency: string; effectiveAt: number }) => `${a.referralId}|${a.partnerId}|${a.slot}|${a.currency}|${a.effectiveAt}`;
  return serialise({
    referrals: [...result.referrals].sort((a, b) => (a.referralId < b.referralId ? -1 : 1)),
    amounts: [...result.amounts].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)),
    programs: [...result.programs.entries()].sort(([a], [b]) => (a < b ? -1 : 1)),
    anomalies: result.anomalies.map((a) => `${a.code}|${a.source}|${a.eventId}`).sort(),
  });
}

const days = (min: number, max: number) => fc.integer({ min, max }).map((d) => d * DAY_MS);
const currencyTermsArb: fc.Arbitrary<CurrencyTerms> = fc.record({
  qualificationThreshold: fc.bigInt({ min: 1n, max: 50_000n }),
  bonus: fc.bigInt({ min: 0n, max: 20_000n }),
  tierBoundary: fc.bigInt({ min: 0n, max: 2_000_000n }),
  commissionCap: fc.bigInt({ min: 0n, max: 1_000_000n }),
});
/** Any complete terms: other windows, rates, thresholds, currencies, exclusions, holding. */
const termsArb: fc.Arbitrary<ProgramTerms> = fc.record({
  attributionWindowMs: days(1, 400),
  activationWindowMs: days(1, 100),
  qualificationWindowMs: days(1, 200),
  commissionWindowMs: days(1, 800),
  expiryGraceMs: days(0, 30),
  holdingPeriodMs: days(0, 90),
  excludedChannels: fc.subarray(['partner_portal', 'api', 'coupon_site', 'paid_search_brand']).map((c) => new Set(c)),
  excludedProductPrefixes: fc.subarray(['api.', 'storage.', 'marketplace.', 'credits.']),
  baseRateBps: fc.bigInt({ min: 0n, max: 5_000n }),
  upperRateBps: fc.bigInt({ min: 0n, max: 5_000n }),
  currencies: fc.record(
    { USD: currencyTermsArb, EUR: currencyTermsArb, CNY: currencyTermsArb, JPY: currencyTermsArb } satisfies Record<Currency, fc.Arbitrary<CurrencyTerms>>,
    { requiredKeys: [] },
  ),
});

/** After the last event: a new version of an existing program (retired, for any but standard, sometimes), or a new program. */
type Addition =
  | { kind: 'version'; programIndex: number; after: number; terms: ProgramTerms | null }
  | { kind: 'program'; priority: number; regions: string[] | null; groups: string[] | null; after: number; terms: ProgramTerms };
const additionArb: fc.Arbitrary<Addition> = fc.oneof(
  fc.record({ kind: fc.constant('version' as const), programIndex: fc.nat(), after: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 400 * DAY_MS })), terms: fc.option(termsArb, { nil: null, freq: 5 }) }),
  fc.record({
    kind: fc.constant('program' as const),
    priority: fc.integer({ min: -5, max: 50 }),
    regions: fc.option(fc.subarray(['eu', 'us', 'ap']), { nil: null }),
    groups: fc.option(fc.subarray(['default', 'gold']), { nil: null }),
    after: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 400 * DAY_MS })),
    terms: termsArb,
  }),
);

/** The test catalogue with the additions, each effective `after` ms past the last event (or, with no events, past T0). */
function withAdditions(rules: Rules, events: readonly InputEvent[], additions: readonly Addition[]): Rules {
  const last = events.reduce((max, e) => Math.max(max, e.time), T0);
  const programs: ProgramDefinition[] = TEST_CATALOGUE.programs.map((p) => ({ ...p, versions: [...p.versions] }));
  for (const [i, addition] of additions.entries()) {
    const effectiveFrom = last + addition.after;
    if (addition.kind === 'version') {
      const program = programs[addition.programIndex % programs.length];
      const terms = program.programId === 'standard' ? addition.terms ?? program.versions[0].terms : addition.terms; // standard cannot be retired
      program.versions = [...program.versions, { version: Math.max(...program.versions.map((v) => v.version)) + 1, effectiveFrom, terms }];
    } else {
      programs.push({
        programId: `new-${i}`, name: `new ${i}`, priority: addition.priority, regions: addition.regions, partnerGroups: addition.groups,
        versions: [{ version: 1, effectiveFrom, terms: addition.terms }],
      });
    }
  }
  return { ...rules, catalogue: catalogueOf(programs) };
}

describe('programs and partners: properties over random event sets', () => {
  it('the past never changes: versions and programs effective after every event change no outcome, binding or amount', () => {
    fc.assert(
      fc.property(eventsArb, fc.array(additionArb, { minLength: 1, maxLength: 4 }), fc.boolean(), (events, additions, approval) => {
        const rules = approval ? P_APPROVAL : P;
        const changed = withAdditions(rules, events, additions);
        expect(view(evaluate(events, NOW, changed))).toBe(view(evaluate(events, NOW, rules)));
      }),
      { numRuns: 200 },
    );
  });

  it('… at any clock value (expiry deadlines come from the bound versions, not from the newest)', () => {
    fc.assert(
      fc.property(eventsArb, fc.array(additionArb, { minLength: 1, maxLength: 3 }), fc.integer({ min: 0, max: 250 }).map((d) => T0 + d * DAY_MS), (events, additions, now) => {
        expect(view(evaluate(events, now, withAdditions(P, events, additions)))).toBe(view(evaluate(events, now, P)));
      }),
      { numRuns: 100 },
    );
  });

  it('but a version in force before some event may change it (the generator reaches the past: sanity check)', () => {
    const samples = fc.sample(fc.tuple(eventsArb, termsArb), { numRuns: 200, seed: 7 });
    const changedSome = samples.some(([events, terms]) => {
      const first = events.reduce((min, e) => Math.min(min, e.time), Infinity);
      if (!Number.isFinite(first)) return false;
      const standard = TEST_CATALOGUE.programs.find((p) => p.programId === 'standard')!;
      const early: Rules = {
        ...P,
        catalogue: catalogueOf([...TEST_CATALOGUE.programs.filter((p) => p !== standard), { ...standard, versions: [...standard.versions, { version: 3, effectiveFrom: first, terms }] }]),
      };
      return view(evaluate(events, NOW, early)) !== view(evaluate(events, NOW, P));
    });
    expect(changedSome).toBe(true);
  });

  it.each([['open', P], ['approval', P_APPROVAL]] as const)(
    'the whole result is the same for any arrival order of the events, partner events included (%s enrollment)',
    (_, rules) => {
      fc.assert(
        fc.property(eventsArb.chain((events) => fc.tuple(fc.constant(events), permutationOf(events))), ([events, shuffled]) => {
          expect(view(evaluate(shuffled, NOW, rules))).toBe(view(evaluate(events, NOW, rules)));
        }),
        { numRuns: 200 },
      );
    },
  );

  it('… and partner events arriving after everything else, or before, change nothing either', () => {
    fc.assert(
      fc.property(eventsArb, fc.boolean(), (events, approval) => {
        const rules = approval ? P_APPROVAL : P;
        const isPartner = (e: InputEvent) => e.type.startsWith('partner.');
        const last = [...events.filter((e) => !isPartner(e)), ...events.filter(isPartner)];
        const first = [...events.filter(isPartner), ...events.filter((e) => !isPartner(e))];
        const expected = view(evaluate(events, NOW, rules));
        expect(view(evaluate(last, NOW, rules))).toBe(expected);
        expect(view(evaluate(first, NOW, rules))).toBe(expected);
      }),
      { numRuns: 150 },
    );
  });

  it('the worlds hold partner events that matter (sanity check): rule 0 rejections, terminations and group bindings', () => {
    const samples = fc.sample(eventsArb, { numRuns: 300, seed: 11 });
    const results = samples.map((events) => ({ open: evaluate(events, NOW, P), approval: evaluate(events, NOW, P_APPROVAL) }));
    const reasons = (pick: 'open' | 'approval') => results.flatMap((r) => r[pick].referrals.filter((x) => x.reason === 'PARTNER_NOT_ELIGIBLE')).length;
    expect(reasons('open')).toBeGreaterThan(0);
    expect(reasons('approval')).toBeGreaterThan(reasons('open'));
    expect(results.some((r) => r.open.referrals.some((x) => x.programId === 'gold' && x.status === 'QUALIFIED'))).toBe(true);
    expect(results.some((r) => r.open.anomalies.some((a) => a.code === 'PARTNER_TERMINATED'))).toBe(true);
  });
});
