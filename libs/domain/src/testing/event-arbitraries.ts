import fc from 'fast-check';
import {
  CustomerActivated, CustomerSignedUp, InputEvent, PartnerApproved, PartnerGroupChanged, PartnerStandingChanged, ReferralSubmitted, Refunded, UsageBilled,
} from '../events/input-event';
import { Currency } from '../money/currency';
import { catalogueOf, STANDARD_PROGRAM } from '../program/catalogue';
import { Rules, STANDARD_RULES } from '../program/rules';
import { DAY_MS, STANDARD_TERMS } from '../program/terms';
import { T0 } from './event-factory';

/**
 * Random event sets for the rules' properties, drawn from a small world (3 partners, 4 prospect domains of which one
 * is generic, 6 customers, a few ids reused on purpose so that collisions – repeated invoiceLineIds, reused
 * referralIds (takeovers), repeated signups, families of customers sharing a domain or a code – happen), under a
 * catalogue where regions, partner groups and dates choose different terms.
 */
export const NOW = T0 + 600 * DAY_MS;

/**
 * `standard` with a rate change at day 60; `eu` (region eu, priority 10) with a shorter attribution window, a cap
 * that binds, no JPY, retired from day 90; `gold` (group gold, priority 20) with higher rates and thresholds.
 */
export const TEST_CATALOGUE = catalogueOf([
  {
    ...STANDARD_PROGRAM,
    versions: [...STANDARD_PROGRAM.versions, { version: 2, effectiveFrom: T0 + 60 * DAY_MS, terms: { ...STANDARD_TERMS, baseRateBps: 1100n, upperRateBps: 1600n } }],
  },
  {
    programId: 'eu', name: 'EU', priority: 10, regions: ['eu'], partnerGroups: null,
    versions: [
      {
        version: 1, effectiveFrom: T0,
        terms: {
          ...STANDARD_TERMS, attributionWindowMs: 45 * DAY_MS, holdingPeriodMs: 30 * DAY_MS, excludedChannels: new Set(['api']),
          currencies: { USD: { ...STANDARD_TERMS.currencies.USD!, commissionCap: 20_000n }, EUR: STANDARD_TERMS.currencies.EUR },
        },
      },
      { version: 2, effectiveFrom: T0 + 90 * DAY_MS, terms: null },
    ],
  },
  {
    programId: 'gold', name: 'Gold', priority: 20, regions: null, partnerGroups: ['gold'],
    versions: [{
      version: 1, effectiveFrom: T0 + 10 * DAY_MS,
      terms: {
        ...STANDARD_TERMS, baseRateBps: 1500n, upperRateBps: 2000n, holdingPeriodMs: 14 * DAY_MS,
        currencies: { ...STANDARD_TERMS.currencies, USD: { ...STANDARD_TERMS.currencies.USD!, qualificationThreshold: 20_000n, bonus: 8_000n } },
      },
    }],
  },
]);

export const P: Rules = { ...STANDARD_RULES, catalogue: TEST_CATALOGUE };
/** The same world under approval enrollment (a partner without events may not submit). */
export const P_APPROVAL: Rules = { ...P, partnerEnrollment: 'approval' };

export const PARTNERS = [
  { partnerId: 'p1', partnerDomain: 'one.example' },
  { partnerId: 'p2', partnerDomain: 'two.example' },
  { partnerId: 'p3', partnerDomain: 'acme.com' }, // refers acme.com → SELF_REFERRAL
];
export const DOMAINS = ['acme.com', 'beta.io', 'gamma.net', 'gmail.com'];
export const CUSTOMERS = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'];
export const REFERRAL_IDS = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'];
export const LINE_IDS = ['L1', 'L2', 'L3', 'L4', 'L5', 'L6'];

// Times: mostly whole days in the first four months (so that window edges are hit exactly), sometimes far
// out (commission window end), sometimes at an arbitrary millisecond.
export const timeArb = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 120 }).map((d) => T0 + d * DAY_MS) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 500 }).map((d) => T0 + d * DAY_MS) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 130 * DAY_MS }).map((ms) => T0 + ms) },
);
const currencyArb = fc.constantFrom<Currency>('USD', 'USD', 'USD', 'EUR', 'JPY');
/** minor units: mostly around the thresholds, sometimes large enough to cross the tier boundary and the cap */
const amountArb = (currency: Currency) =>
  currency === 'JPY'
    ? fc.oneof(
      { weight: 6, arbitrary: fc.bigInt({ min: 1n, max: 20_000n }) },
      { weight: 2, arbitrary: fc.bigInt({ min: 100_000n, max: 3_000_000n }) },
      { weight: 1, arbitrary: fc.bigInt({ min: 3_000_000n, max: 9_000_000n }) },
    )
    : fc.oneof(
      { weight: 6, arbitrary: fc.bigInt({ min: 1n, max: 15_000n }) },
      { weight: 2, arbitrary: fc.bigInt({ min: 100_000n, max: 2_500_000n }) },
      { weight: 1, arbitrary: fc.bigInt({ min: 2_500_000n, max: 6_000_000n }) },
    );

/** an event before it gets its source and id */
export type DraftOf<T> = Omit<T, 'source' | 'id'>;
export type Draft =
  | DraftOf<ReferralSubmitted> | DraftOf<CustomerSignedUp> | DraftOf<CustomerActivated> | DraftOf<UsageBilled> | DraftOf<Refunded>
  | DraftOf<PartnerApproved> | DraftOf<PartnerGroupChanged> | DraftOf<PartnerStandingChanged>;

export const permutationOf = <T>(items: T[]) => fc.shuffledSubarray(items, { minLength: items.length, maxLength: items.length });

export const submissionArb: fc.Arbitrary<DraftOf<ReferralSubmitted>> = fc.record({
  type: fc.constant('referral.submitted' as const),
  time: timeArb,
  referralId: fc.constantFrom(...REFERRAL_IDS),
  partner: fc.constantFrom(...PARTNERS),
  prospectDomain: fc.constantFrom(...DOMAINS),
  region: fc.constantFrom(null, null, 'eu', 'eu', 'us'),
  channel: fc.constantFrom('partner_portal', 'partner_portal', 'partner_portal', 'api', 'coupon_site', 'paid_search_brand'),
}).map(({ partner, ...rest }) => ({ ...rest, ...partner }));

/** A partner's account event: approvals (sometimes into gold), group changes, suspensions, reinstatements, terminations. */
export const partnerEventArb: fc.Arbitrary<DraftOf<PartnerApproved> | DraftOf<PartnerGroupChanged> | DraftOf<PartnerStandingChanged>> = fc.record({
  kind: fc.constantFrom('approved', 'approved', 'approved', 'group_changed', 'suspended', 'reinstated', 'terminated'),
  time: timeArb,
  partnerId: fc.constantFrom(...PARTNERS.map((p) => p.partnerId)),
  group: fc.constantFrom('default', 'gold', 'gold'),
}).map(({ kind, time, partnerId, group }) => {
  if (kind === 'approved') return { type: 'partner.approved' as const, time, partnerId, group };
  if (kind === 'group_changed') return { type: 'partner.group_changed' as const, time, partnerId, group };
  return { type: `partner.${kind}` as PartnerStandingChanged['type'], time, partnerId, reason: null };
});

export const signupArb: fc.Arbitrary<DraftOf<CustomerSignedUp>> = fc.record({
  type: fc.constant('customer.signed_up' as const),
  time: timeArb,
  customerId: fc.constantFrom(...CUSTOMERS),
  emailDomain: fc.constantFrom(...DOMAINS),
  referralCode: fc.option(fc.constantFrom(...REFERRAL_IDS, 'r-unknown'), { nil: null, freq: 2 }),
  priorAccount: fc.boolean().chain((b) => (b ? fc.boolean() : fc.constant(false))), // 25% true
});

export const activationArb: fc.Arbitrary<DraftOf<CustomerActivated>> = fc.record({
  type: fc.constant('customer.activated' as const),
  time: timeArb,
  customerId: fc.constantFrom(...CUSTOMERS),
});

export const usageArb: fc.Arbitrary<DraftOf<UsageBilled>> = currencyArb.chain((currency) =>
  fc.record({
    type: fc.constant('billing.usage_billed' as const),
    time: timeArb,
    customerId: fc.constantFrom(...CUSTOMERS),
    invoiceLineId: fc.constantFrom(...LINE_IDS),
    productCode: fc.constantFrom('api.requests', 'api.requests', 'api.requests', 'storage.gb', 'storage.gb', 'marketplace.app', 'credits.pack'),
    amount: amountArb(currency),
    currency: fc.constant(currency),
  }),
);

export const refundArb: fc.Arbitrary<DraftOf<Refunded>> = fc.record({
  type: fc.constant('billing.refunded' as const),
  time: timeArb,
  customerId: fc.constantFrom(...CUSTOMERS),
  refundId: fc.constantFrom('R1', 'R2', 'R3', 'R4', 'R5'),
  invoiceLineId: fc.constantFrom(...LINE_IDS, 'L-unknown'),
  amount: fc.oneof(fc.bigInt({ min: 1n, max: 5_000n }), fc.bigInt({ min: 5_000n, max: 1_500_000n })),
  currency: fc.constantFrom<Currency>('USD', 'USD', 'USD', 'USD', 'EUR', 'JPY'),
});

export const SOURCES: Record<InputEvent['type'], string> = {
  'referral.submitted': 'partner-portal',
  'customer.signed_up': 'crm',
  'customer.activated': 'crm',
  'billing.usage_billed': 'billing',
  'billing.refunded': 'billing',
  'partner.approved': 'partner-admin',
  'partner.group_changed': 'partner-admin',
  'partner.suspended': 'partner-admin',
  'partner.reinstated': 'partner-admin',
  'partner.terminated': 'partner-admin',
  'payout.paid': 'payments',
  'payout.failed': 'payments',
};

/**
 * A coherent referral story, so that many referrals get through to QUALIFIED and earn money: a submission,
 * a signup some days later (by domain or by referralCode), an activation around it, usage lines after it and
 * refunds of those lines. Ids are drawn from small pools, so stories collide with each other (a reused
 * referralId, two signups of one customer, a repeated invoiceLineId…).
 */
export const storyArb: fc.Arbitrary<Draft[]> = fc
  .record({
    submission: submissionArb,
    channel: fc.constantFrom('partner_portal', 'partner_portal', 'partner_portal', 'partner_portal', 'api', 'api', 'api', 'api', 'coupon_site'),
    customerId: fc.constantFrom(...CUSTOMERS),
    signupDelay: fc.oneof(fc.integer({ min: 0, max: 95 }).map((d) => d * DAY_MS), fc.integer({ min: 0, max: 91 * DAY_MS })),
    byCode: fc.boolean(),
    priorAccount: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    activationDelay: fc.option(fc.integer({ min: -3, max: 32 }).map((d) => d * DAY_MS), { nil: null, freq: 6 }),
    lines: fc.array(
      fc.record({ delay: fc.integer({ min: -2, max: 100 }), usage: usageArb, cheap: fc.integer({ min: 0, max: 3 }).map((n) => n === 0) }),
      { minLength: 1, maxLength: 7 },
    ),
    refunds: fc.array(fc.record({ line: fc.nat(), delay: fc.integer({ min: 0, max: 60 }), share: fc.integer({ min: 1, max: 120 }), refund: refundArb }), { maxLength: 3 }),
    /** sometimes another partner submits the same referralId a few days before or after */
    rival: fc.option(fc.record({ partner: fc.constantFrom(...PARTNERS), shift: fc.integer({ min: -5, max: 5 }) }), { nil: null, freq: 4 }),
  })
  .map((story) => {
    const sub: DraftOf<ReferralSubmitted> = { ...story.submission, channel: story.channel };
    const signupAt = sub.time + story.signupDelay;
    const drafts: Draft[] = [
      sub,
      {
        type: 'customer.signed_up', time: signupAt, customerId: story.customerId, emailDomain: sub.prospectDomain,
        referralCode: story.byCode ? sub.referralId : null, priorAccount: story.priorAccount,
      },
    ];
    if (story.rival) drafts.push({ ...sub, ...story.rival.partner, time: sub.time + story.rival.shift * DAY_MS });
    const activatedAt = story.activationDelay === null ? signupAt : signupAt + story.activationDelay;
    if (story.activationDelay !== null) drafts.push({ type: 'customer.activated', time: activatedAt, customerId: story.customerId });
    const lines = story.lines.map(({ delay, usage, cheap }) => {
      const line: DraftOf<UsageBilled> = { ...usage, customerId: story.customerId, time: activatedAt + delay * DAY_MS };
      if (cheap && line.currency !== 'JPY') line.amount = (line.amount % 6_000n) + 1n; // around the threshold
      return line;
    });
    drafts.push(...lines);
    for (const { line: index, delay, share, refund } of story.refunds) {
      if (lines.length === 0) break;
      const line = lines[index % lines.length];
      drafts.push({
        ...refund, customerId: story.customerId, invoiceLineId: line.invoiceLineId, time: line.time + delay * DAY_MS,
        currency: share > 110 ? refund.currency : line.currency, // mostly the line's currency
        amount: (line.amount * BigInt(share)) / 100n + 1n, // sometimes above the line's amount
      });
    }
    return drafts;
  });

/** events unrelated to any story: unattributed signups, stray lines and refunds, submissions nobody signs up for */
export const noiseArb = fc.oneof(
  { weight: 2, arbitrary: partnerEventArb },
  { weight: 1, arbitrary: submissionArb },
  { weight: 2, arbitrary: signupArb },
  { weight: 1, arbitrary: activationArb },
  { weight: 4, arbitrary: usageArb },
  { weight: 2, arbitrary: refundArb },
);

/** A random set of distinct events; ids follow generation order, which is unrelated to time (so ties are broken variously). */
export const eventsArb: fc.Arbitrary<InputEvent[]> = fc
  .tuple(fc.array(storyArb, { maxLength: 4 }), fc.array(noiseArb, { maxLength: 8 }))
  .map(([stories, noise]) => [...stories.flat(), ...noise])
  .chain((drafts) => permutationOf(drafts)) // ids are then given in an order unrelated to the stories
  .map((drafts) => drafts.map((draft, i) => ({ ...draft, source: SOURCES[draft.type], id: `e${String(i).padStart(3, '0')}` }) as InputEvent));

// ---------------------------------------------------------------------------------------------------------------
