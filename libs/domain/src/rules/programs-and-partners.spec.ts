import { InputEvent } from '../events/input-event';
import { PlannedEntry, planLedgerEntries, PostedCell } from '../ledger/ledger-plan';
import { formatAmount } from '../money/decimal';
import { catalogueOf, STANDARD_PROGRAM } from '../program/catalogue';
import { Rules, STANDARD_RULES } from '../program/rules';
import { DAY_MS, ProgramTerms, STANDARD_TERMS } from '../program/terms';
import {
  activated, day, partnerApproved, partnerGroupChanged, partnerReinstated, partnerSuspended, partnerTerminated, refund, resetFactory, signedUp,
  submitted, usage,
} from '../testing/event-factory';
import { evaluate } from './evaluate';

/**
 * CONTRACT §4 "Program binding", §8 and §9 through `evaluate`, with worked examples. Day n = 2026-01-01 + n days.
 *
 * The catalogue of these examples:
 * - `standard` version 1 (CONTRACT §3), and version 2 from day 60: 12% / 18%;
 * - `eu` (regions [eu], priority 10): attribution window 30 days, holding 30 days, EUR threshold 200.00 and bonus 80.00,
 *   USD as standard, no JPY or CNY; retired from day 300;
 * - `gold` (partner group gold, priority 20): 15% / 20%, holding 14 days, USD threshold 50.00 and bonus 100.00.
 */
const STANDARD_V2: ProgramTerms = { ...STANDARD_TERMS, baseRateBps: 1200n, upperRateBps: 1800n };
const EU_TERMS: ProgramTerms = {
  ...STANDARD_TERMS,
  attributionWindowMs: 30 * DAY_MS,
  holdingPeriodMs: 30 * DAY_MS,
  currencies: {
    USD: STANDARD_TERMS.currencies.USD,
    EUR: { qualificationThreshold: 20000n, bonus: 8000n, tierBoundary: 1000000n, commissionCap: 500000n },
  },
};
const GOLD_TERMS: ProgramTerms = {
  ...STANDARD_TERMS,
  baseRateBps: 1500n,
  upperRateBps: 2000n,
  holdingPeriodMs: 14 * DAY_MS,
  currencies: { ...STANDARD_TERMS.currencies, USD: { qualificationThreshold: 5000n, bonus: 10000n, tierBoundary: 1000000n, commissionCap: 500000n } },
};
const CATALOGUE = catalogueOf([
  { ...STANDARD_PROGRAM, versions: [...STANDARD_PROGRAM.versions, { version: 2, effectiveFrom: day(60), terms: STANDARD_V2 }] },
  {
    programId: 'eu', name: 'EU', priority: 10, regions: ['eu'], partnerGroups: null,
    versions: [{ version: 1, effectiveFrom: day(-100), terms: EU_TERMS }, { version: 2, effectiveFrom: day(300), terms: null }],
  },
  { programId: 'gold', name: 'Gold', priority: 20, regions: null, partnerGroups: ['gold'], versions: [{ version: 1, effectiveFrom: day(-100), terms: GOLD_TERMS }] },
]);
const RULES: Rules = { ...STANDARD_RULES, catalogue: CATALOGUE };
const APPROVAL: Rules = { ...RULES, partnerEnrollment: 'approval' };
const NOW = day(400);

function run(events: InputEvent[], rules = RULES, now = NOW) {
  const result = evaluate(events, now, rules);
  const ref = (referralId: string) => {
    const found = result.referrals.find((r) => r.referralId === referralId);
    if (!found) throw new Error(`no outcome for ${referralId}`);
    return found;
  };
  /** a referral's amounts as [type, currency, decimal amount, effectiveAt] */
  const money = (referralId: string) =>
    result.amounts.filter((a) => a.referralId === referralId).map((a) => [a.type, a.currency, formatAmount(a.amount, a.currency), a.effectiveAt] as const);
  return { ...result, ref, money };
}

/** Referral `referralId` for `domain` on `at`; its customer signs up 10 days later and activates at once. */
function story(o: { referralId?: string; partnerId?: string; region?: string | null; at?: number; customerId?: string; domain?: string; channel?: string } = {}): InputEvent[] {
  const at = o.at ?? 0;
  const customerId = o.customerId ?? 'c1';
  const domain = o.domain ?? 'acme.com';
  return [
    submitted({ referralId: o.referralId ?? 'r1', partnerId: o.partnerId ?? 'p1', prospectDomain: domain, region: o.region ?? null, channel: o.channel, at }),
    signedUp({ customerId, emailDomain: domain, at: at + 10 }),
    activated({ customerId, at: at + 10 }),
  ];
}

/** story() with a 100.00 USD line on day 20 that qualifies it under standard (bonus 50.00, commission 10.00). */
const qualifiedStory = (o: Parameters<typeof story>[0] = {}) => [...story(o), usage({ customerId: o.customerId ?? 'c1', invoiceLineId: 'Q', amount: '100.00', at: (o.at ?? 0) + 20 })];

beforeEach(() => resetFactory());

describe('rule 0: a partner not APPROVED at S.time → REJECTED (PARTNER_NOT_ELIGIBLE)', () => {
  it('suspended before the submission: rejected, never claimed, no money', () => {
    const r = run([partnerApproved({ at: -10 }), partnerSuspended({ at: -1 }), ...qualifiedStory()]);
    expect(r.ref('r1')).toMatchObject({ status: 'REJECTED', reason: 'PARTNER_NOT_ELIGIBLE', customerId: null, expiresAt: null });
    expect(r.amounts).toEqual([]);
  });

  it('the standing at S.time counts events at exactly S.time, not one 1 ms later', () => {
    const at = run([partnerApproved({ at: -10 }), partnerSuspended({ at: 0 }), ...qualifiedStory()]);
    expect(at.ref('r1')).toMatchObject({ status: 'REJECTED', reason: 'PARTNER_NOT_ELIGIBLE' });
    const after = run([partnerApproved({ at: -10 }), partnerSuspended({ at: { ms: day(0) + 1 } }), ...qualifiedStory()]);
    expect(after.ref('r1')).toMatchObject({ status: 'QUALIFIED', reason: null }); // suspension holds payment (§10), not earning
    expect(after.money('r1')).toEqual([['QUALIFICATION_BONUS', 'USD', '50.00', day(20)], ['USAGE_COMMISSION', 'USD', '10.00', day(20)]]);
  });

  it('reinstated before the submission: accepted', () => {
    const r = run([partnerApproved({ at: -10 }), partnerSuspended({ at: -5 }), partnerReinstated({ at: -1 }), ...qualifiedStory()]);
    expect(r.ref('r1')).toMatchObject({ status: 'QUALIFIED' });
  });

  it('terminated before the submission: rejected, under open enrollment too', () => {
    const r = run([partnerApproved({ at: -10 }), partnerTerminated({ at: -1 }), ...qualifiedStory()]);
    expect(r.ref('r1')).toMatchObject({ status: 'REJECTED', reason: 'PARTNER_NOT_ELIGIBLE' });
  });

  it('rule 0 comes before rule 1 (an excluded channel of a suspended partner is PARTNER_NOT_ELIGIBLE)', () => {
    const r = run([partnerSuspended({ at: -1 }), submitted({ referralId: 'r1', channel: 'coupon_site', at: 0 })]);
    expect(r.ref('r1')).toMatchObject({ status: 'REJECTED', reason: 'PARTNER_NOT_ELIGIBLE' });
  });

  it('a submission rejected by rule 0 does not hold its domain: another partner\'s later one is accepted and claimed', () => {
    const r = run([
      partnerSuspended({ partnerId: 'p1', at: -1 }),
      submitted({ referralId: 'r1', partnerId: 'p1', at: 0 }),
      submitted({ referralId: 'r2', partnerId: 'p2', partnerDomain: 'two.example', at: 1 }),
      signedUp({ customerId: 'c1', at: 5 }),
    ], RULES, day(6));
    expect(r.ref('r1')).toMatchObject({ status: 'REJECTED', reason: 'PARTNER_NOT_ELIGIBLE' });
    expect(r.ref('r2')).toMatchObject({ status: 'SIGNED_UP', customerId: 'c1' });
  });

  it('approval enrollment: a partner with no event yet is rejected; one approved by S.time is accepted', () => {
    expect(run(qualifiedStory(), APPROVAL).ref('r1')).toMatchObject({ status: 'REJECTED', reason: 'PARTNER_NOT_ELIGIBLE' });
    expect(run([partnerApproved({ at: 1 }), ...qualifiedStory()], APPROVAL).ref('r1')).toMatchObject({ status: 'REJECTED', reason: 'PARTNER_NOT_ELIGIBLE' });
    expect(run([partnerApproved({ at: 0 }), ...qualifiedStory()], APPROVAL).ref('r1')).toMatchObject({ status: 'QUALIFIED' });
  });

  it('open enrollment: a partner with no event is accepted, in group default', () => {
    const r = run(qualifiedStory());
    expect(r.ref('r1')).toMatchObject({ status: 'QUALIFIED', programId: 'standard', programVersion: 1 });
  });
});

describe('program versions over time', () => {
  it('a rate change (standard version 2 from day 60) applies to submissions from day 60 on, whenever their lines come', () => {
    const r = run([
      ...story({ referralId: 'r1', customerId: 'c1', domain: 'acme.com', at: 59 }), // version 1
      ...story({ referralId: 'r2', customerId: 'c2', domain: 'beta.io', at: 60 }), // version 2
      usage({ customerId: 'c1', amount: '100.00', at: 75 }),
      usage({ customerId: 'c1', amount: '200.00', at: 76 }),
      usage({ customerId: 'c2', amount: '100.00', at: 75 }),
      usage({ customerId: 'c2', amount: '200.00', at: 76 }),
    ]);
    expect(r.ref('r1')).toMatchObject({ status: 'QUALIFIED', programId: 'standard', programVersion: 1 });
    expect(r.money('r1')).toEqual([
      ['QUALIFICATION_BONUS', 'USD', '50.00', day(75)],
      ['USAGE_COMMISSION', 'USD', '10.00', day(75)],
      ['USAGE_COMMISSION', 'USD', '20.00', day(76)],
    ]);
    expect(r.ref('r2')).toMatchObject({ status: 'QUALIFIED', programId: 'standard', programVersion: 2 });
    expect(r.money('r2')).toEqual([
      ['QUALIFICATION_BONUS', 'USD', '50.00', day(75)],
      ['USAGE_COMMISSION', 'USD', '12.00', day(75)],
      ['USAGE_COMMISSION', 'USD', '24.00', day(76)],
    ]);
  });

  it('the upper rate of version 2 above the tier boundary', () => {
    const r = run([...story({ at: 60 }), usage({ amount: '100.00', at: 75 }), usage({ amount: '10000.00', at: 76 })]);
    // B = 100.00: 9900.00 below at 12% = 1188.00, 100.00 above at 18% = 18.00
    expect(r.money('r1').at(-1)).toEqual(['USAGE_COMMISSION', 'USD', '1206.00', day(76)]);
  });

  it('a retired regional version: an eu submission from day 300 binds standard (version 2)', () => {
    const r = run([submitted({ referralId: 'r1', region: 'eu', at: 299 }), submitted({ referralId: 'r2', region: 'eu', prospectDomain: 'beta.io', at: 300 })]);
    expect(r.ref('r1')).toMatchObject({ programId: 'eu', programVersion: 1 });
    expect(r.ref('r2')).toMatchObject({ programId: 'standard', programVersion: 2 });
  });
});

describe('terms by region and partner group', () => {
  it('regional terms: eu needs 200.00 EUR and pays 80.00; the same events outside eu qualify at 100.00 for 50.00', () => {
    const lines = () => [usage({ amount: '150.00', currency: 'EUR', at: 20 }), usage({ amount: '60.00', currency: 'EUR', at: 21 })];
    const eu = run([...story({ region: 'eu' }), ...lines()]);
    expect(eu.ref('r1')).toMatchObject({ status: 'QUALIFIED', programId: 'eu', programVersion: 1, qualifiedAt: day(21), qualifyingCurrency: 'EUR', qualifyingSpend: 21000n });
    expect(eu.money('r1')).toEqual([
      ['QUALIFICATION_BONUS', 'EUR', '80.00', day(21)],
      ['USAGE_COMMISSION', 'EUR', '6.00', day(21)],
    ]);
    for (const region of ['us', null]) {
      resetFactory();
      const elsewhere = run([...story({ region }), ...lines()]);
      expect(elsewhere.ref('r1')).toMatchObject({ status: 'QUALIFIED', programId: 'standard', qualifiedAt: day(20), qualifyingSpend: 15000n });
      expect(elsewhere.money('r1')).toEqual([
        ['QUALIFICATION_BONUS', 'EUR', '50.00', day(20)],
        ['USAGE_COMMISSION', 'EUR', '15.00', day(20)],
        ['USAGE_COMMISSION', 'EUR', '6.00', day(21)],
      ]);
    }
  });

  it('gold group terms: a partner approved into gold qualifies at 50.00 USD for 100.00 and earns 15%', () => {
    const lines = () => [usage({ amount: '60.00', at: 20 }), usage({ amount: '100.00', at: 21 })];
    const gold = run([partnerApproved({ group: 'gold', at: -5 }), ...story(), ...lines()]);
    expect(gold.ref('r1')).toMatchObject({ status: 'QUALIFIED', programId: 'gold', programVersion: 1, qualifiedAt: day(20), qualifyingSpend: 6000n });
    expect(gold.money('r1')).toEqual([
      ['QUALIFICATION_BONUS', 'USD', '100.00', day(20)],
      ['USAGE_COMMISSION', 'USD', '9.00', day(20)],
      ['USAGE_COMMISSION', 'USD', '15.00', day(21)],
    ]);
    expect(gold.programs.get('r1')).toEqual({ programId: 'gold', programVersion: 1, holdingPeriodMs: 14 * DAY_MS });
  });

  it('gold outranks eu (priority 20 > 10) for a gold partner\'s eu prospect', () => {
    const r = run([partnerApproved({ group: 'gold', at: -5 }), submitted({ referralId: 'r1', region: 'eu', at: 0 })]);
    expect(r.ref('r1')).toMatchObject({ programId: 'gold', programVersion: 1 });
  });

  it('the group is the one at S.time: a move into gold after the submission does not rebind it', () => {
    const lines = () => [usage({ amount: '60.00', at: 20 }), usage({ amount: '100.00', at: 21 })];
    const r = run([partnerApproved({ at: -5 }), partnerGroupChanged({ group: 'gold', at: 1 }), ...story(), ...lines()]);
    expect(r.ref('r1')).toMatchObject({ status: 'QUALIFIED', programId: 'standard', qualifiedAt: day(21), qualifyingSpend: 16000n });
    expect(r.money('r1')).toEqual([
      ['QUALIFICATION_BONUS', 'USD', '50.00', day(21)],
      ['USAGE_COMMISSION', 'USD', '10.00', day(21)],
    ]);
  });

  it('a currency missing from the version: its lines neither qualify nor earn, nor are their refunds reversed', () => {
    const jpy = usage({ invoiceLineId: 'JPY1', amount: '20000', currency: 'JPY', at: 20 });
    const jpyLater = usage({ invoiceLineId: 'JPY2', amount: '100000', currency: 'JPY', at: 22 });
    const events = [
      ...story({ region: 'eu' }),
      jpy, // would qualify under standard (threshold 15000)
      usage({ invoiceLineId: 'EUR1', amount: '200.00', currency: 'EUR', at: 21 }),
      jpyLater,
      refund({ line: jpyLater, amount: '50000', at: 30 }),
    ];
    const r = run(events);
    expect(r.ref('r1')).toMatchObject({ status: 'QUALIFIED', programId: 'eu', qualifiedAt: day(21), qualifyingCurrency: 'EUR', qualifyingSpend: 20000n });
    expect(r.money('r1')).toEqual([
      ['QUALIFICATION_BONUS', 'EUR', '80.00', day(21)],
      ['USAGE_COMMISSION', 'EUR', '20.00', day(21)],
    ]);
    // with JPY lines only, an eu referral never qualifies
    expect(run([...story({ region: 'eu' }), jpy], RULES, day(30)).ref('r1')).toMatchObject({ status: 'ACTIVATED', qualifiedAt: null });
    // the same JPY line qualifies a standard referral
    expect(run([...story({ region: 'us' }), jpy], RULES, day(30)).ref('r1')).toMatchObject({ status: 'QUALIFIED', qualifyingCurrency: 'JPY' });
  });
});

describe('windows of the bound version', () => {
  it('the claim: an eu submission (30-day window) is not claimed by a signup on day 30; a standard one (90 days) is', () => {
    const events = (region: string | null) => [submitted({ referralId: 'r1', region, at: 0 }), signedUp({ customerId: 'c1', at: 30 })];
    expect(run(events('eu'), RULES, day(31)).ref('r1')).toMatchObject({ status: 'SUBMITTED', customerId: null, expiresAt: day(37) });
    expect(run(events('eu'), RULES, day(37)).ref('r1')).toMatchObject({ status: 'EXPIRED', reason: 'NO_SIGNUP' });
    expect(run(events(null), RULES, day(31)).ref('r1')).toMatchObject({ status: 'SIGNED_UP', customerId: 'c1' });
    // by referral code too: the claimed submission's window decides
    const byCode = [submitted({ referralId: 'r1', region: 'eu', prospectDomain: 'gmail.com', at: 0 }), signedUp({ customerId: 'c1', emailDomain: 'gmail.com', referralCode: 'r1', at: 30 })];
    expect(run(byCode, RULES, day(31)).ref('r1')).toMatchObject({ status: 'SUBMITTED', customerId: null });
  });

  it('rule 4 uses the EARLIER submission\'s window: after an eu one (30 days) a standard one on day 35 is accepted…', () => {
    const r = run([
      submitted({ referralId: 'rEU', partnerId: 'p1', region: 'eu', at: 0 }),
      submitted({ referralId: 'rStd', partnerId: 'p2', partnerDomain: 'two.example', region: null, at: 35 }),
      signedUp({ customerId: 'c1', at: 40 }),
    ], RULES, day(41));
    expect(r.ref('rStd')).toMatchObject({ status: 'SIGNED_UP', customerId: 'c1' }); // rEU's window no longer holds day 40
    expect(r.ref('rEU')).toMatchObject({ status: 'EXPIRED', reason: 'NO_SIGNUP' });
  });

  it('… and after a standard one (90 days) an eu one on day 35 is a DUPLICATE, whatever its own window', () => {
    const r = run([
      submitted({ referralId: 'rStd', partnerId: 'p1', region: null, at: 0 }),
      submitted({ referralId: 'rEU', partnerId: 'p2', partnerDomain: 'two.example', region: 'eu', at: 35 }),
    ], RULES, day(41));
    expect(r.ref('rEU')).toMatchObject({ status: 'REJECTED', reason: 'DUPLICATE', programId: 'eu' });
  });
});

describe('termination ends earning (CONTRACT §9)', () => {
  it('mid-commission: the bonus and lines before T are kept; lines at or after T earn nothing; a later refund of an earlier line still reverses', () => {
    const early = usage({ invoiceLineId: 'L2', amount: '150.00', at: 30 });
    const atT = usage({ invoiceLineId: 'L3', amount: '200.00', at: 40 });
    const r = run([
      partnerApproved({ at: -10 }),
      ...qualifiedStory(), // Q on day 20: bonus 50.00, commission 10.00
      early, // 15.00
      partnerTerminated({ reason: 'contract ended', at: 40 }),
      atT,
      usage({ invoiceLineId: 'L4', amount: '100.00', at: 50 }),
      refund({ line: early, amount: '75.00', at: 60 }), // half of 15.00
      refund({ line: atT, amount: '200.00', at: 61 }), // its line earned nothing
    ]);
    expect(r.ref('r1')).toMatchObject({ status: 'QUALIFIED', qualifiedAt: day(20) });
    expect(r.money('r1')).toEqual([
      ['QUALIFICATION_BONUS', 'USD', '50.00', day(20)],
      ['USAGE_COMMISSION', 'USD', '10.00', day(20)],
      ['USAGE_COMMISSION', 'USD', '15.00', day(30)],
      ['REFUND_REVERSAL', 'USD', '-7.50', day(60)],
    ]);
  });

  it('no bonus if qualifiedAt ≥ T (and the qualifying line at T earns nothing either); 1 ms later, both are kept', () => {
    const at = run([partnerApproved({ at: -10 }), partnerTerminated({ at: 20 }), ...qualifiedStory()]);
    expect(at.ref('r1')).toMatchObject({ status: 'QUALIFIED', qualifiedAt: day(20) });
    expect(at.amounts).toEqual([]);
    resetFactory();
    const after = run([partnerApproved({ at: -10 }), partnerTerminated({ at: { ms: day(20) + 1 } }), ...qualifiedStory()]);
    expect(after.money('r1')).toEqual([['QUALIFICATION_BONUS', 'USD', '50.00', day(20)], ['USAGE_COMMISSION', 'USD', '10.00', day(20)]]);
  });

  it('a terminated partner\'s later events are anomalies and change nothing', () => {
    const reinstated = partnerReinstated({ at: 45 });
    const r = run([partnerApproved({ at: -10 }), ...qualifiedStory(), partnerTerminated({ at: 40 }), reinstated, usage({ amount: '100.00', at: 50 })]);
    expect(r.money('r1')).toHaveLength(2);
    expect(r.anomalies).toEqual([expect.objectContaining({ code: 'PARTNER_TERMINATED', eventId: reinstated.id })]);
  });
});

describe('late partner events correct the outcome, whatever the arrival order', () => {
  const serialise = (value: unknown) => JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Map ? [...v.entries()] : v));

  function cellsOf(ledger: readonly PlannedEntry[]): PostedCell[] {
    const cells = new Map<string, PostedCell>();
    for (const e of ledger) {
      const key = [e.referralId, e.partnerId, e.slot, e.currency, e.effectiveAt].join('|');
      const found = cells.get(key);
      if (found) found.amount += e.amount;
      else cells.set(key, { referralId: e.referralId, partnerId: e.partnerId, customerId: e.customerId, slot: e.slot, currency: e.currency, effectiveAt: e.effectiveAt, amount: e.amount, sourceEventId: e.sourceEventId });
    }
    return [...cells.values()];
  }
  function post(ledger: PlannedEntry[], events: InputEvent[]): PlannedEntry[] {
    const evaluation = evaluate(events, NOW, RULES);
    const planned = planLedgerEntries(evaluation.amounts, cellsOf(ledger), evaluation.programs);
    ledger.push(...planned);
    return planned;
  }
  const net = (ledger: readonly PlannedEntry[]) => ledger.reduce((sum, e) => sum + e.amount, 0n);

  it('a suspension before S arriving last rejects the referral and takes its money back', () => {
    const base = [partnerApproved({ at: -10 }), ...qualifiedStory(), usage({ amount: '200.00', at: 25 })];
    const late = partnerSuspended({ at: -1 });
    const before = run(base);
    expect(before.ref('r1').status).toBe('QUALIFIED');
    expect(before.amounts.map((a) => a.amount)).toEqual([5000n, 1000n, 2000n]);

    const after = run([...base, late]);
    expect(after.ref('r1')).toMatchObject({ status: 'REJECTED', reason: 'PARTNER_NOT_ELIGIBLE', customerId: null });
    expect(after.amounts).toEqual([]);
    for (const order of [[late, ...base], [...base, late].reverse(), [base[0], late, ...base.slice(1)]]) {
      expect(serialise(evaluate(order, NOW, RULES))).toBe(serialise(evaluate([...base, late], NOW, RULES)));
    }

    const ledger: PlannedEntry[] = [];
    post(ledger, base);
    expect(net(ledger)).toBe(8000n);
    const corrections = post(ledger, [...base, late]);
    expect(corrections.map((e) => [e.type, e.amount, e.releaseAt])).toEqual([
      ['CORRECTION', -5000n, day(20)], ['CORRECTION', -1000n, day(20)], ['CORRECTION', -2000n, day(25)],
    ]);
    expect(net(ledger)).toBe(0n);
    expect(post(ledger, [late, ...base])).toEqual([]); // converged
  });

  it('a late move into gold before S rebinds the referral: the ledger is corrected to gold\'s amounts', () => {
    const base = [partnerApproved({ at: -10 }), ...story(), usage({ amount: '60.00', at: 20 }), usage({ amount: '100.00', at: 21 })];
    const late = partnerGroupChanged({ group: 'gold', at: -1 });
    const ledger: PlannedEntry[] = [];
    post(ledger, base); // standard: Q on day 21 (160.00): bonus 50.00, commission 10.00
    expect(ledger.map((e) => [e.type, e.amount, e.programId])).toEqual([['QUALIFICATION_BONUS', 5000n, 'standard'], ['USAGE_COMMISSION', 1000n, 'standard']]);
    const corrections = post(ledger, [late, ...base]); // gold: Q on day 20: bonus 100.00, 9.00 and 15.00
    expect(corrections.every((e) => e.programId === 'gold' && e.programVersion === 1)).toBe(true);
    expect(run([...base, late]).ref('r1')).toMatchObject({ programId: 'gold', qualifiedAt: day(20) });
    expect(net(ledger)).toBe(10000n + 900n + 1500n);
    expect(post(ledger, [...base, late])).toEqual([]);
  });

  it('a late termination before a line takes that line\'s commission back', () => {
    const base = [partnerApproved({ at: -10 }), ...qualifiedStory(), usage({ invoiceLineId: 'L2', amount: '300.00', at: 30 })];
    const late = partnerTerminated({ at: 25 });
    expect(run(base).money('r1').map((m) => m[2])).toEqual(['50.00', '10.00', '30.00']);
    expect(run([late, ...base]).money('r1').map((m) => m[2])).toEqual(['50.00', '10.00']);
  });
});

describe('ledger entries record the binding and the holding period (CONTRACT §8 "Audit", §10)', () => {
  it('eu (holding 30 days): positive entries are released 30 days after they take effect, a reversal at once', () => {
    const q = usage({ invoiceLineId: 'Q', amount: '200.00', currency: 'EUR', at: 20 });
    const evaluation = evaluate([...story({ region: 'eu' }), q, refund({ line: q, amount: '100.00', at: 25 })], NOW, RULES);
    expect(evaluation.programs.get('r1')).toEqual({ programId: 'eu', programVersion: 1, holdingPeriodMs: 30 * DAY_MS });
    const planned = planLedgerEntries(evaluation.amounts, [], evaluation.programs);
    expect(planned.map((e) => [e.type, e.currency, e.amount, e.effectiveAt, e.releaseAt, e.programId, e.programVersion])).toEqual([
      ['QUALIFICATION_BONUS', 'EUR', 8000n, day(20), day(50), 'eu', 1],
      ['USAGE_COMMISSION', 'EUR', 2000n, day(20), day(50), 'eu', 1],
      ['REFUND_REVERSAL', 'EUR', -1000n, day(25), day(25), 'eu', 1],
    ]);
  });

  it('standard version 2 (holding 0): releaseAt = effectiveAt', () => {
    const evaluation = evaluate([...qualifiedStory({ at: 60 })], NOW, RULES);
    expect(planLedgerEntries(evaluation.amounts, [], evaluation.programs).map((e) => [e.amount, e.releaseAt, e.programId, e.programVersion])).toEqual([
      [5000n, day(80), 'standard', 2],
      [1200n, day(80), 'standard', 2],
    ]);
  });
});
