import fc from 'fast-check';
import { DAY_MS } from '../program/terms';
import { STANDARD_RULES } from '../program/rules';
import { evaluate } from '../rules/evaluate';
import { ExpectedAmount, ReferralProgram } from '../rules/evaluation';
import { activated, day, refund, resetFactory, signedUp, submitted, usage } from '../testing/event-factory';
import { InputEvent } from '../events/input-event';
import { PlannedEntry, planLedgerEntries, PostedCell } from './ledger-plan';
import { bookedPeriod, isPeriod, nextPeriod, periodEnd, periodOf, previousPeriod } from './period';

const bonus = (overrides: Partial<ExpectedAmount> = {}): ExpectedAmount => ({
  referralId: 'r1', partnerId: 'p1', customerId: 'c1', slot: 'BONUS', type: 'QUALIFICATION_BONUS',
  currency: 'USD', effectiveAt: day(20), amount: 5000n, sourceEventId: 'evt-q', basis: null, ...overrides,
});
const commission = (overrides: Partial<ExpectedAmount> = {}): ExpectedAmount => ({
  referralId: 'r1', partnerId: 'p1', customerId: 'c1', slot: 'USAGE:c1:L1', type: 'USAGE_COMMISSION',
  currency: 'USD', effectiveAt: day(20), amount: 1000n, sourceEventId: 'evt-q', basis: null, ...overrides,
});
/** r1 bound to standard v1 (no holding) */
const PROGRAMS: ReadonlyMap<string, ReferralProgram> = new Map([['r1', { programId: 'standard', programVersion: 1, holdingPeriodMs: 0 }]]);
const cell = (amount: ExpectedAmount, sum = amount.amount): PostedCell => ({
  referralId: amount.referralId, partnerId: amount.partnerId, customerId: amount.customerId, slot: amount.slot,
  currency: amount.currency, effectiveAt: amount.effectiveAt, amount: sum, sourceEventId: amount.sourceEventId,
});

/** What a ledger holds: entries summed per (referralId, slot, currency, effectiveAt), as the persistence layer reports it. */
function cellsOf(entries: readonly PlannedEntry[]): PostedCell[] {
  const cells = new Map<string, PostedCell>();
  for (const e of entries) {
    const key = [e.referralId, e.slot, e.currency, e.effectiveAt].join('|');
    const found = cells.get(key);
    if (found) found.amount += e.amount;
    else cells.set(key, { referralId: e.referralId, partnerId: e.partnerId, customerId: e.customerId, slot: e.slot, currency: e.currency, effectiveAt: e.effectiveAt, amount: e.amount, sourceEventId: e.sourceEventId });
  }
  return [...cells.values()];
}

/** Sum of entries per "partner|currency|period". */
function byPartnerCurrencyPeriod(entries: readonly { partnerId: string; currency: string; effectiveAt: number; amount: bigint }[]): Record<string, bigint> {
  const sums: Record<string, bigint> = {};
  for (const e of entries) {
    const key = `${e.partnerId}|${e.currency}|${periodOf(e.effectiveAt)}`;
    sums[key] = (sums[key] ?? 0n) + e.amount;
  }
  for (const key of Object.keys(sums)) if (sums[key] === 0n) delete sums[key];
  return sums;
}

beforeEach(() => resetFactory());

describe('planLedgerEntries', () => {
  it('first posting uses each amount\'s natural type and full amount', () => {
    const planned = planLedgerEntries([bonus(), commission()], [], PROGRAMS);
    expect(planned).toEqual([
      {
        referralId: 'r1', partnerId: 'p1', customerId: 'c1', slot: 'BONUS', type: 'QUALIFICATION_BONUS', currency: 'USD', effectiveAt: day(20), amount: 5000n, sourceEventId: 'evt-q',
        programId: 'standard', programVersion: 1, releaseAt: day(20),
      },
      {
        referralId: 'r1', partnerId: 'p1', customerId: 'c1', slot: 'USAGE:c1:L1', type: 'USAGE_COMMISSION', currency: 'USD', effectiveAt: day(20), amount: 1000n, sourceEventId: 'evt-q',
        programId: 'standard', programVersion: 1, releaseAt: day(20),
      },
    ]);
  });

  it('a refund reversal seen for the first time keeps its natural type, even when the referral already has entries', () => {
    const reversal: ExpectedAmount = { ...commission(), slot: 'REFUND:c1:R1', type: 'REFUND_REVERSAL', effectiveAt: day(30), amount: -300n, sourceEventId: 'evt-r' };
    const planned = planLedgerEntries([bonus(), commission(), reversal], [cell(bonus()), cell(commission())], PROGRAMS);
    expect(planned).toEqual([expect.objectContaining({ slot: 'REFUND:c1:R1', type: 'REFUND_REVERSAL', amount: -300n, effectiveAt: day(30) })]);
  });

  it('nothing is planned when the ledger already holds what is expected', () => {
    expect(planLedgerEntries([bonus(), commission()], [cell(bonus()), cell(commission())], PROGRAMS)).toEqual([]);
    expect(planLedgerEntries([], [], PROGRAMS)).toEqual([]);
  });

  it('a changed amount posts the difference as a CORRECTION at the same effectiveAt', () => {
    const planned = planLedgerEntries([bonus(), commission({ amount: 1500n })], [cell(bonus()), cell(commission())], PROGRAMS);
    expect(planned).toEqual([expect.objectContaining({ slot: 'USAGE:c1:L1', type: 'CORRECTION', amount: 500n, effectiveAt: day(20), currency: 'USD' })]);
    const lower = planLedgerEntries([commission({ amount: 400n })], [cell(commission())], PROGRAMS);
    expect(lower).toEqual([expect.objectContaining({ type: 'CORRECTION', amount: -600n, effectiveAt: day(20) })]);
  });

  it('a bonus whose effective time moves is reversed at the old time and posted at the new one', () => {
    const moved = bonus({ effectiveAt: day(15), sourceEventId: 'evt-earlier' });
    const planned = planLedgerEntries([moved], [cell(bonus())], PROGRAMS);
    expect(planned).toHaveLength(2);
    expect(planned).toEqual(expect.arrayContaining([
      expect.objectContaining({ slot: 'BONUS', type: 'CORRECTION', amount: 5000n, effectiveAt: day(15), sourceEventId: 'evt-earlier' }),
      expect.objectContaining({ slot: 'BONUS', type: 'CORRECTION', amount: -5000n, effectiveAt: day(20) }),
    ]));
  });

  it('a bonus whose currency changes is reversed in the old currency and posted in the new one', () => {
    const planned = planLedgerEntries([bonus({ currency: 'EUR' })], [cell(bonus())], PROGRAMS);
    expect(planned).toEqual(expect.arrayContaining([
      expect.objectContaining({ type: 'CORRECTION', currency: 'EUR', amount: 5000n }),
      expect.objectContaining({ type: 'CORRECTION', currency: 'USD', amount: -5000n }),
    ]));
    expect(planned).toHaveLength(2);
  });

  it('a referral that no longer qualifies gets every posted cell reversed, at each cell\'s own time', () => {
    const posted = [cell(bonus()), cell(commission()), cell(commission({ slot: 'USAGE:c1:L2', effectiveAt: day(40), amount: 700n }))];
    const planned = planLedgerEntries([], posted, PROGRAMS);
    expect(planned).toEqual([
      expect.objectContaining({ slot: 'BONUS', type: 'CORRECTION', amount: -5000n, effectiveAt: day(20) }),
      expect.objectContaining({ slot: 'USAGE:c1:L1', type: 'CORRECTION', amount: -1000n, effectiveAt: day(20) }),
      expect.objectContaining({ slot: 'USAGE:c1:L2', type: 'CORRECTION', amount: -700n, effectiveAt: day(40) }),
    ]);
  });

  it('a cell already brought to zero is not reversed again, and a slot that comes back is a CORRECTION', () => {
    expect(planLedgerEntries([], [cell(bonus(), 0n)], PROGRAMS)).toEqual([]);
    expect(planLedgerEntries([bonus()], [cell(bonus(), 0n)], PROGRAMS)).toEqual([expect.objectContaining({ type: 'CORRECTION', amount: 5000n })]);
  });

  it('does not touch its inputs (entries are only ever appended)', () => {
    const expected = [bonus({ amount: 6000n })];
    const posted = [cell(bonus())];
    const snapshot = JSON.stringify([expected, posted], (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
    planLedgerEntries(expected, posted, PROGRAMS);
    expect(JSON.stringify([expected, posted], (_, v) => (typeof v === 'bigint' ? `${v}n` : v))).toBe(snapshot);
  });
});

describe('planLedgerEntries: program audit and holding (CONTRACT §8 "Audit", §10 "Holding")', () => {
  const HELD: ReadonlyMap<string, ReferralProgram> = new Map([['r1', { programId: 'apac-launch', programVersion: 3, holdingPeriodMs: 30 * DAY_MS }]]);

  it('every entry carries its referral\'s programId and programVersion; a positive amount is released after the holding period', () => {
    expect(planLedgerEntries([bonus(), commission()], [], HELD)).toEqual([
      expect.objectContaining({ slot: 'BONUS', amount: 5000n, programId: 'apac-launch', programVersion: 3, effectiveAt: day(20), releaseAt: day(50) }),
      expect.objectContaining({ slot: 'USAGE:c1:L1', amount: 1000n, programId: 'apac-launch', programVersion: 3, effectiveAt: day(20), releaseAt: day(50) }),
    ]);
  });

  it('a negative amount (a reversal, a downward correction, a cell taken back) is never held: releaseAt = effectiveAt', () => {
    const reversal: ExpectedAmount = { ...commission(), slot: 'REFUND:c1:R1', type: 'REFUND_REVERSAL', effectiveAt: day(30), amount: -300n, sourceEventId: 'evt-r' };
    expect(planLedgerEntries([reversal], [], HELD)).toEqual([expect.objectContaining({ type: 'REFUND_REVERSAL', amount: -300n, releaseAt: day(30) })]);
    expect(planLedgerEntries([commission({ amount: 400n })], [cell(commission())], HELD)).toEqual([
      expect.objectContaining({ type: 'CORRECTION', amount: -600n, releaseAt: day(20) }),
    ]);
    expect(planLedgerEntries([commission({ amount: 1600n })], [cell(commission())], HELD)).toEqual([
      expect.objectContaining({ type: 'CORRECTION', amount: 600n, releaseAt: day(50) }),
    ]);
    expect(planLedgerEntries([], [cell(bonus())], HELD)).toEqual([
      expect.objectContaining({ slot: 'BONUS', type: 'CORRECTION', amount: -5000n, programId: 'apac-launch', programVersion: 3, releaseAt: day(20) }),
    ]);
  });

  it('refuses to plan an amount of a referral without a binding', () => {
    expect(() => planLedgerEntries([bonus({ referralId: 'r9' })], [], HELD)).toThrow(/r9/);
  });
});

describe('planLedgerEntries after evaluate: late events correct the ledger', () => {
  const now = day(400);
  const base = (): InputEvent[] => [
    submitted({ referralId: 'r1', partnerId: 'p1', at: 0 }),
    signedUp({ customerId: 'c1', at: 10 }),
    activated({ customerId: 'c1', at: 12 }),
  ];

  function post(ledger: PlannedEntry[], events: InputEvent[]): PlannedEntry[] {
    const evaluation = evaluate(events, now, STANDARD_RULES);
    const planned = planLedgerEntries(evaluation.amounts, cellsOf(ledger), evaluation.programs);
    ledger.push(...planned);
    return planned;
  }

  it('a late line that qualifies earlier moves the bonus and re-tiers nothing else', () => {
    const ledger: PlannedEntry[] = [];
    const events = [...base(), usage({ invoiceLineId: 'L2', amount: '100.00', at: 40 })]; // Q on day 40 (February)
    expect(post(ledger, events).map((e) => e.type)).toEqual(['QUALIFICATION_BONUS', 'USAGE_COMMISSION']);

    const late = usage({ invoiceLineId: 'L1', amount: '100.00', at: 20 }); // arrives late, qualifies on day 20 (January)
    const corrections = post(ledger, [...events, late]);
    expect(corrections).toEqual(expect.arrayContaining([
      expect.objectContaining({ slot: 'BONUS', type: 'CORRECTION', amount: 5000n, effectiveAt: day(20) }),
      expect.objectContaining({ slot: 'BONUS', type: 'CORRECTION', amount: -5000n, effectiveAt: day(40) }),
      expect.objectContaining({ slot: 'USAGE:c1:L1', type: 'USAGE_COMMISSION', amount: 1000n, effectiveAt: day(20) }),
    ]));
    expect(corrections).toHaveLength(3); // L2 still earns 10.00 on day 40
    expect(byPartnerCurrencyPeriod(ledger)).toEqual({ 'p1|USD|2026-01': 6000n, 'p1|USD|2026-02': 1000n });
    expect(post(ledger, [...events, late])).toEqual([]); // converged
  });

  it('a late signup with priorAccount takes everything back', () => {
    const ledger: PlannedEntry[] = [];
    const events = [...base(), usage({ amount: '100.00', at: 20 })];
    post(ledger, events);
    // an earlier-in-order signup of the same domain from another customer, with priorAccount, now claims r1
    const corrections = post(ledger, [...events, signedUp({ customerId: 'c0', priorAccount: true, at: 5 })]);
    expect(corrections.every((e) => e.type === 'CORRECTION')).toBe(true);
    expect(byPartnerCurrencyPeriod(ledger)).toEqual({});
  });

  it('a refund arriving after its line posts a REFUND_REVERSAL at the refund\'s time', () => {
    const ledger: PlannedEntry[] = [];
    const line = usage({ amount: '100.00', at: 20 });
    post(ledger, [...base(), line]);
    expect(post(ledger, [...base(), line, refund({ line, amount: '25.00', at: 50 })])).toEqual([
      expect.objectContaining({ type: 'REFUND_REVERSAL', amount: -250n, effectiveAt: day(50) }),
    ]);
  });

  it('a late earlier submission that takes over a reused referralId moves the money to the new partner', () => {
    // CONTRACT §4: "A referralId counts once: a later referral.submitted (in order) that reuses it is ignored",
    // and late events must bring "every affected amount to its correct value". Arrival: p2's submission
    // (day 5) first, then p1's (day 3): r1 becomes p1's, so p2's entries must be reversed and p1 credited.
    const ledger: PlannedEntry[] = [];
    const rest = [
      signedUp({ customerId: 'c1', emailDomain: 'gmail.com', referralCode: 'r1', at: 10 }),
      activated({ customerId: 'c1', at: 12 }),
      usage({ amount: '100.00', at: 20 }),
    ];
    const p2 = submitted({ referralId: 'r1', partnerId: 'p2', partnerDomain: 'two.example', prospectDomain: 'gmail.com', at: 5 });
    const p1 = submitted({ referralId: 'r1', partnerId: 'p1', partnerDomain: 'one.example', prospectDomain: 'gmail.com', at: 3 });
    post(ledger, [p2, ...rest]);
    expect(byPartnerCurrencyPeriod(ledger)).toEqual({ 'p2|USD|2026-01': 6000n });
    post(ledger, [p2, p1, ...rest]);
    const full = evaluate([p2, p1, ...rest], now, STANDARD_RULES);
    expect(full.referrals[0].partnerId).toBe('p1');
    expect(byPartnerCurrencyPeriod(ledger)).toEqual(byPartnerCurrencyPeriod(full.amounts)); // { 'p1|USD|2026-01': 6000n }
  });
});

describe('periods', () => {
  it.each([
    [Date.UTC(2026, 0, 1), '2026-01'],
    [Date.UTC(2026, 0, 31, 23, 59, 59, 999), '2026-01'],
    [Date.UTC(2026, 1, 1), '2026-02'],
    [Date.UTC(2028, 1, 29, 12), '2028-02'],
    [Date.UTC(2025, 11, 31, 23, 59, 59, 999), '2025-12'],
    [Date.parse('2026-03-01T00:30:00+01:00'), '2026-02'], // UTC, not local time
    [0, '1970-01'],
  ])('periodOf(%p) = %s', (ms, period) => {
    expect(periodOf(ms)).toBe(period);
  });

  it('periodOf gives the UTC month of any instant, whatever it was asked before (it remembers the last month)', () => {
    const boundary = fc.constantFrom(Date.UTC(2026, 0, 1), Date.UTC(2026, 1, 1), Date.UTC(2026, 2, 1), Date.UTC(2027, 0, 1));
    const instant = fc.oneof(fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) }), boundary.chain((b) => fc.integer({ min: b - 2, max: b + 1 })));
    fc.assert(
      fc.property(fc.array(instant, { minLength: 1, maxLength: 40 }), (instants) => {
        for (const ms of instants) expect(periodOf(ms)).toBe(new Date(ms).toISOString().slice(0, 7));
      }),
      { numRuns: 1000 },
    );
  });

  it('bookedPeriod is the effective period when it is open', () => {
    expect(bookedPeriod('2026-03', new Set())).toBe('2026-03');
    expect(bookedPeriod('2026-03', new Set(['2026-01', '2026-02']))).toBe('2026-03');
  });

  it('bookedPeriod treats every month before the first closed one as closed (they were empty when it closed)', () => {
    expect(bookedPeriod('2026-03', new Set(['2026-04']))).toBe('2026-05');
    expect(bookedPeriod('2025-06', new Set(['2026-01', '2026-02']))).toBe('2026-03');
  });

  it('bookedPeriod is the earliest open period after a closed effective period, across several closed ones and a year end', () => {
    expect(bookedPeriod('2026-01', new Set(['2026-01']))).toBe('2026-02');
    expect(bookedPeriod('2026-01', new Set(['2026-01', '2026-02', '2026-03', '2026-05']))).toBe('2026-04');
    expect(bookedPeriod('2025-11', new Set(['2025-11', '2025-12']))).toBe('2026-01');
  });

  it('next / previous / end of a period and its format', () => {
    expect(nextPeriod('2025-12')).toBe('2026-01');
    expect(nextPeriod('2026-09')).toBe('2026-10');
    expect(previousPeriod('2026-01')).toBe('2025-12');
    expect(previousPeriod('2026-10')).toBe('2026-09');
    expect(periodEnd('2026-01')).toBe(Date.UTC(2026, 1, 1));
    expect(periodEnd('2025-12')).toBe(Date.UTC(2026, 0, 1));
    expect(periodOf(periodEnd('2026-02') - 1)).toBe('2026-02');
    expect(['2026-01', '2026-12'].every(isPeriod)).toBe(true);
    expect(['2026-13', '2026-00', '2026-1', '26-01', '2026-01-01', 202601, null].some(isPeriod)).toBe(false);
  });
});
