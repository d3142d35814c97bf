import { parseMessage } from '@engine/contracts';
import { InputEvent } from '../events/input-event';
import { formatAmount } from '../money/decimal';
import { STANDARD_RULES } from '../program/rules';
import { DAY_MS } from '../program/terms';
import { activated, at, day, refund, resetFactory, signedUp, submitted, usage } from '../testing/event-factory';
import { evaluate } from './evaluate';
import { ExpectedAmount } from './evaluation';

/**
 * CONTRACT §3–§4 walked rule by rule with worked examples. Day n = 2026-01-01 + n days (UTC).
 * Windows: attribution 90d, activation 30d, qualification 90d, commission 365d, grace 7d, all half-open.
 */
const P = STANDARD_RULES;
const NOW = day(46); // before the earliest deadline of the stories below (signup on day 10 + 37d = day 47)

function run(events: InputEvent[], now = NOW) {
  const result = evaluate(events, now, P);
  const ref = (referralId: string) => {
    const found = result.referrals.find((r) => r.referralId === referralId);
    if (!found) throw new Error(`no outcome for ${referralId}`);
    return found;
  };
  /** amounts of one referral as [type, currency, decimal amount, effectiveAt] in the evaluation's order */
  const money = (referralId: string) =>
    result.amounts
      .filter((a) => a.referralId === referralId)
      .map((a) => [a.type, a.currency, formatAmount(a.amount, a.currency), a.effectiveAt] as const);
  const total = (referralId: string, type: ExpectedAmount['type'], currency = 'USD') =>
    result.amounts
      .filter((a) => a.referralId === referralId && a.type === type && a.currency === currency)
      .reduce((sum, a) => sum + a.amount, 0n);
  return { ...result, ref, money, total };
}

/** r1 (partner p1) for acme.com on day 0, c1 signs up on day 10 and activates on day 12. */
function activatedStory(): InputEvent[] {
  return [
    submitted({ referralId: 'r1', partnerId: 'p1', prospectDomain: 'acme.com', at: 0 }),
    signedUp({ customerId: 'c1', emailDomain: 'acme.com', at: 10 }),
    activated({ customerId: 'c1', at: 12 }),
  ];
}

/** activatedStory + a 100.00 USD line on day 20 that qualifies r1 (bonus 50.00, commission 10.00). */
function qualifiedStory(): { events: InputEvent[]; q: ReturnType<typeof usage> } {
  const q = usage({ customerId: 'c1', invoiceLineId: 'Q', amount: '100.00', at: 20 });
  return { events: [...activatedStory(), q], q };
}

beforeEach(() => resetFactory());

describe('submissions', () => {
  it.each(['paid_search_brand', 'coupon_site'])('channel %s → REJECTED (EXCLUDED_CHANNEL)', (channel) => {
    const r = run([submitted({ referralId: 'r1', channel })]);
    expect(r.ref('r1')).toMatchObject({ status: 'REJECTED', reason: 'EXCLUDED_CHANNEL', expiresAt: null });
  });

  it('EXCLUDED_CHANNEL is checked before SELF_REFERRAL', () => {
    const r = run([submitted({ referralId: 'r1', channel: 'coupon_site', partnerDomain: 'acme.com', prospectDomain: 'acme.com' })]);
    expect(r.ref('r1')).toMatchObject({ status: 'REJECTED', reason: 'EXCLUDED_CHANNEL' });
  });

  it('prospect domain = partner domain → REJECTED (SELF_REFERRAL)', () => {
    const r = run([submitted({ referralId: 'r1', partnerDomain: 'acme.com', prospectDomain: 'acme.com' })]);
    expect(r.ref('r1')).toMatchObject({ status: 'REJECTED', reason: 'SELF_REFERRAL' });
  });

  it('SELF_REFERRAL compares domains case-insensitively (normalised at the edge, parseMessage)', () => {
    const { event } = parseMessage(
      'partner.referrals.v1',
      JSON.stringify({
        specversion: '1.0', id: 'm1', source: 'portal', type: 'referral.submitted', time: '2026-01-01T00:00:00Z',
        data: { referralId: 'r1', partnerId: 'p1', partnerDomain: 'Acme.COM', prospect: { companyName: 'Acme', emailDomain: 'aCME.com' }, channel: 'partner_portal' },
      }),
    );
    expect(run([event]).ref('r1')).toMatchObject({ status: 'REJECTED', reason: 'SELF_REFERRAL' });
  });

  it('SELF_REFERRAL applies to generic domains too (rule 2 has no generic exception)', () => {
    const r = run([submitted({ referralId: 'r1', partnerDomain: 'gmail.com', prospectDomain: 'gmail.com' })]);
    expect(r.ref('r1')).toMatchObject({ status: 'REJECTED', reason: 'SELF_REFERRAL' });
  });

  it('a signup of the domain strictly before the submission → REJECTED (EXISTING_CUSTOMER)', () => {
    const r = run([
      signedUp({ customerId: 'c0', emailDomain: 'acme.com', at: 5 }),
      submitted({ referralId: 'r1', prospectDomain: 'acme.com', at: 10 }),
    ]);
    expect(r.ref('r1')).toMatchObject({ status: 'REJECTED', reason: 'EXISTING_CUSTOMER', customerId: null });
  });

  it('a signup 1 ms before the submission is existing, one at the same ms is not (time < S.time)', () => {
    const before = run([
      signedUp({ customerId: 'c0', at: { ms: day(10) - 1 } }),
      submitted({ referralId: 'r1', at: 10 }),
    ]);
    expect(before.ref('r1')).toMatchObject({ status: 'REJECTED', reason: 'EXISTING_CUSTOMER' });
    const same = run([signedUp({ customerId: 'c0', at: 10 }), submitted({ referralId: 'r1', at: 10 })]);
    expect(same.ref('r1')).toMatchObject({ status: 'SIGNED_UP', customerId: 'c0', signedUpAt: day(10) });
  });

  it('a prior signup on a generic domain does not make a generic-domain prospect an existing customer', () => {
    const r = run([
      signedUp({ customerId: 'c0', emailDomain: 'gmail.com', at: 1 }),
      submitted({ referralId: 'r1', prospectDomain: 'gmail.com', at: 10 }),
    ]);
    expect(r.ref('r1')).toMatchObject({ status: 'SUBMITTED', reason: null });
  });

  it('a second submission of the domain inside the first one\'s 90-day window → REJECTED (DUPLICATE), also from another partner', () => {
    const r = run([
      submitted({ referralId: 'r1', partnerId: 'p1', at: 0 }),
      submitted({ referralId: 'r2', partnerId: 'p1', at: 30 }),
      submitted({ referralId: 'r3', partnerId: 'p2', partnerDomain: 'other.example', at: { ms: day(90) - 1 } }),
    ], day(91));
    expect(r.ref('r1').status).toBe('SUBMITTED');
    expect(r.ref('r2')).toMatchObject({ status: 'REJECTED', reason: 'DUPLICATE' });
    expect(r.ref('r3')).toMatchObject({ status: 'REJECTED', reason: 'DUPLICATE' });
  });

  it('DUPLICATE window is half-open: a submission at exactly S′.time + 90d is accepted', () => {
    const r = run([submitted({ referralId: 'r1', at: 0 }), submitted({ referralId: 'r2', at: 90 })], day(91));
    expect(r.ref('r2')).toMatchObject({ status: 'SUBMITTED', reason: null });
  });

  it('only ACCEPTED earlier submissions make a duplicate (rejected ones and duplicates do not extend the window)', () => {
    const r = run([
      submitted({ referralId: 'r0', channel: 'coupon_site', at: 0 }), // rejected: does not block r1
      submitted({ referralId: 'r1', at: 1 }),
      submitted({ referralId: 'r2', at: 80 }), // duplicate of r1
      submitted({ referralId: 'r3', at: 91 }), // r1's window ended at day 91; r2 was never accepted
    ], day(92));
    expect(r.ref('r1').status).toBe('SUBMITTED');
    expect(r.ref('r2')).toMatchObject({ status: 'REJECTED', reason: 'DUPLICATE' });
    expect(r.ref('r3')).toMatchObject({ status: 'SUBMITTED', reason: null });
  });

  it('the same time, the smaller id first: the submission later in order is the duplicate', () => {
    const r = run([
      submitted({ referralId: 'rB', id: 'b', at: 0 }),
      submitted({ referralId: 'rA', id: 'a', at: 0 }),
    ]);
    expect(r.ref('rA').status).toBe('SUBMITTED');
    expect(r.ref('rB')).toMatchObject({ status: 'REJECTED', reason: 'DUPLICATE' });
  });

  it('generic domains are never duplicates of each other', () => {
    const r = run([
      submitted({ referralId: 'r1', prospectDomain: 'gmail.com', at: 0 }),
      submitted({ referralId: 'r2', prospectDomain: 'gmail.com', at: 1 }),
    ]);
    expect(r.ref('r1').status).toBe('SUBMITTED');
    expect(r.ref('r2').status).toBe('SUBMITTED');
  });

  it('a reused referralId is ignored: the first in ORDER wins, whatever the arrival order', () => {
    const later = submitted({ referralId: 'r1', partnerId: 'p2', partnerDomain: 'two.example', prospectDomain: 'beta.io', at: 5 });
    const earlier = submitted({ referralId: 'r1', partnerId: 'p1', prospectDomain: 'acme.com', at: 3 });
    const r = run([later, earlier]);
    expect(r.referrals.filter((x) => x.referralId === 'r1')).toHaveLength(1);
    expect(r.ref('r1')).toMatchObject({ partnerId: 'p1', submittedAt: day(3), status: 'SUBMITTED' });
    expect(r.anomalies).toEqual([expect.objectContaining({ code: 'DUPLICATE_REFERRAL', eventId: later.id, referralId: 'r1' })]);
  });

  it('the ignored reuse cannot be claimed through its own prospect domain', () => {
    const r = run([
      submitted({ referralId: 'r1', prospectDomain: 'acme.com', at: 0 }),
      submitted({ referralId: 'r1', prospectDomain: 'beta.io', at: 1 }),
      signedUp({ customerId: 'c1', emailDomain: 'beta.io', at: 2 }),
    ]);
    expect(r.ref('r1')).toMatchObject({ status: 'SUBMITTED', customerId: null });
  });
});

describe('signups', () => {
  it('a signup claims the accepted submission of its domain: SIGNED_UP with signedUpAt', () => {
    const r = run([submitted({ referralId: 'r1', at: 0 }), signedUp({ customerId: 'c1', at: 10 })]);
    expect(r.ref('r1')).toMatchObject({ status: 'SIGNED_UP', customerId: 'c1', signedUpAt: day(10), reason: null });
  });

  it('domain matching is case-insensitive (both sides normalised by parseMessage)', () => {
    const signup = parseMessage(
      'customer.lifecycle.v1',
      JSON.stringify({
        specversion: '1.0', id: 'g1', source: 'crm', type: 'customer.signed_up', time: '2026-01-11T00:00:00Z',
        data: { customerId: 'c1', emailDomain: 'ACME.Com', priorAccount: false },
      }),
    ).event;
    const r = run([submitted({ referralId: 'r1', prospectDomain: 'acme.com', at: 0 }), signup]);
    expect(r.ref('r1')).toMatchObject({ status: 'SIGNED_UP', customerId: 'c1' });
  });

  it('a priorAccount signup claims the submission and rejects it (EXISTING_CUSTOMER), keeping customerId and signedUpAt', () => {
    const r = run([submitted({ referralId: 'r1', at: 0 }), signedUp({ customerId: 'c1', priorAccount: true, at: 10 })]);
    expect(r.ref('r1')).toMatchObject({ status: 'REJECTED', reason: 'EXISTING_CUSTOMER', customerId: 'c1', signedUpAt: day(10), expiresAt: null });
  });

  it('a priorAccount claim by referralCode also rejects, and no money follows even with spend', () => {
    const r = run([
      submitted({ referralId: 'r1', prospectDomain: 'gmail.com', at: 0 }),
      signedUp({ customerId: 'c1', emailDomain: 'gmail.com', referralCode: 'r1', priorAccount: true, at: 1 }),
      activated({ customerId: 'c1', at: 2 }),
      usage({ customerId: 'c1', amount: '500.00', at: 3 }),
    ]);
    expect(r.ref('r1')).toMatchObject({ status: 'REJECTED', reason: 'EXISTING_CUSTOMER', customerId: 'c1' });
    expect(r.amounts).toEqual([]);
  });

  it('generic domains are never matched by domain…', () => {
    const r = run([
      submitted({ referralId: 'r1', prospectDomain: 'gmail.com', at: 0 }),
      signedUp({ customerId: 'c1', emailDomain: 'gmail.com', at: 10 }),
    ]);
    expect(r.ref('r1')).toMatchObject({ status: 'SUBMITTED', customerId: null });
  });

  it('…but are matched by referralCode', () => {
    const r = run([
      submitted({ referralId: 'r1', prospectDomain: 'gmail.com', at: 0 }),
      signedUp({ customerId: 'c1', emailDomain: 'gmail.com', referralCode: 'r1', at: 10 }),
    ]);
    expect(r.ref('r1')).toMatchObject({ status: 'SIGNED_UP', customerId: 'c1' });
  });

  it('a referralCode claim beats a domain claim', () => {
    const r = run([
      submitted({ referralId: 'rDomain', partnerId: 'p1', prospectDomain: 'acme.com', at: 0 }),
      submitted({ referralId: 'rCode', partnerId: 'p2', partnerDomain: 'two.example', prospectDomain: 'acme-group.com', at: 1 }),
      signedUp({ customerId: 'c1', emailDomain: 'acme.com', referralCode: 'rCode', at: 10 }),
    ]);
    expect(r.ref('rCode')).toMatchObject({ status: 'SIGNED_UP', customerId: 'c1' });
    expect(r.ref('rDomain')).toMatchObject({ status: 'SUBMITTED', customerId: null });
  });

  it('a referralCode that cannot claim (unknown, rejected, claimed, outside its window) falls back to the domain', () => {
    const r = run([
      submitted({ referralId: 'rAcme', prospectDomain: 'acme.com', at: 0 }),
      submitted({ referralId: 'rRejected', prospectDomain: 'beta.io', channel: 'coupon_site', at: 0 }),
      submitted({ referralId: 'rTaken', prospectDomain: 'taken.io', at: 0 }),
      signedUp({ customerId: 'cT', emailDomain: 'taken.io', at: 1 }),
      submitted({ referralId: 'rFuture', prospectDomain: 'future.io', at: 20 }),
      signedUp({ customerId: 'c1', emailDomain: 'acme.com', referralCode: 'nope', at: 5 }),
    ], day(20));
    expect(r.ref('rAcme')).toMatchObject({ status: 'SIGNED_UP', customerId: 'c1' });
    for (const code of ['rRejected', 'rTaken', 'rFuture']) {
      const again = run([
        submitted({ referralId: 'rAcme', prospectDomain: 'acme.com', at: 0 }),
        submitted({ referralId: 'rRejected', prospectDomain: 'beta.io', channel: 'coupon_site', at: 0 }),
        submitted({ referralId: 'rTaken', prospectDomain: 'taken.io', at: 0 }),
        signedUp({ customerId: 'cT', emailDomain: 'taken.io', at: 1 }),
        submitted({ referralId: 'rFuture', prospectDomain: 'future.io', at: 20 }), // signup on day 5 is before its window
        signedUp({ customerId: 'c1', emailDomain: 'acme.com', referralCode: code, at: 5 }),
      ], day(20));
      expect(again.ref('rAcme')).toMatchObject({ status: 'SIGNED_UP', customerId: 'c1' });
      expect(again.ref('rTaken').customerId).toBe('cT');
      expect(again.ref('rFuture').status).toBe('SUBMITTED');
    }
  });

  it('a signup claims the EARLIEST accepted unclaimed submission of its domain whose window holds it', () => {
    const r = run([
      submitted({ referralId: 'r1', at: 0 }),
      submitted({ referralId: 'r2', at: 95 }), // accepted: r1's window ended on day 90
      signedUp({ customerId: 'c1', at: 100 }), // r1's window does not hold day 100
    ], day(101));
    expect(r.ref('r1')).toMatchObject({ status: 'EXPIRED', reason: 'NO_SIGNUP', customerId: null });
    expect(r.ref('r2')).toMatchObject({ status: 'SIGNED_UP', customerId: 'c1' });
  });

  it('signups claim in order: the second customer of a domain finds the submission already claimed', () => {
    const r = run([
      submitted({ referralId: 'r1', at: 0 }),
      signedUp({ customerId: 'c2', at: 20 }),
      signedUp({ customerId: 'c1', at: 10 }),
    ]);
    expect(r.ref('r1').customerId).toBe('c1');
  });

  it('a customer\'s second signup is ignored (and listed as an anomaly)', () => {
    const second = signedUp({ customerId: 'c1', emailDomain: 'gmail.com', referralCode: 'r1', at: 6 });
    const r = run([
      submitted({ referralId: 'r1', prospectDomain: 'gmail.com', at: 0 }),
      second,
      signedUp({ customerId: 'c1', emailDomain: 'gmail.com', at: 5 }),
    ]);
    expect(r.ref('r1')).toMatchObject({ status: 'SUBMITTED', customerId: null });
    expect(r.anomalies).toEqual([expect.objectContaining({ code: 'REPEATED_SIGNUP', eventId: second.id, customerId: 'c1' })]);
  });

  it('attribution window edges: signup at S.time + 90d − 1 ms claims, at S.time + 90d does not', () => {
    const inside = run([submitted({ referralId: 'r1', at: 0 }), signedUp({ at: { ms: day(90) - 1 } })], day(91));
    expect(inside.ref('r1')).toMatchObject({ status: 'SIGNED_UP', signedUpAt: day(90) - 1 });
    const edge = run([submitted({ referralId: 'r1', at: 0 }), signedUp({ at: 90 })], day(91));
    expect(edge.ref('r1')).toMatchObject({ status: 'SUBMITTED', customerId: null, expiresAt: day(97) });
    const byCode = run([
      submitted({ referralId: 'r1', prospectDomain: 'gmail.com', at: 0 }),
      signedUp({ emailDomain: 'gmail.com', referralCode: 'r1', at: 90 }),
    ], day(91));
    expect(byCode.ref('r1')).toMatchObject({ status: 'SUBMITTED', customerId: null });
  });
});

describe('activation', () => {
  it('activatedAt = the earliest activation inside the window', () => {
    const r = run([...activatedStory(), activated({ customerId: 'c1', at: 15 })]);
    expect(r.ref('r1')).toMatchObject({ status: 'ACTIVATED', activatedAt: day(12) });
  });

  it('an activation before the signup → activatedAt = signedUpAt', () => {
    const r = run([submitted({ referralId: 'r1', at: 0 }), activated({ customerId: 'c1', at: 3 }), signedUp({ customerId: 'c1', at: 10 })]);
    expect(r.ref('r1')).toMatchObject({ status: 'ACTIVATED', activatedAt: day(10), signedUpAt: day(10) });
  });

  it('activation window edges: signedUpAt + 30d − 1 ms activates, signedUpAt + 30d does not', () => {
    const base = [submitted({ referralId: 'r1', at: 0 }), signedUp({ customerId: 'c1', at: 10 })];
    const inside = run([...base, activated({ customerId: 'c1', at: { ms: day(40) - 1 } })], day(41));
    expect(inside.ref('r1')).toMatchObject({ status: 'ACTIVATED', activatedAt: day(40) - 1 });
    const edge = run([...base, activated({ customerId: 'c1', at: 40 })], day(41));
    expect(edge.ref('r1')).toMatchObject({ status: 'SIGNED_UP', activatedAt: null, expiresAt: day(47) });
  });

  it('another customer\'s activation does not count', () => {
    const r = run([submitted({ referralId: 'r1', at: 0 }), signedUp({ customerId: 'c1', at: 1 }), activated({ customerId: 'c2', at: 2 })], day(20));
    expect(r.ref('r1').status).toBe('SIGNED_UP');
  });
});

describe('qualification', () => {
  it('the threshold (100.00 USD) reached across several lines: Q is the line that reaches it', () => {
    const q = usage({ amount: '40.00', at: 22 });
    const r = run([...activatedStory(), usage({ amount: '30.00', at: 20 }), usage({ amount: '30.00', at: 21 }), q, usage({ amount: '5.00', at: 23 })]);
    expect(r.ref('r1')).toMatchObject({
      status: 'QUALIFIED', qualifiedAt: day(22), qualifyingCurrency: 'USD', qualifyingSpend: 10000n, expiresAt: null,
    });
    expect(r.amounts.find((a) => a.type === 'QUALIFICATION_BONUS')).toMatchObject({ sourceEventId: q.id, effectiveAt: day(22) });
  });

  it('99.99 USD is not enough', () => {
    const r = run([...activatedStory(), usage({ amount: '99.99', at: 20 })]);
    expect(r.ref('r1')).toMatchObject({ status: 'ACTIVATED', qualifiedAt: null });
    expect(r.amounts).toEqual([]);
  });

  it('excluded product prefixes (marketplace., credits.) count for nothing; a prefix elsewhere in the code does', () => {
    const events = [
      ...activatedStory(),
      usage({ productCode: 'marketplace.app', amount: '500.00', at: 20 }),
      usage({ productCode: 'credits.topup', amount: '500.00', at: 21 }),
    ];
    expect(run(events).ref('r1').status).toBe('ACTIVATED');
    const r = run([...events, usage({ productCode: 'api.marketplace.sync', amount: '100.00', at: 22 })]);
    expect(r.ref('r1')).toMatchObject({ status: 'QUALIFIED', qualifiedAt: day(22) });
    expect(r.money('r1')).toEqual([
      ['QUALIFICATION_BONUS', 'USD', '50.00', day(22)],
      ['USAGE_COMMISSION', 'USD', '10.00', day(22)], // the excluded lines earn nothing either
    ]);
  });

  it('sums per currency: 60 USD + 60 EUR do not qualify; 40 more EUR do, in EUR', () => {
    const events = [...activatedStory(), usage({ amount: '60.00', currency: 'USD', at: 20 }), usage({ amount: '60.00', currency: 'EUR', at: 21 })];
    expect(run(events).ref('r1').status).toBe('ACTIVATED');
    const r = run([...events, usage({ amount: '40.00', currency: 'EUR', at: 22 }), usage({ amount: '10.00', currency: 'USD', at: 23 })]);
    expect(r.ref('r1')).toMatchObject({ status: 'QUALIFIED', qualifyingCurrency: 'EUR', qualifyingSpend: 10000n, qualifiedAt: day(22) });
    expect(r.money('r1')).toEqual([
      ['QUALIFICATION_BONUS', 'EUR', '50.00', day(22)],
      ['USAGE_COMMISSION', 'EUR', '4.00', day(22)], // Q itself, 10% of 40.00
      ['USAGE_COMMISSION', 'USD', '1.00', day(23)], // 10% of 10.00; the 60.00 lines before Q earn nothing
    ]);
  });

  it('qualification window edges: a line at activatedAt + 90d − 1 ms is eligible, at activatedAt + 90d it is not', () => {
    const inside = run([...activatedStory(), usage({ amount: '100.00', at: { ms: day(102) - 1 } })], day(103));
    expect(inside.ref('r1')).toMatchObject({ status: 'QUALIFIED', qualifiedAt: day(102) - 1 });
    const edge = run([...activatedStory(), usage({ amount: '100.00', at: 102 })], day(103));
    expect(edge.ref('r1')).toMatchObject({ status: 'ACTIVATED', expiresAt: day(109) });
  });

  it('lines before activatedAt are not eligible', () => {
    const r = run([...activatedStory(), usage({ amount: '100.00', at: { ms: day(12) - 1 } }), usage({ amount: '1.00', at: 13 })]);
    expect(r.ref('r1').status).toBe('ACTIVATED');
    expect(r.amounts).toEqual([]);
  });

  it('a repeated invoiceLineId counts once (the first in order) and is listed as an anomaly', () => {
    const repeat = usage({ invoiceLineId: 'L1', amount: '100.00', at: 21 });
    const r = run([...activatedStory(), repeat, usage({ invoiceLineId: 'L1', amount: '60.00', at: 20 }), usage({ amount: '30.00', at: 22 })]);
    expect(r.ref('r1').status).toBe('ACTIVATED'); // 60 + 30, the 100.00 repeat is ignored
    expect(r.anomalies).toEqual([expect.objectContaining({ code: 'DUPLICATE_INVOICE_LINE', eventId: repeat.id })]);
  });

  it('the same invoiceLineId under two customers is two lines', () => {
    const r = run([
      ...activatedStory(),
      usage({ customerId: 'c2', invoiceLineId: 'L1', amount: '100.00', at: 20 }),
      usage({ customerId: 'c1', invoiceLineId: 'L1', amount: '100.00', at: 21 }),
    ]);
    expect(r.ref('r1')).toMatchObject({ status: 'QUALIFIED', qualifiedAt: day(21) });
    expect(r.anomalies).toEqual([]);
  });
});

describe('money', () => {
  it('bonus in the qualifying currency: 50.00 USD / EUR, 350.00 CNY, 7500 JPY', () => {
    const cases = [['USD', '100.00', '50.00'], ['EUR', '100.00', '50.00'], ['CNY', '700.00', '350.00'], ['JPY', '15000', '7500']] as const;
    for (const [currency, threshold, bonus] of cases) {
      const r = run([...activatedStory(), usage({ amount: threshold, currency, at: 20 })]);
      expect(r.ref('r1')).toMatchObject({ status: 'QUALIFIED', qualifyingCurrency: currency });
      expect(r.money('r1')[0]).toEqual(['QUALIFICATION_BONUS', currency, bonus, day(20)]);
    }
  });

  it('CNY below its own threshold (699.99) does not qualify', () => {
    expect(run([...activatedStory(), usage({ amount: '699.99', currency: 'CNY', at: 20 })]).ref('r1').status).toBe('ACTIVATED');
  });

  it('10% below the tier boundary, 15% above, a straddling line split exactly (worked by hand)', () => {
    const { events } = qualifiedStory();
    const r = run([
      ...events,
      usage({ amount: '9800.00', at: 21 }), // B = 100.00: all below → 980.00
      usage({ amount: '333.33', at: 22 }), // B = 9900.00: 100.00 below → 10.00; 233.33 above → 34.9995; 44.9995 → 45.00
      usage({ amount: '100.00', at: 23 }), // B = 10233.33: all above → 15.00
    ]);
    expect(r.money('r1')).toEqual([
      ['QUALIFICATION_BONUS', 'USD', '50.00', day(20)],
      ['USAGE_COMMISSION', 'USD', '10.00', day(20)],
      ['USAGE_COMMISSION', 'USD', '980.00', day(21)],
      ['USAGE_COMMISSION', 'USD', '45.00', day(22)],
      ['USAGE_COMMISSION', 'USD', '15.00', day(23)],
    ]);
  });

  it('the tier is cumulative per currency: EUR starts at 10% after a large USD spend', () => {
    const { events } = qualifiedStory();
    const r = run([...events, usage({ amount: '20000.00', at: 21 }), usage({ amount: '100.00', currency: 'EUR', at: 22 })]);
    expect(r.money('r1').slice(2)).toEqual([
      ['USAGE_COMMISSION', 'USD', '2505.00', day(21)], // B = 100.00: 9900.00 × 10% + 10100.00 × 15% = 990.00 + 1515.00
      ['USAGE_COMMISSION', 'EUR', '10.00', day(22)], // EUR spend starts at 0: 10%
    ]);
  });

  it('interleaved currencies keep their own spend and earnings: USD crosses its tier after a EUR line', () => {
    const { events } = qualifiedStory();
    const r = run([
      ...events,
      usage({ amount: '9850.00', at: 21 }), // USD B = 100.00: all below → 985.00
      usage({ amount: '100.00', currency: 'EUR', at: 22 }), // EUR B = 0: 10.00
      usage({ amount: '100.00', at: 23 }), // USD B = 9950.00: 50.00 below → 5.00, 50.00 above → 7.50
      usage({ amount: '100.00', currency: 'EUR', at: 24 }), // EUR B = 100.00: still 10%
    ]);
    expect(r.money('r1').slice(2)).toEqual([
      ['USAGE_COMMISSION', 'USD', '985.00', day(21)],
      ['USAGE_COMMISSION', 'EUR', '10.00', day(22)],
      ['USAGE_COMMISSION', 'USD', '12.50', day(23)],
      ['USAGE_COMMISSION', 'EUR', '10.00', day(24)],
    ]);
  });

  it('each commission is rounded half-to-even once per amount', () => {
    const { events } = qualifiedStory();
    const r = run([
      ...events,
      usage({ amount: '0.25', at: 21 }), // 0.025 → 0.02
      usage({ amount: '0.35', at: 22 }), // 0.035 → 0.04
      usage({ amount: '0.15', at: 23 }), // 0.015 → 0.02
      usage({ amount: '0.05', at: 24 }), // 0.005 → 0.00: no entry
      usage({ amount: '9899.15', at: 25 }), // B = 100.80 (the 0.05 line counts as spend): 989.915 → 989.92
      usage({ amount: '0.10', at: 26 }), // B = 9999.95: 0.05 below → 0.005, 0.05 above → 0.0075; 0.0125 → 0.01
      usage({ amount: '0.30', at: 27 }), // above: 0.045 → 0.04
      usage({ amount: '0.10', at: 28 }), // above: 0.015 → 0.02
    ]);
    expect(r.money('r1').slice(1).map((row) => row[2])).toEqual(['10.00', '0.02', '0.04', '0.02', '989.92', '0.01', '0.04', '0.02']);
  });

  it('the cap: usage commissions stop at 5000.00 USD per referral', () => {
    const r = run([
      ...activatedStory(),
      usage({ amount: '10000.00', at: 20 }), // Q: 1000.00
      usage({ amount: '20000.00', at: 21 }), // all above the boundary: 3000.00 (4000.00 so far)
      usage({ amount: '10000.00', at: 22 }), // 1500.00 capped to 1000.00
      usage({ amount: '100.00', at: 23 }), // 15.00 capped to 0: no entry
      usage({ amount: '100.00', currency: 'EUR', at: 24 }), // EUR has its own cap: 10.00
    ]);
    expect(r.money('r1')).toEqual([
      ['QUALIFICATION_BONUS', 'USD', '50.00', day(20)],
      ['USAGE_COMMISSION', 'USD', '1000.00', day(20)],
      ['USAGE_COMMISSION', 'USD', '3000.00', day(21)],
      ['USAGE_COMMISSION', 'USD', '1000.00', day(22)],
      ['USAGE_COMMISSION', 'EUR', '10.00', day(24)],
    ]);
    expect(r.total('r1', 'USAGE_COMMISSION')).toBe(500000n);
  });

  it('JPY has zero minor digits: the threshold, bonus, rounding and cap in whole yen', () => {
    const r = run([
      ...activatedStory(),
      usage({ amount: '15000', currency: 'JPY', at: 20 }), // Q: 1500
      usage({ amount: '12345', currency: 'JPY', at: 21 }), // 1234.5 → 1234
      usage({ amount: '12355', currency: 'JPY', at: 22 }), // 1235.5 → 1236
      usage({ amount: '1460300', currency: 'JPY', at: 23 }), // B = 39700: 1460300 below → 146030
      usage({ amount: '7000000', currency: 'JPY', at: 24 }), // B = 1500000: 15% → 1050000, capped at 750000 − 150000 = 600000
      usage({ amount: '1', currency: 'JPY', at: 25 }), // cap reached
    ]);
    expect(r.money('r1')).toEqual([
      ['QUALIFICATION_BONUS', 'JPY', '7500', day(20)],
      ['USAGE_COMMISSION', 'JPY', '1500', day(20)],
      ['USAGE_COMMISSION', 'JPY', '1234', day(21)],
      ['USAGE_COMMISSION', 'JPY', '1236', day(22)],
      ['USAGE_COMMISSION', 'JPY', '146030', day(23)],
      ['USAGE_COMMISSION', 'JPY', '600000', day(24)],
    ]);
    expect(r.total('r1', 'USAGE_COMMISSION', 'JPY')).toBe(750000n);
  });

  it('commission window: a line at qualifiedAt + 365d − 1 ms earns, at qualifiedAt + 365d it does not', () => {
    const { events } = qualifiedStory();
    const r = run([
      ...events,
      usage({ invoiceLineId: 'in', amount: '100.00', at: { ms: day(385) - 1 } }),
      usage({ invoiceLineId: 'out', amount: '100.00', at: 385 }),
    ], day(400));
    expect(r.money('r1')).toEqual([
      ['QUALIFICATION_BONUS', 'USD', '50.00', day(20)],
      ['USAGE_COMMISSION', 'USD', '10.00', day(20)],
      ['USAGE_COMMISSION', 'USD', '10.00', day(385) - 1],
    ]);
  });

  it('lines before Q in order earn nothing, including one at Q\'s time with a smaller id', () => {
    const q = usage({ id: 'evt-q', amount: '60.00', at: 20 });
    const r = run([
      ...activatedStory(),
      usage({ id: 'evt-a', amount: '50.00', at: 15 }), // eligible, before Q
      usage({ id: 'evt-p', amount: '10.00', currency: 'EUR', at: 20 }), // same time, 'evt-p' < 'evt-q'
      q,
      usage({ id: 'evt-r', amount: '10.00', currency: 'EUR', at: 20 }), // same time, after Q
    ]);
    expect(r.ref('r1')).toMatchObject({ qualifiedAt: day(20), qualifyingSpend: 11000n });
    expect(r.money('r1')).toEqual([
      ['QUALIFICATION_BONUS', 'USD', '50.00', day(20)],
      ['USAGE_COMMISSION', 'USD', '6.00', day(20)],
      ['USAGE_COMMISSION', 'EUR', '1.00', day(20)],
    ]);
  });

  it('lines after Q with an excluded prefix earn nothing', () => {
    const { events } = qualifiedStory();
    const r = run([...events, usage({ productCode: 'credits.pack', amount: '1000.00', at: 21 }), usage({ productCode: 'marketplace.x', amount: '1000.00', at: 22 })]);
    expect(r.money('r1')).toHaveLength(2);
  });

  it('a qualified referral never expires', () => {
    const { events } = qualifiedStory();
    expect(run(events, day(5000)).ref('r1')).toMatchObject({ status: 'QUALIFIED', reason: null, expiresAt: null });
  });
});

describe('refunds', () => {
  it('a refund reverses the line\'s commission proportionally, rounded half-to-even, at the refund\'s time', () => {
    const { events, q } = qualifiedStory();
    const line = usage({ amount: '0.30', at: 21 }); // commission 0.03
    const r = run([
      ...events,
      line,
      refund({ line, amount: '0.15', at: 30 }), // 0.03 × 0.15 / 0.30 = 0.015 → 0.02
      refund({ line: q, amount: '33.33', at: 31 }), // Q: 10.00 × 33.33 / 100.00 = 3.333 → 3.33
    ]);
    expect(r.money('r1').filter((row) => row[0] === 'REFUND_REVERSAL')).toEqual([
      ['REFUND_REVERSAL', 'USD', '-0.02', day(30)],
      ['REFUND_REVERSAL', 'USD', '-3.33', day(31)],
    ]);
  });

  it('several partial refunds never take back more than the line\'s commission', () => {
    const { events } = qualifiedStory();
    const line = usage({ amount: '0.50', at: 21 }); // commission 0.05
    const refunds = [
      refund({ line, amount: '0.15', at: 30 }), // 0.015 → 0.02
      refund({ line, amount: '0.15', at: 31 }), // 0.02 (0.04 so far)
      refund({ line, amount: '0.15', at: 32 }), // 0.02 would be 0.06 > 0.05: limited to 0.01
      refund({ line, amount: '0.05', at: 33 }), // 0.005 → 0.00, nothing left anyway: no entry
    ];
    const r = run([...events, line, ...refunds]);
    expect(r.money('r1').filter((row) => row[0] === 'REFUND_REVERSAL')).toEqual([
      ['REFUND_REVERSAL', 'USD', '-0.02', day(30)],
      ['REFUND_REVERSAL', 'USD', '-0.02', day(31)],
      ['REFUND_REVERSAL', 'USD', '-0.01', day(32)],
    ]);
    expect(r.total('r1', 'REFUND_REVERSAL')).toBe(-5n);
    expect(r.anomalies).toEqual([]);
  });

  it('a full refund of a capped line reverses the capped commission, not the raw one', () => {
    const r = run([
      ...activatedStory(),
      usage({ amount: '10000.00', at: 20 }),
      usage({ amount: '20000.00', at: 21 }),
      usage({ invoiceLineId: 'capped', amount: '10000.00', at: 22 }), // 1000.00 after the cap
      refund({ invoiceLineId: 'capped', amount: '5000.00', at: 30 }),
    ]);
    expect(r.money('r1').at(-1)).toEqual(['REFUND_REVERSAL', 'USD', '-500.00', day(30)]);
  });

  it('a refund in another currency than its line has no effect and is an anomaly', () => {
    const { events, q } = qualifiedStory();
    const wrong = refund({ line: q, currency: 'EUR', amount: '10.00', at: 30 });
    const r = run([...events, wrong]);
    expect(r.money('r1').map((row) => row[0])).not.toContain('REFUND_REVERSAL');
    expect(r.anomalies).toEqual([expect.objectContaining({ code: 'REFUND_CURRENCY_MISMATCH', eventId: wrong.id })]);
  });

  it('a refund that would take the line\'s refunds above its amount has no effect and is an anomaly; later fitting ones apply', () => {
    const { events, q } = qualifiedStory();
    const tooMuch = refund({ line: q, amount: '50.00', at: 31 });
    const r = run([
      ...events,
      refund({ line: q, amount: '60.00', at: 30 }), // 6.00
      tooMuch, // 110.00 > 100.00
      refund({ line: q, amount: '40.00', at: 32 }), // 100.00 exactly: 4.00
    ]);
    expect(r.money('r1').filter((row) => row[0] === 'REFUND_REVERSAL')).toEqual([
      ['REFUND_REVERSAL', 'USD', '-6.00', day(30)],
      ['REFUND_REVERSAL', 'USD', '-4.00', day(32)],
    ]);
    expect(r.anomalies).toEqual([expect.objectContaining({ code: 'REFUND_EXCEEDS_LINE', eventId: tooMuch.id })]);
    expect(run([...events, refund({ line: q, amount: '100.01', at: 30 })]).anomalies).toEqual([expect.objectContaining({ code: 'REFUND_EXCEEDS_LINE' })]);
  });

  it('a refund of an unknown line has no effect until the line arrives', () => {
    const { events } = qualifiedStory();
    const line = usage({ invoiceLineId: 'late', amount: '200.00', at: 21 });
    const early = refund({ customerId: 'c1', invoiceLineId: 'late', amount: '50.00', at: 25 });
    const before = run([...events, early]);
    expect(before.money('r1')).toHaveLength(2);
    expect(before.anomalies).toEqual([]);
    const after = run([...events, early, line]);
    expect(after.money('r1').slice(2)).toEqual([
      ['USAGE_COMMISSION', 'USD', '20.00', day(21)],
      ['REFUND_REVERSAL', 'USD', '-5.00', day(25)],
    ]);
  });

  it('a refund of a line that earned nothing (before Q, excluded) reverses nothing', () => {
    const early = usage({ amount: '50.00', at: 15 });
    const excluded = usage({ productCode: 'credits.x', amount: '50.00', at: 21 });
    const r = run([...activatedStory(), early, usage({ amount: '50.00', at: 20 }), excluded, refund({ line: early, at: 30 }), refund({ line: excluded, at: 30 })]);
    expect(r.ref('r1').status).toBe('QUALIFIED');
    expect(r.money('r1').map((row) => row[0])).toEqual(['QUALIFICATION_BONUS', 'USAGE_COMMISSION']);
  });
});

describe('expiry (deadline = start + window + 7 days grace; now ≥ deadline expires)', () => {
  it('NO_SIGNUP: submission + 90d + 7d', () => {
    const events = [submitted({ referralId: 'r1', at: 0 })];
    expect(run(events, day(97) - 1).ref('r1')).toMatchObject({ status: 'SUBMITTED', reason: null, expiresAt: day(97) });
    expect(run(events, day(97)).ref('r1')).toMatchObject({ status: 'EXPIRED', reason: 'NO_SIGNUP', expiresAt: null });
  });

  it('NO_SIGNUP is revived by a late signup inside the attribution window', () => {
    const events = [submitted({ referralId: 'r1', at: 0 }), signedUp({ customerId: 'c1', at: 89 })];
    expect(run(events, day(97)).ref('r1')).toMatchObject({ status: 'SIGNED_UP', customerId: 'c1', expiresAt: day(89 + 37) });
  });

  it('NO_ACTIVATION: signedUpAt + 30d + 7d', () => {
    const events = [submitted({ referralId: 'r1', at: 0 }), signedUp({ customerId: 'c1', at: 10 })];
    expect(run(events, day(47) - 1).ref('r1')).toMatchObject({ status: 'SIGNED_UP', expiresAt: day(47) });
    expect(run(events, day(47)).ref('r1')).toMatchObject({ status: 'EXPIRED', reason: 'NO_ACTIVATION', customerId: 'c1', signedUpAt: day(10), expiresAt: null });
  });

  it('NO_ACTIVATION is revived by a late activation inside the activation window', () => {
    const events = [submitted({ referralId: 'r1', at: 0 }), signedUp({ customerId: 'c1', at: 10 }), activated({ customerId: 'c1', at: { ms: day(40) - 1 } })];
    expect(run(events, day(47)).ref('r1')).toMatchObject({ status: 'ACTIVATED', activatedAt: day(40) - 1, expiresAt: day(40) - 1 + 97 * DAY_MS });
  });

  it('NOT_QUALIFIED: activatedAt + 90d + 7d', () => {
    const events = [...activatedStory(), usage({ amount: '99.99', at: 20 })];
    expect(run(events, day(109) - 1).ref('r1')).toMatchObject({ status: 'ACTIVATED', expiresAt: day(109) });
    expect(run(events, day(109)).ref('r1')).toMatchObject({ status: 'EXPIRED', reason: 'NOT_QUALIFIED', activatedAt: day(12), expiresAt: null });
  });

  it('NOT_QUALIFIED is revived by a late line inside the qualification window, with its money', () => {
    const events = [...activatedStory(), usage({ amount: '99.99', at: 20 }), usage({ amount: '0.01', at: { ms: day(102) - 1 } })];
    const r = run(events, day(109));
    expect(r.ref('r1')).toMatchObject({ status: 'QUALIFIED', reason: null, qualifiedAt: day(102) - 1, expiresAt: null });
    // Q's own commission, 10% of 0.01 = 0.001, rounds to 0.00: no entry
    expect(r.money('r1')).toEqual([['QUALIFICATION_BONUS', 'USD', '50.00', day(102) - 1]]);
  });

  it('rejected referrals never carry an expiry', () => {
    const r = run([submitted({ referralId: 'r1', channel: 'coupon_site' })], day(1000));
    expect(r.ref('r1')).toMatchObject({ status: 'REJECTED', reason: 'EXCLUDED_CHANNEL', expiresAt: null });
  });

  it('the deadline comes from the event times, not from `now` (ISO strings and day offsets agree)', () => {
    expect(at('2026-04-08T00:00:00Z')).toBe(day(97));
    const r = run([submitted({ referralId: 'r1', at: '2026-01-01T00:00:00Z' })], at('2026-04-07T23:59:59.999Z'));
    expect(r.ref('r1').expiresAt).toBe(at('2026-04-08T00:00:00.000Z'));
  });
});

describe('set semantics', () => {
  it('an event is its (source, id): the same id from two sources is two events', () => {
    const { events } = qualifiedStory();
    const r = run([
      ...events,
      usage({ id: 'same', source: 'billing-eu', invoiceLineId: 'L1', amount: '100.00', at: 21 }),
      usage({ id: 'same', source: 'billing-us', invoiceLineId: 'L2', amount: '200.00', at: 22 }),
    ]);
    expect(r.money('r1').slice(2)).toEqual([
      ['USAGE_COMMISSION', 'USD', '10.00', day(21)],
      ['USAGE_COMMISSION', 'USD', '20.00', day(22)],
    ]);
  });

  it('of two events with one (source, id), the first given counts, whatever the second says', () => {
    const { events } = qualifiedStory();
    const first = usage({ id: 'dup', source: 'billing', invoiceLineId: 'L1', amount: '100.00', at: 21 });
    const second = usage({ id: 'dup', source: 'billing', invoiceLineId: 'L2', amount: '300.00', at: 20.5 });
    expect(run([...events, first, second]).money('r1').slice(2)).toEqual([['USAGE_COMMISSION', 'USD', '10.00', day(21)]]);
    expect(run([...events, second, first]).money('r1').slice(2)).toEqual([['USAGE_COMMISSION', 'USD', '30.00', day(20.5)]]);
  });

  it('arrival order and exact repeats make no difference', () => {
    const { events } = qualifiedStory();
    const all = [...events, usage({ amount: '250.00', at: 25 })];
    const forward = evaluate(all, NOW, P);
    expect(evaluate([...all].reverse(), NOW, P)).toEqual(forward);
    expect(evaluate([...all, ...all.map((e) => ({ ...e }))], NOW, P)).toEqual(forward);
  });
});
