import fc from 'fast-check';
import { statementOf } from '../ledger/statements';
import { STANDARD_RULES } from '../program/rules';
import { at } from '../testing/event-factory';
import {
  decidePayout, partnerBalance, PayoutDecision, PayoutOrder, payoutIdOf, payoutOrdersOf, PayoutOutcome, PayoutReturnEntry, payoutReturnSlot, planPayoutReturn, PostedReturn,
} from './payout-order';

/**
 * CONTRACT §10 "Payout orders" and "Failed payouts". Amounts in minor units. The order below is March's payout of
 * 120.00 to p1 in USD; its outcomes come after March has closed.
 */
const terms = STANDARD_RULES.minimumPayouts;
const ORDER: PayoutOrder = { payoutId: '2026-03:p1:USD', period: '2026-03', partnerId: 'p1', currency: 'USD', amount: 12000n };

function outcome(status: 'PAID' | 'FAILED', when: string, id: string, source = 'payments'): PayoutOutcome {
  return { status, source, id, time: at(when), reference: status === 'PAID' ? `ref-${id}` : null, reason: status === 'FAILED' ? 'account closed' : null };
}
const paid = (when: string, id: string) => outcome('PAID', when, id);
const failed = (when: string, id: string) => outcome('FAILED', when, id);

/** What the ledger holds for a payout's return after `entries`: their sum per effective time. */
function postedAfter(entries: readonly PayoutReturnEntry[], before: readonly PostedReturn[] = []): PostedReturn[] {
  const sums = new Map<number, bigint>(before.map((p) => [p.effectiveAt, p.amount]));
  for (const e of entries) sums.set(e.effectiveAt, (sums.get(e.effectiveAt) ?? 0n) + e.amount);
  return [...sums].map(([effectiveAt, amount]) => ({ effectiveAt, amount }));
}

describe('payoutOrdersOf', () => {
  it('makes one order per statement with payable > 0, id <period>:<partnerId>:<currency>, amount = payable', () => {
    const statements = [
      statementOf('2026-03', 'p1', 'USD', 0n, 12000n, terms), // paid
      statementOf('2026-03', 'p1', 'EUR', 0n, 4999n, terms), // under the minimum: carried
      statementOf('2026-03', 'p2', 'USD', 3000n, 9000n, terms, 6000n), // available 60.00: paid
      statementOf('2026-03', 'p3', 'USD', 0n, 9000n, terms, 0n, true), // suspended: carried
      statementOf('2026-03', 'p4', 'JPY', 0n, 7500n, terms), // exactly the minimum: paid
      statementOf('2026-03', 'p5', 'USD', 0n, -9000n, terms), // negative: carried
    ];
    expect(payoutOrdersOf(statements)).toEqual([
      { payoutId: '2026-03:p1:USD', period: '2026-03', partnerId: 'p1', currency: 'USD', amount: 12000n },
      { payoutId: '2026-03:p2:USD', period: '2026-03', partnerId: 'p2', currency: 'USD', amount: 6000n },
      { payoutId: '2026-03:p4:JPY', period: '2026-03', partnerId: 'p4', currency: 'JPY', amount: 7500n },
    ]);
    expect(payoutIdOf('2026-12', 'partner-7', 'CNY')).toBe('2026-12:partner-7:CNY');
  });

  it('makes no order when nothing is payable', () => {
    expect(payoutOrdersOf([])).toEqual([]);
    expect(payoutOrdersOf([statementOf('2026-03', 'p1', 'USD', 0n, 0n, terms)])).toEqual([]);
  });
});

describe('decidePayout', () => {
  it('is PENDING without outcomes', () => {
    expect(decidePayout(ORDER, [])).toEqual({ status: 'PENDING', outcome: null, anomalies: [], returned: null });
  });

  it('PAID, then the same PAID repeated (another id, later): PAID by the first, no anomaly', () => {
    const first = paid('2026-04-03T10:00:00Z', 'o-1');
    const decision = decidePayout(ORDER, [first, paid('2026-04-05T10:00:00Z', 'o-2')]);
    expect(decision).toEqual({ status: 'PAID', outcome: first, anomalies: [], returned: null });
  });

  it('PAID, then a later FAILED: stays PAID and the FAILED is an anomaly', () => {
    const decision = decidePayout(ORDER, [paid('2026-04-03T10:00:00Z', 'o-1'), failed('2026-04-04T10:00:00Z', 'o-2')]);
    expect(decision.status).toBe('PAID');
    expect(decision.outcome?.id).toBe('o-1');
    expect(decision.returned).toBeNull();
    expect(decision.anomalies).toEqual([
      expect.objectContaining({ code: 'PAYOUT_OUTCOME_CONFLICT', source: 'payments', eventId: 'o-2', referralId: null, customerId: null }),
    ]);
    expect(decision.anomalies[0].detail).toContain(ORDER.payoutId);
  });

  it('a late FAILED with an earlier time takes over from PAID: FAILED, returned at the failure time, the PAID now an anomaly', () => {
    const before = decidePayout(ORDER, [paid('2026-04-05T10:00:00Z', 'o-1')]);
    expect(before.status).toBe('PAID');
    const lateFailure = failed('2026-04-03T10:00:00Z', 'o-2');
    const after = decidePayout(ORDER, [paid('2026-04-05T10:00:00Z', 'o-1'), lateFailure]);
    expect(after.status).toBe('FAILED');
    expect(after.outcome).toBe(lateFailure);
    expect(after.returned).toEqual({ amount: 12000n, effectiveAt: at('2026-04-03T10:00:00Z'), sourceEventId: 'o-2' });
    expect(after.anomalies.map((a) => [a.code, a.eventId])).toEqual([['PAYOUT_OUTCOME_CONFLICT', 'o-1']]);
  });

  it('outcomes at the same time are ordered by id (plain string compare), whatever order they come in', () => {
    const a = failed('2026-04-03T10:00:00Z', 'o-a');
    const b = paid('2026-04-03T10:00:00Z', 'o-b');
    for (const outcomes of [[a, b], [b, a]]) {
      const decision = decidePayout(ORDER, outcomes);
      expect(decision.status).toBe('FAILED');
      expect(decision.outcome).toBe(a);
      expect(decision.anomalies.map((x) => x.eventId)).toEqual(['o-b']);
    }
    // 'o-10' < 'o-9' as strings
    expect(decidePayout(ORDER, [paid('2026-04-03T10:00:00Z', 'o-9'), failed('2026-04-03T10:00:00Z', 'o-10')]).status).toBe('FAILED');
  });

  it('a repeated FAILED returns the amount once, at the first failure', () => {
    const decision = decidePayout(ORDER, [failed('2026-04-06T00:00:00Z', 'o-2'), failed('2026-04-04T00:00:00Z', 'o-1')]);
    expect(decision.anomalies).toEqual([]);
    expect(decision.returned).toEqual({ amount: 12000n, effectiveAt: at('2026-04-04T00:00:00Z'), sourceEventId: 'o-1' });
  });

  it('the decision depends on the set of outcomes, not on the order they arrive in', () => {
    const outcomeArb = fc.record({
      status: fc.constantFrom<'PAID' | 'FAILED'>('PAID', 'FAILED'),
      day: fc.integer({ min: 1, max: 5 }),
      id: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'),
    }).map(({ status, day, id }) => outcome(status, `2026-04-0${day}T00:00:00Z`, id));
    fc.assert(
      fc.property(fc.uniqueArray(outcomeArb, { selector: (o) => o.id, minLength: 1, maxLength: 6 }).chain((xs) => fc.tuple(fc.constant(xs), fc.shuffledSubarray(xs, { minLength: xs.length }))), ([outcomes, shuffled]) => {
        const decision = decidePayout(ORDER, outcomes);
        expect(decidePayout(ORDER, shuffled)).toEqual(decision);
        const earliest = [...outcomes].sort((x, y) => x.time - y.time || (x.id < y.id ? -1 : 1))[0];
        expect(decision.outcome).toBe(earliest);
        expect(decision.anomalies.map((a) => a.eventId).sort()).toEqual(outcomes.filter((o) => o.status !== earliest.status).map((o) => o.id).sort());
      }),
    );
  });
});

describe('planPayoutReturn', () => {
  const base = { partnerId: 'p1', currency: 'USD', slot: payoutReturnSlot(ORDER.payoutId) };
  const decide = (...outcomes: PayoutOutcome[]): PayoutDecision => decidePayout(ORDER, outcomes);

  it('posts nothing while PENDING or when PAID', () => {
    expect(planPayoutReturn(ORDER, decide(), [])).toEqual([]);
    expect(planPayoutReturn(ORDER, decide(paid('2026-04-03T00:00:00Z', 'o-1')), [])).toEqual([]);
  });

  it('a failure gives the amount back: PAYOUT_RETURNED +amount, effective at the failure', () => {
    expect(planPayoutReturn(ORDER, decide(failed('2026-04-03T10:00:00Z', 'o-1')), [])).toEqual([
      { ...base, type: 'PAYOUT_RETURNED', amount: 12000n, effectiveAt: at('2026-04-03T10:00:00Z'), sourceEventId: 'o-1' },
    ]);
  });

  it('a late, earlier PAID takes the return back: CORRECTION −amount at the failure time', () => {
    const failure = failed('2026-04-05T10:00:00Z', 'o-1');
    const posted = postedAfter(planPayoutReturn(ORDER, decide(failure), []));
    const entries = planPayoutReturn(ORDER, decide(failure, paid('2026-04-03T10:00:00Z', 'o-2')), posted);
    expect(entries).toEqual([{ ...base, type: 'CORRECTION', amount: -12000n, effectiveAt: at('2026-04-05T10:00:00Z'), sourceEventId: 'o-2' }]);
    expect(postedAfter(entries, posted)).toEqual([{ effectiveAt: at('2026-04-05T10:00:00Z'), amount: 0n }]);
  });

  it('an earlier FAILED replacing a later one moves the return: reversed at the old time, posted at the new one', () => {
    const later = failed('2026-04-05T10:00:00Z', 'o-1');
    const earlier = failed('2026-04-02T10:00:00Z', 'o-2');
    const posted = postedAfter(planPayoutReturn(ORDER, decide(later), []));
    const entries = planPayoutReturn(ORDER, decide(later, earlier), posted);
    expect(entries).toEqual([
      { ...base, type: 'CORRECTION', amount: -12000n, effectiveAt: at('2026-04-05T10:00:00Z'), sourceEventId: 'o-2' },
      { ...base, type: 'CORRECTION', amount: 12000n, effectiveAt: at('2026-04-02T10:00:00Z'), sourceEventId: 'o-2' },
    ]);
  });

  it('planning again with what was posted posts nothing', () => {
    const failure = failed('2026-04-05T10:00:00Z', 'o-1');
    const first = planPayoutReturn(ORDER, decide(failure), []);
    expect(planPayoutReturn(ORDER, decide(failure), postedAfter(first))).toEqual([]);
    const moved = decide(failure, failed('2026-04-02T10:00:00Z', 'o-2'));
    const second = planPayoutReturn(ORDER, moved, postedAfter(first));
    expect(planPayoutReturn(ORDER, moved, postedAfter(second, postedAfter(first)))).toEqual([]);
  });

  it('FAILED again after a PAID took it back: the return comes back at its own time', () => {
    const failure = failed('2026-04-05T10:00:00Z', 'o-1');
    const posted = postedAfter(planPayoutReturn(ORDER, decide(failure), []));
    const undone = postedAfter(planPayoutReturn(ORDER, decide(failure, paid('2026-04-03T00:00:00Z', 'o-2')), posted), posted);
    // an even earlier failure arrives: the return is posted at its time; the old cell is already 0
    const entries = planPayoutReturn(ORDER, decide(failure, paid('2026-04-03T00:00:00Z', 'o-2'), failed('2026-04-01T00:00:00Z', 'o-3')), undone);
    expect(entries).toEqual([{ ...base, type: 'CORRECTION', amount: 12000n, effectiveAt: at('2026-04-01T00:00:00Z'), sourceEventId: 'o-3' }]);
  });

  it('over any arrival sequence of outcomes, the posted return is the decision\'s: +amount at the failure time when FAILED, 0 elsewhere', () => {
    const outcomeArb = fc.record({
      status: fc.constantFrom<'PAID' | 'FAILED'>('PAID', 'FAILED'),
      day: fc.integer({ min: 1, max: 5 }),
    });
    fc.assert(
      fc.property(fc.array(outcomeArb, { minLength: 1, maxLength: 8 }), (draws) => {
        let posted: PostedReturn[] = [];
        const arrived: PayoutOutcome[] = [];
        draws.forEach(({ status, day }, i) => {
          arrived.push(outcome(status, `2026-04-0${day}T00:00:00Z`, `o-${i}`));
          const decision = decidePayout(ORDER, arrived);
          const entries = planPayoutReturn(ORDER, decision, posted);
          for (const e of entries) expect(e.type).toBe(posted.length === 0 ? 'PAYOUT_RETURNED' : 'CORRECTION');
          posted = postedAfter(entries, posted);
          for (const cell of posted) {
            const expected = decision.returned && decision.returned.effectiveAt === cell.effectiveAt ? ORDER.amount : 0n;
            expect(cell.amount).toBe(expected);
          }
          expect(posted.reduce((sum, c) => sum + c.amount, 0n)).toBe(decision.status === 'FAILED' ? ORDER.amount : 0n);
          expect(planPayoutReturn(ORDER, decision, posted)).toEqual([]);
        });
      }),
    );
  });
});

describe('partnerBalance (CONTRACT §10 "Balance")', () => {
  it('available = earned − held − pending − paid; FAILED orders are reported apart and count in none of them', () => {
    const orders = [
      { status: 'PAID' as const, amount: 12000n },
      { status: 'PENDING' as const, amount: 6000n },
      { status: 'FAILED' as const, amount: 9000n },
      { status: 'PENDING' as const, amount: 1000n },
    ];
    expect(partnerBalance('USD', 40000n, 5000n, orders)).toEqual({ currency: 'USD', earned: 40000n, held: 5000n, pending: 7000n, paid: 12000n, failed: 9000n, available: 16000n });
  });
});
