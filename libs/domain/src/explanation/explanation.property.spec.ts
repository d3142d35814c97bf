import fc from 'fast-check';
import { eventKey, InputEvent } from '../events/input-event';
import { Currency } from '../money/currency';
import { DAY_MS } from '../program/terms';
import { evaluate } from '../rules/evaluate';
import { eventsArb, NOW, P, P_APPROVAL } from '../testing/event-arbitraries';
import { T0 } from '../testing/event-factory';
import { explainReferral, explanationText } from './explanation';

/**
 * CONTRACT §8 "Explanation": it comes from the same pure rules as the ledger, and the amounts it lists sum, per
 * currency, to the referral's ledger total. Checked for every referral of random event sets (the test catalogue:
 * regions, partner groups, versions over time, a retired program; partner events included).
 */
const nonZero = (sums: Partial<Record<Currency, bigint>>) => Object.fromEntries(Object.entries(sums).filter(([, v]) => v !== 0n));

function checkAll(events: InputEvent[], now: number, rules: typeof P): void {
  const evaluation = evaluate(events, now, rules);
  const keys = new Set(events.map(eventKey));
  for (const outcome of evaluation.referrals) {
    const explanation = explainReferral(outcome.referralId, events, now, rules);
    expect(explanation).not.toBeNull();
    const { referral, steps, totals } = explanation!;
    expect(referral).toEqual(outcome);

    const amounts = evaluation.amounts.filter((a) => a.referralId === outcome.referralId);
    const sums: Partial<Record<Currency, bigint>> = {};
    for (const a of amounts) sums[a.currency] = (sums[a.currency] ?? 0n) + a.amount;
    expect(nonZero(totals)).toEqual(nonZero(sums));
    // one amount step per amount, in the same order, with the same figures
    expect(steps.flatMap((s) => (s.amount ? [s.amount] : []))).toEqual(amounts.map((a) => ({ type: a.type, currency: a.currency, minor: a.amount, effectiveAt: a.effectiveAt })));

    // the steps name only events of the set; the derivation starts with the binding, the partner and the submission rules
    for (const s of steps) for (const e of s.events) expect(keys.has(eventKey(e))).toBe(true);
    expect(steps.slice(0, 3).map((s) => s.kind)).toEqual(['BINDING', 'PARTNER', 'SUBMISSION']);
    expect(steps[0].terms).toMatchObject({ programId: outcome.programId, version: String(outcome.programVersion) });
    if (outcome.status === 'QUALIFIED') {
      const q = steps.find((s) => s.kind === 'QUALIFICATION')!;
      expect(q.events).toHaveLength(1);
      expect(q.events[0].time).toBe(outcome.qualifiedAt);
      const bonus = amounts.find((a) => a.type === 'QUALIFICATION_BONUS');
      if (bonus) expect(q.events[0].id).toBe(bonus.sourceEventId); // the qualifying line, not another one at its time
    }
    if (outcome.status === 'EXPIRED') expect(steps.at(-1)!.kind === 'EXPIRY' || steps.at(-1)!.kind === 'TERMINATION').toBe(true);
    expect(explanationText(explanation!)).toContain(`under program ${outcome.programId} version ${outcome.programVersion}`);
  }
  expect(explainReferral('no-such-referral', events, now, rules)).toBeNull();
}

describe('explainReferral over random event sets', () => {
  it('its referral is evaluate()\'s outcome, and its amounts are evaluate()\'s, summing per currency to the referral\'s total', () => {
    fc.assert(fc.property(eventsArb, (events) => checkAll(events, NOW, P)), { numRuns: 200 });
  });

  it('… at any clock value, and under approval enrollment', () => {
    fc.assert(
      fc.property(eventsArb, fc.integer({ min: 0, max: 250 }).map((d) => T0 + d * DAY_MS), fc.boolean(), (events, now, approval) => {
        checkAll(events, now, approval ? P_APPROVAL : P);
      }),
      { numRuns: 150 },
    );
  });
});
