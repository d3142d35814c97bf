import fc from 'fast-check';
import { PartnerEvent } from '../events/input-event';
import { Currency } from '../money/currency';
import { partnerTimelines, standingAt } from '../partners/partner-standing';
import { STANDARD_RULES } from '../program/rules';
import { DAY_MS } from '../program/terms';
import { ExpectedAmount, ReferralProgram } from '../rules/evaluation';
import { at, partnerApproved, partnerReinstated, partnerSuspended, partnerTerminated, resetFactory, When } from '../testing/event-factory';
import { planLedgerEntries, releaseTime } from './ledger-plan';
import { nextPeriod, Period, periodEnd, periodOf } from './period';
import { BookedNet, chainStatements, HeldAtEnd, PayoutStatement, statementOf, StatementChain } from './statements';

/**
 * CONTRACT §10 "Statements": with E the first instant after period P, held = the positive entries booked in P or
 * earlier whose releaseAt > E; available = closing − held; payable = available when it reaches the minimum payout
 * and the partner is not SUSPENDED at E (§9), else 0; carried = closing − payable.
 *
 * In these examples every period is open when its entries are posted, so an entry is booked in its effective period.
 * Amounts in minor units; the USD minimum payout is 50.00 = 5000.
 */
const terms = STANDARD_RULES.minimumPayouts;

interface Entry {
  partnerId: string;
  currency: Currency;
  effectiveAt: number;
  amount: bigint;
  releaseAt: number;
}

/** A ledger entry effective at `when`, held for `holdingDays` when positive (never when negative). */
function entry(when: When, amount: bigint, holdingDays = 0, partnerId = 'p1', currency: Currency = 'USD'): Entry {
  const effectiveAt = at(when);
  return { partnerId, currency, effectiveAt, amount, releaseAt: releaseTime(amount, effectiveAt, holdingDays * DAY_MS) };
}

const pairKey = (e: { partnerId: string; currency: string }) => `${e.partnerId}|${e.currency}`;

/** The booked sums of `entries` (booked in their effective period). */
function netsOf(entries: readonly Entry[]): BookedNet[] {
  const sums = new Map<string, BookedNet>();
  for (const e of entries) {
    const key = `${pairKey(e)}|${periodOf(e.effectiveAt)}`;
    const found = sums.get(key);
    if (found) found.net += e.amount;
    else sums.set(key, { partnerId: e.partnerId, currency: e.currency, period: periodOf(e.effectiveAt), net: e.amount });
  }
  return [...sums.values()];
}

/** §10's held, computed straight from the entries: positive, booked in P or earlier, releaseAt > periodEnd(P). */
function heldOf(entries: readonly Entry[], periods: readonly Period[]): HeldAtEnd[] {
  const held: HeldAtEnd[] = [];
  for (const period of periods) {
    const end = periodEnd(period);
    for (const e of entries) {
      if (e.amount > 0n && periodOf(e.effectiveAt) <= period && e.releaseAt > end) {
        held.push({ partnerId: e.partnerId, currency: e.currency, period, held: e.amount });
      }
    }
  }
  return held;
}

function statementsOf(
  periods: Period[], entries: Entry[], options: Partial<Pick<StatementChain, 'previous' | 'suspendedAtEnd'>> = {},
): Map<Period, PayoutStatement[]> {
  return chainStatements({ periods, previous: options.previous ?? [], nets: netsOf(entries), held: heldOf(entries, periods), suspendedAtEnd: options.suspendedAtEnd, terms });
}

/** The single statement of `p1`/USD in `period`. */
function onlyStatement(chain: Map<Period, PayoutStatement[]>, period: Period): PayoutStatement {
  const statements = chain.get(period)!;
  expect(statements).toHaveLength(1);
  return statements[0];
}

beforeEach(() => resetFactory());

describe('release times (CONTRACT §10 "Holding")', () => {
  it('holds a positive amount for the holding period and never holds a negative one', () => {
    expect(releaseTime(6000n, at('2026-03-20T00:00:00Z'), 30 * DAY_MS)).toBe(at('2026-04-19T00:00:00Z'));
    expect(releaseTime(-3000n, at('2026-03-25T00:00:00Z'), 30 * DAY_MS)).toBe(at('2026-03-25T00:00:00Z'));
    expect(releaseTime(6000n, at('2026-03-20T00:00:00Z'), 0)).toBe(at('2026-03-20T00:00:00Z'));
  });

  it('planned entries carry their release time: the first posting held, a clawing correction not', () => {
    const programs: ReadonlyMap<string, ReferralProgram> = new Map([['r1', { programId: 'eu', programVersion: 1, holdingPeriodMs: 30 * DAY_MS }]]);
    const commission: ExpectedAmount = {
      referralId: 'r1', partnerId: 'p1', customerId: 'c1', slot: 'USAGE:c1:L1', type: 'USAGE_COMMISSION', currency: 'USD',
      effectiveAt: at('2026-03-20T00:00:00Z'), amount: 6000n, sourceEventId: 'e1', basis: null,
    };
    const [first] = planLedgerEntries([commission], [], programs);
    expect(first).toMatchObject({ type: 'USAGE_COMMISSION', amount: 6000n, releaseAt: at('2026-04-19T00:00:00Z') });

    const posted = [{ ...commission, amount: 6000n }];
    const [lower] = planLedgerEntries([{ ...commission, amount: 4000n }], posted, programs);
    expect(lower).toMatchObject({ type: 'CORRECTION', amount: -2000n, releaseAt: at('2026-03-20T00:00:00Z') });
  });
});

describe('statements with held money (CONTRACT §10 "Statements")', () => {
  it('a hold crossing a month end: held in March, released and payable in April', () => {
    const entries = [entry('2026-03-20T00:00:00Z', 6000n, 30)]; // releaseAt 2026-04-19, after March's end (04-01)
    const chain = statementsOf(['2026-03', '2026-04'], entries);
    expect(onlyStatement(chain, '2026-03')).toEqual({
      period: '2026-03', partnerId: 'p1', currency: 'USD', opening: 0n, net: 6000n, closing: 6000n, held: 6000n, available: 0n, payable: 0n, carried: 6000n,
    });
    expect(onlyStatement(chain, '2026-04')).toEqual({
      period: '2026-04', partnerId: 'p1', currency: 'USD', opening: 6000n, net: 0n, closing: 6000n, held: 0n, available: 6000n, payable: 6000n, carried: 0n,
    });
  });

  it('an entry released exactly at the period end is not held (held needs releaseAt > E)', () => {
    const released = entry('2026-03-02T00:00:00Z', 6000n, 30); // releaseAt 2026-04-01T00:00Z = periodEnd('2026-03')
    expect(released.releaseAt).toBe(periodEnd('2026-03'));
    expect(onlyStatement(statementsOf(['2026-03'], [released]), '2026-03')).toMatchObject({ held: 0n, available: 6000n, payable: 6000n, carried: 0n });

    const oneMsLater = { ...released, releaseAt: released.releaseAt + 1 };
    expect(onlyStatement(statementsOf(['2026-03'], [oneMsLater]), '2026-03')).toMatchObject({ held: 6000n, available: 0n, payable: 0n, carried: 6000n });
  });

  it('a clawback against held money is not held: it takes available below zero at once', () => {
    // 20.00 carried from February; in March a held commission of 80.00 and a refund reversal of −30.00
    const previous = [statementOf('2026-02', 'p1', 'USD', 0n, 2000n, terms)];
    const entries = [entry('2026-03-10T00:00:00Z', 8000n, 30), entry('2026-03-25T00:00:00Z', -3000n, 30)];
    const chain = statementsOf(['2026-03', '2026-04'], entries, { previous });
    // closing 20 + 80 − 30 = 70, of which 80 is held: available −10, nothing paid, all 70 carried
    expect(onlyStatement(chain, '2026-03')).toMatchObject({ opening: 2000n, net: 5000n, closing: 7000n, held: 8000n, available: -1000n, payable: 0n, carried: 7000n });
    // the 80 is released on 04-09: the 70 is paid in April
    expect(onlyStatement(chain, '2026-04')).toMatchObject({ opening: 7000n, net: 0n, closing: 7000n, held: 0n, available: 7000n, payable: 7000n, carried: 0n });
  });

  it('a clawback reduces what is paid now while the held part waits for its release', () => {
    // released 100.00, held 80.00, clawed back 20.00: 80 is paid in March and the held 80 in April
    const entries = [entry('2026-03-01T00:00:00Z', 10000n), entry('2026-03-10T00:00:00Z', 8000n, 30), entry('2026-03-25T00:00:00Z', -2000n, 30)];
    const chain = statementsOf(['2026-03', '2026-04'], entries);
    expect(onlyStatement(chain, '2026-03')).toMatchObject({ closing: 16000n, held: 8000n, available: 8000n, payable: 8000n, carried: 8000n });
    expect(onlyStatement(chain, '2026-04')).toMatchObject({ opening: 8000n, closing: 8000n, held: 0n, available: 8000n, payable: 8000n, carried: 0n });
  });

  it('held larger than the balance: available is negative, nothing is paid and the whole closing is carried', () => {
    const previous = [statementOf('2026-02', 'p1', 'USD', 0n, -4000n, terms)]; // −40.00 carried from earlier clawbacks
    const entries = [entry('2026-03-20T00:00:00Z', 6000n, 30)];
    const chain = statementsOf(['2026-03', '2026-04'], entries, { previous });
    expect(onlyStatement(chain, '2026-03')).toMatchObject({ opening: -4000n, net: 6000n, closing: 2000n, held: 6000n, available: -4000n, payable: 0n, carried: 2000n });
    // released in April, but 20.00 is under the minimum payout: still carried
    expect(onlyStatement(chain, '2026-04')).toMatchObject({ opening: 2000n, closing: 2000n, held: 0n, available: 2000n, payable: 0n, carried: 2000n });
  });

  it('keeps each pair\'s held apart (another partner\'s or currency\'s hold changes nothing)', () => {
    const entries = [
      entry('2026-03-05T00:00:00Z', 6000n, 0, 'p1', 'USD'),
      entry('2026-03-20T00:00:00Z', 9000n, 30, 'p1', 'EUR'),
      entry('2026-03-20T00:00:00Z', 9000n, 30, 'p2', 'USD'),
    ];
    const march = statementsOf(['2026-03'], entries).get('2026-03')!;
    expect(march.map((s) => [s.partnerId, s.currency, s.held, s.payable, s.carried])).toEqual([
      ['p1', 'EUR', 9000n, 0n, 9000n],
      ['p1', 'USD', 0n, 6000n, 0n],
      ['p2', 'USD', 9000n, 0n, 9000n],
    ]);
  });
});

describe('suspension holds payment (CONTRACT §9, §10)', () => {
  /** SUSPENDED at the end of the period, from the partner's timeline */
  function suspendedAtEndOf(events: PartnerEvent[]): StatementChain['suspendedAtEnd'] {
    const timelines = partnerTimelines(events, []);
    return (partnerId, period) => standingAt(timelines.get(partnerId), periodEnd(period)).state === 'SUSPENDED';
  }

  it('a partner suspended across closes is paid nothing until the first period ending after its reinstatement', () => {
    const suspendedAtEnd = suspendedAtEndOf([
      partnerApproved({ at: '2026-01-01T00:00:00Z' }),
      partnerSuspended({ at: '2026-03-15T00:00:00Z' }),
      partnerReinstated({ at: '2026-05-10T00:00:00Z' }),
    ]);
    const entries = [entry('2026-03-05T00:00:00Z', 6000n), entry('2026-04-12T00:00:00Z', 1000n)];
    const chain = statementsOf(['2026-03', '2026-04', '2026-05', '2026-06'], entries, { suspendedAtEnd });
    expect(onlyStatement(chain, '2026-03')).toMatchObject({ closing: 6000n, held: 0n, available: 6000n, payable: 0n, carried: 6000n });
    expect(onlyStatement(chain, '2026-04')).toMatchObject({ opening: 6000n, net: 1000n, closing: 7000n, available: 7000n, payable: 0n, carried: 7000n });
    expect(onlyStatement(chain, '2026-05')).toMatchObject({ opening: 7000n, net: 0n, closing: 7000n, available: 7000n, payable: 7000n, carried: 0n });
    expect(chain.get('2026-06')).toEqual([]);
  });

  it('the standing at E decides: reinstated before the period end is paid; suspended at exactly E is not', () => {
    const entries = [entry('2026-03-05T00:00:00Z', 6000n)];
    const reinstatedInTime = suspendedAtEndOf([partnerSuspended({ at: '2026-03-10T00:00:00Z' }), partnerReinstated({ at: { ms: periodEnd('2026-03') - 1 } })]);
    expect(onlyStatement(statementsOf(['2026-03'], entries, { suspendedAtEnd: reinstatedInTime }), '2026-03')).toMatchObject({ payable: 6000n });

    const suspendedAtE = suspendedAtEndOf([partnerSuspended({ at: { ms: periodEnd('2026-03') } })]);
    expect(onlyStatement(statementsOf(['2026-03'], entries, { suspendedAtEnd: suspendedAtE }), '2026-03')).toMatchObject({ payable: 0n, carried: 6000n });
  });

  it('suspension and holding together: released money waits for the reinstatement, held money for its release', () => {
    const suspendedAtEnd = suspendedAtEndOf([partnerSuspended({ at: '2026-03-15T00:00:00Z' }), partnerReinstated({ at: '2026-04-02T00:00:00Z' })]);
    const entries = [entry('2026-03-01T00:00:00Z', 6000n), entry('2026-04-20T00:00:00Z', 7000n, 30)];
    const chain = statementsOf(['2026-03', '2026-04', '2026-05'], entries, { suspendedAtEnd });
    expect(onlyStatement(chain, '2026-03')).toMatchObject({ closing: 6000n, held: 0n, available: 6000n, payable: 0n, carried: 6000n });
    expect(onlyStatement(chain, '2026-04')).toMatchObject({ closing: 13000n, held: 7000n, available: 6000n, payable: 6000n, carried: 7000n });
    expect(onlyStatement(chain, '2026-05')).toMatchObject({ closing: 7000n, held: 0n, available: 7000n, payable: 7000n, carried: 0n });
  });

  it('a terminated partner is not suspended: its balance is still paid', () => {
    const suspendedAtEnd = suspendedAtEndOf([partnerSuspended({ at: '2026-03-10T00:00:00Z' }), partnerTerminated({ at: '2026-03-20T00:00:00Z' })]);
    const chain = statementsOf(['2026-03'], [entry('2026-03-05T00:00:00Z', 6000n)], { suspendedAtEnd });
    expect(onlyStatement(chain, '2026-03')).toMatchObject({ payable: 6000n });
  });
});

describe('without holding and suspension the statements are §5\'s', () => {
  /** CONTRACT §5 as written before §10: payable from closing, no held, no available. */
  function section5(periods: Period[], previous: readonly PayoutStatement[], nets: readonly BookedNet[]) {
    const carried = new Map<string, bigint>(previous.map((s) => [pairKey(s), s.carried]));
    const result = new Map<Period, { partnerId: string; currency: Currency; opening: bigint; net: bigint; closing: bigint; payable: bigint; carried: bigint }[]>();
    for (const period of periods) {
      const pairs = new Map<string, { partnerId: string; currency: Currency; net: bigint }>();
      for (const n of nets.filter((x) => x.period === period)) {
        const found = pairs.get(pairKey(n));
        pairs.set(pairKey(n), { partnerId: n.partnerId, currency: n.currency, net: (found?.net ?? 0n) + n.net });
      }
      for (const [key, amount] of carried) {
        if (amount !== 0n && !pairs.has(key)) {
          const [partnerId, currency] = key.split('|');
          pairs.set(key, { partnerId, currency: currency as Currency, net: 0n });
        }
      }
      const statements = [...pairs.entries()].map(([key, { partnerId, currency, net }]) => {
        const opening = carried.get(key) ?? 0n;
        const closing = opening + net;
        const payable = closing >= terms[currency] ? closing : 0n;
        carried.set(key, closing - payable);
        return { partnerId, currency, opening, net, closing, payable, carried: closing - payable };
      });
      result.set(period, statements.sort((a, b) => (pairKey(a) < pairKey(b) ? -1 : pairKey(a) > pairKey(b) ? 1 : 0)));
    }
    return result;
  }

  const PERIODS = ['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06'];
  const entryArb = fc.record({
    day: fc.integer({ min: 0, max: 180 }),
    amount: fc.oneof(fc.bigInt({ min: -20_000n, max: 60_000n }), fc.constantFrom(4999n, 5000n, -5000n, 7500n)),
    partnerId: fc.constantFrom('p1', 'p2', 'p3'),
    currency: fc.constantFrom<Currency>('USD', 'EUR', 'JPY', 'CNY'),
  }).map(({ day, amount, partnerId, currency }) => entry(day, amount, 0, partnerId, currency));

  it('holding period 0 everywhere and no suspension: held 0, available = closing, and every figure as in §5', () => {
    const approvals = partnerTimelines([partnerApproved({ partnerId: 'p1', at: 0 }), partnerApproved({ partnerId: 'p2', at: 30 })], []);
    const notSuspended: StatementChain['suspendedAtEnd'] = (partnerId, period) => standingAt(approvals.get(partnerId), periodEnd(period)).state === 'SUSPENDED';
    fc.assert(
      fc.property(fc.array(entryArb, { maxLength: 40 }), fc.bigInt({ min: -8000n, max: 4999n }), (entries, initial) => {
        const previous = [statementOf('2025-12', 'p1', 'USD', 0n, initial, terms)];
        const expected = section5(PERIODS, previous, netsOf(entries));
        for (const suspendedAtEnd of [undefined, notSuspended]) {
          const chain = statementsOf(PERIODS, entries, { previous, suspendedAtEnd });
          for (const period of PERIODS) {
            const statements = chain.get(period)!;
            for (const s of statements) {
              expect(s.held).toBe(0n);
              expect(s.available).toBe(s.closing);
            }
            expect(statements.map(({ held, available, period: p, ...rest }) => rest)).toEqual(expected.get(period));
          }
        }
      }),
    );
  });

  it('with holding: the chain still balances (sum of net = sum of payable + last carried), payable ≤ available, all released in the end', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(entryArb, fc.constantFrom(0, 14, 30)), { maxLength: 40 }),
        (drafts) => {
          const entries = drafts.map(([e, days]) => ({ ...e, releaseAt: releaseTime(e.amount, e.effectiveAt, days * DAY_MS) }));
          const periods = [...PERIODS, nextPeriod('2026-06'), '2026-08']; // two more periods: everything is released by then
          const chain = statementsOf(periods, entries);
          const all = [...chain.values()].flat();
          for (const s of all) {
            expect(s.held >= 0n).toBe(true);
            expect(s.available).toBe(s.closing - s.held);
            expect(s.payable === 0n || (s.payable === s.available && s.available >= terms[s.currency])).toBe(true);
            expect(s.carried).toBe(s.closing - s.payable);
          }
          for (const s of chain.get('2026-08')!) expect(s.held).toBe(0n);
          const totalNet = entries.reduce((sum, e) => sum + e.amount, 0n);
          const paid = all.reduce((sum, s) => sum + s.payable, 0n);
          const carried = chain.get('2026-08')!.reduce((sum, s) => sum + s.carried, 0n);
          expect(paid + carried).toBe(totalNet);
        },
      ),
    );
  });
});
