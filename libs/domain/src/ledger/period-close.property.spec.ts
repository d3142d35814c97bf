import fc from 'fast-check';
import { Currency } from '../money/currency';
import { MINIMUM_PAYOUTS } from '../program/rules';
import { bookedPeriod, nextPeriod, Period, periodEnd, periodOf, periodsFrom } from './period';
import { ClosePlan, CloseFacts, planClose } from './period-close';
import { BookedNet, chainStatements, PayoutStatement } from './statements';

/**
 * The statement chain over random histories of entries (with effective times, late ones included) and period closes
 * (in order, out of order, repeated, too early), as the engine runs them: each entry booked per `bookedPeriod` from the
 * closed periods of the moment, each close decided by `planClose` and computed by `chainStatements` from the latest
 * statement of every (partner, currency) before the first closed period (PayoutService.close does the same in SQL).
 *
 * Invariant, for every partner and currency after every step:
 *   sum of the payables of every statement + the carried amount of its latest statement + the entries booked in open
 *   periods = the sum of all its entries.
 */

const PERIODS: Period[] = periodsFrom('2025-12', '2026-06');
const PARTNERS = ['P1', 'P2'];
const CURRENCIES_USED: Currency[] = ['USD', 'JPY'];

interface Entry {
  partnerId: string;
  currency: Currency;
  amount: bigint;
  booked: Period;
}

type Command =
  | { kind: 'entry'; effectiveAt: number; partnerId: string; currency: Currency; amount: bigint }
  | { kind: 'close'; period: Period; now: number };

/** A close refused by the engine leaves everything as it was; one it accepts stores the chain's statements. */
type Planner = (period: Period, facts: CloseFacts) => ClosePlan;

class Book {
  readonly entries: Entry[] = [];
  readonly closed = new Set<Period>();
  readonly statements: PayoutStatement[] = [];
  readonly refusals: ClosePlan[] = [];

  constructor(
    private readonly planner: Planner,
    private readonly suspended: (partnerId: string, period: Period) => boolean = () => false,
  ) {}

  run(command: Command): ClosePlan | null {
    if (command.kind === 'entry') {
      const booked = bookedPeriod(periodOf(command.effectiveAt), this.closed);
      this.entries.push({ partnerId: command.partnerId, currency: command.currency, amount: command.amount, booked });
      return null;
    }
    const { period, now } = command;
    const withEntries = new Set(this.entries.map((e) => e.booked));
    const plan = this.planner(period, {
      now,
      closed: this.closed,
      openWithEntriesBefore: [...withEntries].filter((p) => p < period && !this.closed.has(p)).sort(),
      earliestWithEntries: withEntries.size === 0 ? null : [...withEntries].sort()[0],
    });
    if (plan.outcome !== 'close') {
      if (plan.outcome === 'refused') this.refusals.push(plan);
      return plan;
    }
    const first = plan.periods[0];
    const latest = new Map<string, PayoutStatement>();
    for (const s of this.statements) {
      const key = `${s.partnerId}/${s.currency}`;
      if (s.period < first && (!latest.has(key) || latest.get(key)!.period < s.period)) latest.set(key, s);
    }
    const inPlan = new Set(plan.periods);
    const nets: BookedNet[] = this.entries
      .filter((e) => inPlan.has(e.booked))
      .map((e) => ({ partnerId: e.partnerId, currency: e.currency, period: e.booked, net: e.amount }));
    const chain = chainStatements({ periods: plan.periods, previous: [...latest.values()], nets, terms: MINIMUM_PAYOUTS, suspendedAtEnd: this.suspended });
    for (const p of plan.periods) {
      this.statements.push(...chain.get(p)!);
      this.closed.add(p);
    }
    return plan;
  }

  /** Per "partner/currency": [payables + last carried + open, ledger total]. */
  balances(): Map<string, [accounted: bigint, total: bigint]> {
    const result = new Map<string, [bigint, bigint]>();
    const add = (key: string, accounted: bigint, total: bigint) => {
      const [a, t] = result.get(key) ?? [0n, 0n];
      result.set(key, [a + accounted, t + total]);
    };
    const latest = new Map<string, PayoutStatement>();
    for (const s of this.statements) {
      const key = `${s.partnerId}/${s.currency}`;
      add(key, s.payable, 0n);
      if (!latest.has(key) || latest.get(key)!.period < s.period) latest.set(key, s);
    }
    for (const [key, s] of latest) add(key, s.carried, 0n);
    for (const e of this.entries) add(`${e.partnerId}/${e.currency}`, this.closed.has(e.booked) ? 0n : e.amount, e.amount);
    return result;
  }
}

function expectInvariant(book: Book): void {
  for (const [key, [accounted, total]] of book.balances()) {
    if (accounted !== total) throw new Error(`${key}: payables + last carried + open = ${accounted}, ledger total = ${total}`);
  }
}

/** Closed periods form one contiguous run, and no entry sits in an open period before a closed one. */
function expectClosedInOrder(book: Book): void {
  const closed = [...book.closed].sort();
  for (let i = 1; i < closed.length; i++) expect(closed[i]).toBe(nextPeriod(closed[i - 1]));
  const last = closed.at(-1);
  if (last === undefined) return;
  for (const e of book.entries) expect(book.closed.has(e.booked) || e.booked > last).toBe(true);
}

const instantIn = (period: Period) => fc.integer({ min: 0, max: periodEnd(period) - Date.parse(`${period}-01T00:00:00Z`) - 1 }).map((ms) => Date.parse(`${period}-01T00:00:00Z`) + ms);

const entryCommand = (periods: readonly Period[]): fc.Arbitrary<Command> =>
  fc
    .record({
      period: fc.constantFrom(...periods),
      partnerId: fc.constantFrom(...PARTNERS),
      currency: fc.constantFrom(...CURRENCIES_USED),
      amount: fc.bigInt({ min: -4000n, max: 9000n }).filter((a) => a !== 0n),
    })
    .chain(({ period, ...rest }) => instantIn(period).map((effectiveAt): Command => ({ kind: 'entry', effectiveAt, ...rest })));

// The clock: mostly after the last period, sometimes inside the range (then later months are refused as not ended).
const closeCommand: fc.Arbitrary<Command> = fc.record({
  period: fc.constantFrom(...PERIODS),
  now: fc.oneof({ weight: 4, arbitrary: fc.constant(periodEnd('2026-07')) }, { weight: 1, arbitrary: fc.constantFrom(...PERIODS).map(periodEnd) }),
}).map(({ period, now }): Command => ({ kind: 'close', period, now }));

const phase = (periods: readonly Period[]) => fc.array(fc.oneof({ weight: 2, arbitrary: entryCommand(periods) }, { weight: 1, arbitrary: closeCommand }), { maxLength: 40 });
// First the ledger starts in a later month (so that earlier, empty months can be asked to close), then entries of any
// month arrive, late ones included.
const commands = fc.tuple(phase(PERIODS.slice(3)), phase(PERIODS)).map(([first, then]) => [...first, ...then]);
const suspensions = fc.uniqueArray(fc.tuple(fc.constantFrom(...PARTNERS), fc.constantFrom(...PERIODS)), { maxLength: 4, selector: ([p, m]) => `${p}/${m}` });

describe('period close over random histories (CONTRACT §5)', () => {
  it('keeps, per partner and currency, payables + last carried + open entries = the ledger total, refusing every out-of-order close', () => {
    let outOfOrder = 0;
    fc.assert(
      fc.property(commands, suspensions, (history, suspended) => {
        const isSuspended = new Set(suspended.map(([p, m]) => `${p}/${m}`));
        const book = new Book(planClose, (partnerId, period) => isSuspended.has(`${partnerId}/${period}`));
        for (const command of history) {
          const laterClosed = command.kind === 'close' && !book.closed.has(command.period) ? [...book.closed].filter((p) => p > command.period).sort() : [];
          const plan = book.run(command);
          if (laterClosed.length > 0) {
            outOfOrder++;
            expect(plan).toEqual({ outcome: 'refused', reason: 'PERIOD_BEFORE_CLOSED', closedPeriod: laterClosed.at(-1) });
          }
          if (plan?.outcome === 'close') {
            expect(plan.periods.at(-1)).toBe(command.kind === 'close' && command.period);
            expect(periodEnd(plan.periods.at(-1)!)).toBeLessThanOrEqual((command as { now: number }).now);
          }
          expectInvariant(book);
          expectClosedInOrder(book);
        }
      }),
      { numRuns: 1000 },
    );
    expect(outOfOrder).toBeGreaterThan(100); // the histories do ask for out-of-order closes
  });

  it('refuses a month before a closed one, names the latest closed month, and then books its entries after it', () => {
    const book = new Book(planClose);
    const now = periodEnd('2026-09');
    book.run({ kind: 'entry', effectiveAt: Date.parse('2026-05-10T00:00:00Z'), partnerId: 'P1', currency: 'USD', amount: 1000n });
    expect(book.run({ kind: 'close', period: '2026-05', now })).toEqual({ outcome: 'close', periods: ['2026-05'] });
    expect(book.run({ kind: 'close', period: '2026-03', now })).toEqual({ outcome: 'refused', reason: 'PERIOD_BEFORE_CLOSED', closedPeriod: '2026-05' });
    expect(book.run({ kind: 'close', period: '2026-05', now })).toEqual({ outcome: 'closed' });
    book.run({ kind: 'entry', effectiveAt: Date.parse('2026-04-10T00:00:00Z'), partnerId: 'P1', currency: 'USD', amount: 2000n });
    expect(book.entries.at(-1)!.booked).toBe('2026-06');
    expectInvariant(book);
  });

  it('(control) without the refusal the same history drops a carried balance from the chain', () => {
    // planClose as it was: the close of an open month before a closed one went ahead, from the last closed month before it.
    const permissive: Planner = (period, facts) => {
      const earlier = { ...facts, closed: new Set([...facts.closed].filter((p) => p < period)) };
      return planClose(period, earlier);
    };
    const book = new Book(permissive);
    const now = periodEnd('2026-09');
    book.run({ kind: 'entry', effectiveAt: Date.parse('2026-05-10T00:00:00Z'), partnerId: 'P1', currency: 'USD', amount: 1000n });
    book.run({ kind: 'close', period: '2026-05', now });
    expect(book.run({ kind: 'close', period: '2026-03', now })).toEqual({ outcome: 'close', periods: ['2026-03'] });
    // 2026-04 is now an open month behind a closed one: an entry of April is booked there…
    book.run({ kind: 'entry', effectiveAt: Date.parse('2026-04-10T00:00:00Z'), partnerId: 'P1', currency: 'USD', amount: 2000n });
    expect(book.entries.at(-1)!.booked).toBe('2026-04');
    book.run({ kind: 'close', period: '2026-04', now });
    book.run({ kind: 'entry', effectiveAt: Date.parse('2026-06-10T00:00:00Z'), partnerId: 'P1', currency: 'USD', amount: 100n });
    book.run({ kind: 'close', period: '2026-06', now });
    // …and June opens with May's carried 10.00, not April's 30.00: 20.00 never reaches a statement.
    expect(() => expectInvariant(book)).toThrow('P1/USD: payables + last carried + open = 1100, ledger total = 3100');
  });
});
