import { TOPICS } from '@engine/contracts';
import { ScenarioMessage } from './scenario';
import { seededRandom } from './shuffle';

/**
 * Streams where many accounts fall into ONE rule component (the benchmark's family phase, and the engine's family
 * tests): every event linked to a referral, a customer or a non-generic domain of the component is in it, so an
 * engine that re-evaluates the whole component per event pays for the family's size on every line.
 *
 * The messages are CloudEvents in structured JSON exactly like `sampleStream` writes them (same envelope fields in
 * the same order, same sources, same data fields), published in event-time order.
 */
export interface Family {
  /** every message, in event-time order (submission first) */
  messages: ScenarioMessage[];
  /** the one referral of the family */
  referralId: string;
  partnerId: string;
  /** the referral's prospect domain */
  prospectDomain: string;
  /** the customer whose signup claims the referral (it activates and qualifies) */
  claimantId: string;
  /** every customer of the family, the claimant first, then in signup order */
  customerIds: string[];
  /** how many usage lines each customer has */
  linesPerCustomer: number;
  /** epoch ms later than every event of the stream (and before 2026-11-01, the benchmark's engine clock) */
  after: number;
}

export interface FamilyOptions {
  /** a prefix for every id and domain, so several families can share one database and broker */
  idPrefix?: string;
  /** the referral's submission time (epoch ms); the stream spans at most ~130 days after it */
  start?: number;
  seed?: number;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
const GENERIC = ['gmail.com', 'outlook.com', 'qq.com', '163.com'];
const PRODUCTS = ['ecs.compute', 'oss.storage', 'rds.postgres', 'cdn.traffic', 'ai.inference'];

interface Timed {
  time: number;
  seq: number;
  message: ScenarioMessage;
}

/** Builds messages with sampleStream's envelope and data shapes; `build()` returns them in event-time order. */
function emitter(prefix: string) {
  let idCounter = 0;
  const timed: Timed[] = [];
  const iso = (ms: number) => new Date(ms).toISOString();
  const emit = (topic: string, key: string, type: string, source: string, time: number, data: Record<string, unknown>) =>
    timed.push({
      time, seq: timed.length,
      message: { topic, key, value: JSON.stringify({ specversion: '1.0', id: `${prefix}-${++idCounter}`, source, type, time: iso(time), data }) },
    });
  return {
    submitted: (referralId: string, partnerId: string, domain: string, time: number) =>
      emit(TOPICS.referrals, referralId, 'referral.submitted', 'partner-portal', time, {
        referralId, partnerId, partnerDomain: `${partnerId.toLowerCase()}.partner.example`,
        prospect: { companyName: `Company of ${domain}`, emailDomain: domain, region: 'eu-west-1' }, useCase: 'web hosting', channel: 'partner_portal',
      }),
    signedUp: (customerId: string, domain: string, time: number, referralCode: string | null) =>
      emit(TOPICS.lifecycle, customerId, 'customer.signed_up', 'accounts', time, {
        customerId, companyName: `Company of ${customerId}`, emailDomain: domain, referralCode, priorAccount: false,
      }),
    activated: (customerId: string, time: number) => emit(TOPICS.lifecycle, customerId, 'customer.activated', 'accounts', time, { customerId }),
    usage: (customerId: string, invoiceLineId: string, productCode: string, amount: string, time: number) =>
      emit(TOPICS.billing, customerId, 'billing.usage_billed', 'billing', time, {
        customerId, invoiceLineId, productCode, amount, currency: 'USD', periodStart: iso(time - 30 * DAY), periodEnd: iso(time),
      }),
    build: () => {
      timed.sort((a, b) => a.time - b.time || a.seq - b.seq);
      return { messages: timed.map((t) => t.message), last: timed.reduce((max, t) => Math.max(max, t.time), 0) };
    },
  };
}

/**
 * `count` usage lines of one customer, every `everyDays` days from `from`, each 5.00–29.99 USD; a claimant's first line
 * is 100.00–124.99 USD, so it qualifies on its first line whatever `count` is (a claimant needs at least one line).
 */
function usageLines(e: ReturnType<typeof emitter>, random: () => number, customerId: string, count: number, from: number, everyDays: number, claimant = false): void {
  for (let k = 0; k < count; k++) {
    const time = from + k * everyDays * DAY + Math.floor(random() * HOUR);
    const amount = ((k === 0 && claimant ? 100 : 5) + Math.floor(random() * 2500) / 100).toFixed(2);
    e.usage(customerId, `INV-${customerId}-${k}`, PRODUCTS[k % PRODUCTS.length], amount, time);
  }
}

/**
 * Shape (a): `accounts` customers (default 2,000) signing up on ONE non-generic email domain over four weeks, each
 * billed `linesPerAccount` usage lines (default 50, one every two days); one `referral.submitted` for that domain,
 * before every signup, is claimed by the first signup (the claimant), which activates and qualifies. The other
 * accounts claim nothing (the referral is taken) and never activate: their lines change no status and no amount,
 * yet share the referral's component through the domain.
 */
export function sameDomainFamily(options: FamilyOptions & { accounts?: number; linesPerAccount?: number } = {}): Family {
  const prefix = options.idPrefix ?? 'fama';
  const accounts = options.accounts ?? 2000;
  const lines = options.linesPerAccount ?? 50;
  const start = options.start ?? Date.UTC(2026, 5, 1);
  const random = seededRandom(options.seed ?? 7);
  const e = emitter(prefix);
  const domain = `${prefix}-family.example`;
  const referralId = `R-${prefix}-family`;
  const partnerId = 'P-FAM-A';
  e.submitted(referralId, partnerId, domain, start);
  const customerIds: string[] = [];
  for (let i = 0; i < accounts; i++) {
    const customerId = `C-${prefix}-${i}`;
    customerIds.push(customerId);
    const signedUpAt = start + DAY + Math.floor((i * 28 * DAY) / accounts);
    e.signedUp(customerId, domain, signedUpAt, null);
    if (i === 0) e.activated(customerId, signedUpAt + HOUR);
    usageLines(e, random, customerId, lines, signedUpAt + DAY, 2, i === 0);
  }
  const { messages, last } = e.build();
  return { messages, referralId, partnerId, prospectDomain: domain, claimantId: customerIds[0], customerIds, linesPerCustomer: lines, after: last + HOUR };
}

/**
 * Shape (b): a public referral link. One `referral.submitted` (its prospect domain is one domain nobody signs up
 * on), then `signups` customers (default 500) over eight weeks whose signup names it as `referralCode`, on varied
 * domains: every other one on its own company domain, the rest on a generic one (gmail.com, …). Each signup is
 * followed by its activation and `linesPerSignup` usage lines (default 10, one every three days). The first signup
 * claims the referral (rule (i)) and qualifies; the others name a taken referral, which still links them to it.
 */
export function referralCodeFamily(options: FamilyOptions & { signups?: number; linesPerSignup?: number } = {}): Family {
  const prefix = options.idPrefix ?? 'famb';
  const signups = options.signups ?? 500;
  const lines = options.linesPerSignup ?? 10;
  const start = options.start ?? Date.UTC(2026, 5, 1);
  const random = seededRandom(options.seed ?? 11);
  const e = emitter(prefix);
  const prospectDomain = `${prefix}-link.example`;
  const referralId = `R-${prefix}-link`;
  const partnerId = 'P-FAM-B';
  e.submitted(referralId, partnerId, prospectDomain, start);
  const customerIds: string[] = [];
  for (let i = 0; i < signups; i++) {
    const customerId = `C-${prefix}-${i}`;
    customerIds.push(customerId);
    const signedUpAt = start + DAY + Math.floor((i * 56 * DAY) / signups);
    const domain = i % 2 === 0 ? `${prefix}-company${i}.example` : GENERIC[(i >> 1) % GENERIC.length];
    e.signedUp(customerId, domain, signedUpAt, referralId);
    e.activated(customerId, signedUpAt + 2 * HOUR);
    usageLines(e, random, customerId, lines, signedUpAt + DAY, 3, i === 0);
  }
  const { messages, last } = e.build();
  return { messages, referralId, partnerId, prospectDomain, claimantId: customerIds[0], customerIds, linesPerCustomer: lines, after: last + HOUR };
}

/**
 * The control: ONE customer alone in its own domain, with its own referral (submitted, signed up by domain, activated,
 * qualified) and `lines` usage lines (default 50), on the same calendar as the families.
 */
export function loneAccount(options: FamilyOptions & { lines?: number } = {}): Family {
  const prefix = options.idPrefix ?? 'lone';
  const lines = options.lines ?? 50;
  const start = options.start ?? Date.UTC(2026, 5, 1);
  const random = seededRandom(options.seed ?? 13);
  const e = emitter(prefix);
  const domain = `${prefix}-alone.example`;
  const referralId = `R-${prefix}-alone`;
  const partnerId = 'P-LONE';
  const customerId = `C-${prefix}-alone`;
  e.submitted(referralId, partnerId, domain, start);
  e.signedUp(customerId, domain, start + DAY, null);
  e.activated(customerId, start + DAY + HOUR);
  usageLines(e, random, customerId, lines, start + 2 * DAY, 2, true);
  const { messages, last } = e.build();
  return { messages, referralId, partnerId, prospectDomain: domain, claimantId: customerId, customerIds: [customerId], linesPerCustomer: lines, after: last + HOUR };
}
