import { TOPICS } from '@engine/contracts';
import { ScenarioMessage } from './scenario';
import { seededRandom } from './shuffle';

export interface SampleStreamOptions {
  seed?: number;
  prospects?: number;
  partners?: number;
  /** average usage lines per qualified customer */
  linesPerCustomer?: number;
  /** first submission time (epoch ms); stories span about ten months after it */
  start?: number;
  /** share of prospects whose story is published out of event order within each topic */
  outOfOrderShare?: number;
  /** a prefix for every id, so several streams can share one broker */
  idPrefix?: string;
  /**
   * the partners' account events (partner.accounts.v1): every partner approved before the first submission, P-002
   * in group gold, P-004 suspended for two months, P-006 terminated four months in
   */
  partnerFeed?: boolean;
  /**
   * the engine clock the stream is for (epoch ms; default a year after `start`, 2026-11-01 with the default start, the
   * clock every test and the bench run with): no event is dated after it (it would be EVENT_IN_FUTURE)
   */
  end?: number;
}

const DAY = 86_400_000;
const CURRENCIES = [
  { code: 'USD', digits: 2, weight: 0.5 }, { code: 'EUR', digits: 2, weight: 0.25 },
  { code: 'CNY', digits: 2, weight: 0.15 }, { code: 'JPY', digits: 0, weight: 0.1 },
];
const PRODUCTS = ['ecs.compute', 'oss.storage', 'rds.postgres', 'cdn.traffic', 'ai.inference'];
const EXCLUDED_PRODUCTS = ['credits.prepaid', 'marketplace.partner-app'];
const GENERIC = ['gmail.com', 'outlook.com', 'qq.com', '163.com'];

type Story = 'qualified' | 'no_signup' | 'no_activation' | 'not_qualified' | 'excluded_channel' | 'self_referral' | 'existing_customer' | 'prior_account' | 'duplicate' | 'generic_code';
const STORIES: [Story, number][] = [
  ['qualified', 0.46], ['no_signup', 0.1], ['no_activation', 0.08], ['not_qualified', 0.08], ['excluded_channel', 0.04],
  ['self_referral', 0.02], ['existing_customer', 0.05], ['prior_account', 0.03], ['duplicate', 0.06], ['generic_code', 0.08],
];

/**
 * A realistic, deterministic stream of input messages: several partners, many prospects and every outcome of
 * the program (qualified with tiers, caps and refunds; expired at each step; each rejection reason).
 */
export function sampleStream(options: SampleStreamOptions = {}): ScenarioMessage[] {
  const random = seededRandom(options.seed ?? 42);
  const prospects = options.prospects ?? 300;
  const partners = options.partners ?? 6;
  const linesPerCustomer = options.linesPerCustomer ?? 8;
  const start = options.start ?? Date.UTC(2025, 10, 1);
  const prefix = options.idPrefix ?? 'demo';
  const outOfOrder = options.outOfOrderShare ?? 0.1;
  let idCounter = 0;
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
  const weighted = <T>(items: readonly [T, number][]) => {
    let r = random() * items.reduce((s, [, w]) => s + w, 0);
    for (const [item, w] of items) if ((r -= w) <= 0) return item;
    return items[items.length - 1][0];
  };
  const iso = (ms: number) => new Date(ms).toISOString();
  const amount = (currency: (typeof CURRENCIES)[number], major: number) =>
    currency.digits === 0 ? String(Math.max(1, Math.round(major * 150))) : (Math.max(1, Math.round(major * 100 * (currency.code === 'CNY' ? 7 : 1))) / 100).toFixed(2);

  const messages: ScenarioMessage[] = options.partnerFeed ? partnerFeed(partners, start, prefix) : [];
  for (let p = 1; p <= prospects; p++) {
    const story: ScenarioMessage[] = [];
    const emit = (topic: string, key: string, type: string, source: string, time: number, data: Record<string, unknown>) =>
      story.push({ topic, key, value: JSON.stringify({ specversion: '1.0', id: `${prefix}-${++idCounter}`, source, type, time: iso(time), data }) });

    const kind = weighted(STORIES);
    const partner = 1 + Math.floor(random() * partners);
    const partnerId = `P-${String(partner).padStart(3, '0')}`;
    const partnerDomain = `partner${partner}.example`;
    const domain = kind === 'self_referral' ? partnerDomain : kind === 'generic_code' ? pick(GENERIC) : `${prefix}-prospect${p}.example`;
    const referralId = `R-${prefix}-${p}`;
    const customerId = `C-${prefix}-${p}`;
    const submittedAt = start + Math.floor(random() * 240) * DAY + Math.floor(random() * DAY);
    const submit = (rid: string, pid: string, pdomain: string, time: number, channel: string) =>
      emit(TOPICS.referrals, rid, 'referral.submitted', 'partner-portal', time, {
        referralId: rid, partnerId: pid, partnerDomain: pdomain,
        prospect: { companyName: `Prospect ${p}`, emailDomain: random() < 0.2 ? domain.toUpperCase() : domain, region: pick(['eu-west-1', 'us-east-1', 'ap-southeast-1']) },
        useCase: pick(['web hosting', 'analytics', 'ml training', 'backup']), channel,
      });
    const signup = (time: number, referralCode: string | null, priorAccount = false) =>
      emit(TOPICS.lifecycle, customerId, 'customer.signed_up', 'accounts', time, { customerId, companyName: `Prospect ${p}`, emailDomain: domain, referralCode, priorAccount });

    if (kind === 'existing_customer') signup(submittedAt - 10 * DAY, null);
    submit(referralId, partnerId, partnerDomain, submittedAt, kind === 'excluded_channel' ? pick(['paid_search_brand', 'coupon_site']) : pick(['partner_portal', 'event', 'webinar', 'email']));
    if (kind === 'duplicate') {
      const other = 1 + (partner % partners);
      submit(`${referralId}-dup`, `P-${String(other).padStart(3, '0')}`, `partner${other}.example`, submittedAt + (1 + Math.floor(random() * 60)) * DAY, 'event');
    }
    if (['no_signup', 'excluded_channel', 'self_referral', 'existing_customer'].includes(kind)) {
      messages.push(...maybeShuffle(story, random, outOfOrder));
      continue;
    }
    const signedUpAt = submittedAt + (1 + Math.floor(random() * 80)) * DAY;
    signup(signedUpAt, kind === 'generic_code' || random() < 0.4 ? referralId : null, kind === 'prior_account');
    if (kind === 'no_activation' || kind === 'prior_account') {
      messages.push(...maybeShuffle(story, random, outOfOrder));
      continue;
    }
    const activatedAt = signedUpAt + Math.floor(random() * 25) * DAY + 3_600_000;
    emit(TOPICS.lifecycle, customerId, 'customer.activated', 'accounts', activatedAt, { customerId });
    const currency = weighted(CURRENCIES.map((c) => [c, c.weight] as [typeof c, number]));
    const big = random() < 0.05;
    const lines = kind === 'not_qualified' ? 2 : Math.max(1, Math.round(linesPerCustomer * (0.5 + random())));
    const lineIds: { id: string; amount: string }[] = [];
    for (let i = 0; i < lines; i++) {
      const time = activatedAt + Math.floor(random() * (kind === 'not_qualified' ? 80 : 300)) * DAY + Math.floor(random() * DAY);
      const major = kind === 'not_qualified' ? 10 + random() * 30 : big ? 2000 + random() * 9000 : 20 + random() * 400;
      const product = random() < 0.08 ? pick(EXCLUDED_PRODUCTS) : pick(PRODUCTS);
      const lineId = `INV-${customerId}-${i}`;
      const value = amount(currency, major);
      lineIds.push({ id: lineId, amount: value });
      emit(TOPICS.billing, customerId, 'billing.usage_billed', 'billing', time, {
        customerId, invoiceLineId: lineId, productCode: product, amount: value, currency: currency.code,
        periodStart: iso(time - 30 * DAY), periodEnd: iso(time),
      });
      if (random() < 0.03) {
        // the same invoice line billed twice under another event id: counted once, listed as an anomaly
        emit(TOPICS.billing, customerId, 'billing.usage_billed', 'billing', time + 1000, { customerId, invoiceLineId: lineId, productCode: product, amount: value, currency: currency.code });
      }
    }
    for (const line of lineIds) {
      if (random() >= 0.1) continue;
      const part = currency.digits === 0 ? String(Math.max(1, Math.floor(Number(line.amount) / 3))) : (Math.max(1, Math.floor(Number(line.amount) * 100 / 3)) / 100).toFixed(2);
      emit(TOPICS.billing, customerId, 'billing.refunded', 'billing', activatedAt + 320 * DAY, {
        customerId, refundId: `RF-${line.id}`, invoiceLineId: line.id, amount: part, currency: currency.code,
      });
    }
    messages.push(...maybeShuffle(story, random, outOfOrder));
  }
  const end = options.end ?? start + 365 * DAY;
  return messages.filter((m) => Date.parse(JSON.parse(m.value).time) <= end);
}

function partnerFeed(partners: number, start: number, prefix: string): ScenarioMessage[] {
  const feed: ScenarioMessage[] = [];
  const emit = (type: string, partner: number, time: number, data: Record<string, unknown>) => {
    const partnerId = `P-${String(partner).padStart(3, '0')}`;
    feed.push({
      topic: TOPICS.partners, key: partnerId,
      value: JSON.stringify({ specversion: '1.0', id: `${prefix}-partner-${feed.length + 1}`, source: 'partner-admin', type, time: new Date(time).toISOString(), data: { partnerId, ...data } }),
    });
  };
  for (let partner = 1; partner <= partners; partner++) emit('partner.approved', partner, start - 30 * DAY, partner === 2 ? { group: 'gold' } : {});
  if (partners >= 4) {
    emit('partner.suspended', 4, start + 90 * DAY, { reason: 'unpaid invoices' });
    emit('partner.reinstated', 4, start + 150 * DAY, {});
  }
  if (partners >= 6) emit('partner.terminated', 6, start + 120 * DAY, { reason: 'breach of program terms' });
  return feed;
}

/** In event order, except for a share of stories whose messages are reversed (late arrivals). */
function maybeShuffle(story: ScenarioMessage[], random: () => number, share: number): ScenarioMessage[] {
  return random() < share ? [...story].reverse() : story;
}
