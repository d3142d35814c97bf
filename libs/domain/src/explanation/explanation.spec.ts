import { eventKey, InputEvent } from '../events/input-event';
import { STANDARD_RULES } from '../program/rules';
import { P } from '../testing/event-arbitraries';
import {
  activated, day, partnerApproved, partnerSuspended, partnerTerminated, refund, resetFactory, signedUp, submitted, usage,
} from '../testing/event-factory';
import { Explanation, explainReferral, explanationText } from './explanation';

/** CONTRACT §8 "Explanation", worked examples. Day n = 2026-01-01 + n days (UTC). */
const iso = (d: number) => new Date(day(d)).toISOString();
const keyOf = (e: { source: string; id: string }) => eventKey(e as InputEvent);

function explain(referralId: string, events: InputEvent[], now = day(100), rules = STANDARD_RULES): Explanation {
  const explanation = explainReferral(referralId, events, now, rules);
  if (!explanation) throw new Error(`no explanation for ${referralId}`);
  return explanation;
}
const stepOf = (e: Explanation, kind: string) => {
  const found = e.steps.filter((s) => s.kind === kind);
  if (found.length !== 1) throw new Error(`${found.length} ${kind} steps`);
  return found[0];
};

beforeEach(() => resetFactory());

describe('a qualified referral with a tier-crossing commission, a capped one and a refund', () => {
  const story = () => {
    const q = usage({ invoiceLineId: 'L1', amount: '100.00', at: 20 });
    const crossing = usage({ invoiceLineId: 'L2', amount: '9950.00', at: 21 });
    const capped = usage({ invoiceLineId: 'L3', amount: '30000.00', at: 22 });
    const refunded = refund({ refundId: 'R1', line: crossing, amount: '995.00', at: 30 });
    const events = [
      submitted({ referralId: 'r1', partnerId: 'p1', prospectDomain: 'acme.com', at: 0 }),
      signedUp({ customerId: 'c1', emailDomain: 'acme.com', at: 10 }),
      activated({ customerId: 'c1', at: 12 }),
      q, crossing, capped, refunded,
    ];
    return { events, q, crossing, capped, refunded };
  };

  it('lists every amount of the ledger, and their total', () => {
    const e = explain('r1', story().events);
    expect(e.referral).toMatchObject({ status: 'QUALIFIED', programId: 'standard', programVersion: 1, qualifiedAt: day(20) });
    expect(e.steps.map((s) => s.kind)).toEqual([
      'BINDING', 'PARTNER', 'SUBMISSION', 'CLAIM', 'ACTIVATION', 'QUALIFICATION', 'BONUS', 'COMMISSION', 'COMMISSION', 'COMMISSION', 'REVERSAL',
    ]);
    expect(e.steps.flatMap((s) => (s.amount ? [s.amount.minor] : []))).toEqual([5000n, 1000n, 99750n, 399250n, -9975n]);
    expect(e.totals).toEqual({ USD: 495025n }); // 50.00 + 10.00 + 997.50 + 3992.50 − 99.75
  });

  it('reads as sentences naming the program, the qualifying line, the rates, the cap and the reversal', () => {
    expect(explanationText(explain('r1', story().events)).split('\n')).toEqual([
      'Referral r1 of partner p1: QUALIFIED under program standard version 1; earned in total 4950.25 USD.',
      `1. Submission r1 of ${iso(0)} by partner p1 (group default, region none) is bound to program standard version 1, in force from 1970-01-01T00:00:00.000Z.`,
      '2. At the submission\'s time partner p1 was UNKNOWN (no partner event yet; enrollment is open).',
      '3. Accepted: the channel is not excluded, the domain is not the partner\'s, no customer of the domain had signed up, and no earlier accepted submission held the domain.',
      `4. Customer c1 signed up at ${iso(10)} and claimed it by its email domain acme.com, within the attribution window of 90 days.`,
      `5. The customer activated at ${iso(12)}, so the referral counts as activated from ${iso(12)}.`,
      `6. Qualified at ${iso(20)}: with line L1 the eligible USD spend reached 100.00, at least the threshold of 100.00.`,
      `7. Qualification bonus: 50.00 USD, effective at ${iso(20)}.`,
      `8. Commission on line L1 of ${iso(20)}: spend before it 0.00; 100.00 below the tier boundary at 10% and 0.00 above at 15% give 10.00 (rounded half to even): 10.00.`,
      `9. Commission on line L2 of ${iso(21)}: spend before it 100.00; 9900.00 below the tier boundary at 10% and 50.00 above at 15% give 997.50 (rounded half to even): 997.50.`,
      `10. Commission on line L3 of ${iso(22)}: spend before it 10050.00; 0.00 below the tier boundary at 10% and 30000.00 above at 15% give 4500.00 (rounded half to even), capped to the 3992.50 left under the commission cap: 3992.50.`,
      '11. Refund R1 of 995.00 on line L2 of 9950.00, which earned 997.50: reversal 99.75 (the same proportion, rounded): -99.75.',
      '',
    ]);
  });

  it('each step names the events it used and the terms it applied', () => {
    const { events, q, crossing, capped, refunded } = story();
    const e = explain('r1', events);
    expect(stepOf(e, 'BINDING').events.map(keyOf)).toEqual([keyOf(events[0])]);
    expect(stepOf(e, 'CLAIM').events.map(keyOf)).toEqual([keyOf(events[1])]);
    expect(stepOf(e, 'ACTIVATION').events.map(keyOf)).toEqual([keyOf(events[2])]);
    expect(stepOf(e, 'QUALIFICATION')).toMatchObject({ events: [{ id: q.id, type: 'billing.usage_billed', time: day(20) }], terms: { qualificationThreshold: '100.00' } });
    expect(e.steps.filter((s) => s.kind === 'COMMISSION').map((s) => s.events[0].id)).toEqual([q.id, crossing.id, capped.id]);
    expect(e.steps.find((s) => s.kind === 'COMMISSION')!.terms).toEqual({ baseRate: '10%', upperRate: '15%', tierBoundary: '10000.00', commissionCap: '5000.00' });
    expect(stepOf(e, 'REVERSAL').events.map((x) => x.id)).toEqual([refunded.id, crossing.id]);
  });

  it('names the qualifying line even when another line (an excluded product) shares its time and currency', () => {
    const credits = usage({ id: 'evt-a', invoiceLineId: 'CREDITS', productCode: 'credits.pack', amount: '500.00', at: 20 });
    const q = usage({ id: 'evt-q', invoiceLineId: 'Q', amount: '100.00', at: 20 });
    const events = [submitted({ referralId: 'r1', at: 0 }), signedUp({ customerId: 'c1', at: 10 }), activated({ customerId: 'c1', at: 12 }), credits, q];
    for (const order of [events, [...events].reverse()]) {
      const step = stepOf(explain('r1', order), 'QUALIFICATION');
      expect(step.events.map((x) => x.id)).toEqual(['evt-q']);
      expect(step.text).toContain('with line Q the eligible USD spend reached 100.00');
    }
  });
});

describe('rejections name what they rest on', () => {
  it('DUPLICATE names the earlier accepted submission', () => {
    const first = submitted({ referralId: 'r1', partnerId: 'p1', prospectDomain: 'acme.com', at: 0 });
    const second = submitted({ referralId: 'r2', partnerId: 'p2', partnerDomain: 'two.example', prospectDomain: 'acme.com', at: 5 });
    const e = explain('r2', [first, second]);
    expect(e.referral).toMatchObject({ status: 'REJECTED', reason: 'DUPLICATE' });
    const step = stepOf(e, 'SUBMISSION');
    expect(step.events.map(keyOf)).toEqual([keyOf(second), keyOf(first)]);
    expect(step.text).toBe('Rejected (DUPLICATE): r1, accepted earlier for domain acme.com, still held it within its attribution window.');
    expect(e.steps.map((s) => s.kind)).toEqual(['BINDING', 'PARTNER', 'SUBMISSION']);
    expect(e.totals).toEqual({});
    expect(explanationText(e)).toContain('earned in total nothing');
  });

  it('EXISTING_CUSTOMER names the earlier signup', () => {
    const signup = signedUp({ customerId: 'c9', emailDomain: 'beta.io', at: 1 });
    const sub = submitted({ referralId: 'r3', prospectDomain: 'beta.io', at: 5 });
    const step = stepOf(explain('r3', [sub, signup]), 'SUBMISSION');
    expect(step.events.map(keyOf)).toEqual([keyOf(sub), keyOf(signup)]);
    expect(step.text).toBe(`Rejected (EXISTING_CUSTOMER): customer c9 of domain beta.io had signed up at ${iso(1)} (event ${signup.id}), before the submission.`);
  });

  it('EXISTING_CUSTOMER by a prior account: the claim names the signup', () => {
    const signup = signedUp({ customerId: 'c1', priorAccount: true, at: 10 });
    const e = explain('r1', [submitted({ referralId: 'r1', at: 0 }), signup]);
    const step = stepOf(e, 'CLAIM');
    expect(step.events.map(keyOf)).toEqual([keyOf(signup)]);
    expect(step.text).toContain('the customer had a prior account: REJECTED (EXISTING_CUSTOMER)');
    expect(e.steps.map((s) => s.kind)).toEqual(['BINDING', 'PARTNER', 'SUBMISSION', 'CLAIM']);
  });

  it('PARTNER_NOT_ELIGIBLE names the partner event that decided the standing', () => {
    const suspension = partnerSuspended({ partnerId: 'p1', at: -1 });
    const e = explain('r1', [partnerApproved({ partnerId: 'p1', at: -10 }), suspension, submitted({ referralId: 'r1', at: 0 })]);
    expect(stepOf(e, 'PARTNER')).toMatchObject({ text: `At the submission's time partner p1 was SUSPENDED since ${iso(-1)}.`, events: [{ id: suspension.id, type: 'partner.suspended' }] });
    expect(stepOf(e, 'SUBMISSION').text).toContain('Rejected (PARTNER_NOT_ELIGIBLE)');
  });
});

describe('binding, claim, expiry and termination steps', () => {
  it('the binding names the programs passed over and why (test catalogue: gold for group gold, eu retired from day 90)', () => {
    const e = explain('r1', [submitted({ referralId: 'r1', region: 'eu', at: 95 })], day(96), P);
    expect(e.referral).toMatchObject({ programId: 'standard', programVersion: 2 });
    expect(stepOf(e, 'BINDING').text).toBe(
      `Submission r1 of ${iso(95)} by partner p1 (group default, region eu) is bound to program standard version 2, in force from ${iso(60)}; ` +
        'gold (priority 20) was passed over: its partner groups do not include the partner\'s; eu (priority 10) was passed over: its version in force is retired.',
    );
  });

  it('a claim by referral code says so', () => {
    const e = explain('r1', [submitted({ referralId: 'r1', prospectDomain: 'gmail.com', at: 0 }), signedUp({ customerId: 'c1', emailDomain: 'gmail.com', referralCode: 'r1', at: 3 })], day(5));
    expect(stepOf(e, 'CLAIM').text).toBe(`Customer c1 signed up at ${iso(3)} and claimed it by naming it as its referral code, within the attribution window of 90 days.`);
  });

  it('expiry: the deadline against the clock', () => {
    const events = [submitted({ referralId: 'r1', at: 0 })];
    expect(stepOf(explain('r1', events, day(97)), 'EXPIRY').text).toBe(
      `No signup claimed it within the attribution window (90 days). The deadline ${iso(97)} had passed at ${iso(97)}: EXPIRED (NO_SIGNUP).`,
    );
    expect(stepOf(explain('r1', events, day(96)), 'EXPIRY').text).toBe(
      `No signup claimed it within the attribution window (90 days). The deadline ${iso(97)} is after ${iso(96)}: it can still happen.`,
    );
  });

  it('termination: what it ended, and the termination event', () => {
    const termination = partnerTerminated({ at: 25 });
    const events = [
      submitted({ referralId: 'r1', at: 0 }), signedUp({ customerId: 'c1', at: 10 }), activated({ customerId: 'c1', at: 12 }),
      usage({ amount: '100.00', at: 20 }), termination, usage({ amount: '500.00', at: 30 }),
    ];
    const e = explain('r1', events);
    expect(e.totals).toEqual({ USD: 6000n }); // the day-30 line earns nothing
    expect(e.steps.at(-1)).toMatchObject({
      kind: 'TERMINATION',
      text: `Partner p1 was terminated at ${iso(25)}: no bonus qualified from then on and no commission on lines from then on; reversals of earlier commissions still apply.`,
      events: [{ id: termination.id, type: 'partner.terminated' }],
    });
  });

  it('no explanation for a referral nobody submitted', () => {
    expect(explainReferral('r-unknown', [submitted({ referralId: 'r1' })], day(1), STANDARD_RULES)).toBeNull();
  });
});
