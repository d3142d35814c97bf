import { STANDARD_RULES } from '@engine/domain';
import { cloudEvents as ce, pollUntil, ScenarioMessage } from '@engine/testing';
import { apiClient } from './support/api-client';
import { EngineHarness } from './support/engine-harness';
import { catalogueWith, engineLedger, referenceLedger } from './support/program-reference';

/**
 * "A version added through the API while events flow moves nothing earned before it" (CONTRACT §8, "The past never
 * changes"): a new version of `standard` effective tomorrow is posted while a second batch of events for the same
 * referrals is being consumed. No earned amount may move, no referral may rebind, and the ledger must equal the pure
 * reference with and without the new version (all events precede it). A submission after its effectiveFrom binds to it.
 */
const NOW = '2026-11-01T00:00:00Z';
const V2_FROM = '2026-11-02T00:00:00Z'; // ENGINE_NOW + 1 day
const FINANCE = 'fin-key-flowing-0001';

/** Standard v2: every rate, threshold, bonus and boundary differs from v1 (§3), so any use of it would show. */
const V2 = {
  version: 2, effectiveFrom: V2_FROM, terms: {
    attributionWindowDays: 60, activationWindowDays: 20, qualificationWindowDays: 60, commissionWindowDays: 180, expiryGraceDays: 3, holdingPeriodDays: 0,
    excludedChannels: ['paid_search_brand', 'coupon_site'], excludedProductPrefixes: ['marketplace.', 'credits.'],
    baseRateBps: 2000, upperRateBps: 3000,
    currencies: {
      USD: { qualificationThreshold: '50.00', bonus: '100.00', tierBoundary: '5000.00', commissionCap: '8000.00' },
      EUR: { qualificationThreshold: '50.00', bonus: '100.00', tierBoundary: '5000.00', commissionCap: '8000.00' },
      JPY: { qualificationThreshold: '5000', bonus: '10000', tierBoundary: '500000', commissionCap: '800000' },
    },
  },
};
const STANDARD_V2 = { programId: 'standard', name: 'Standard', priority: 0, scope: null, versions: [V2] };

const WITHOUT_V2 = { ...STANDARD_RULES };
const WITH_V2 = { ...STANDARD_RULES, catalogue: catalogueWith([STANDARD_V2]) };

/** A referral's customer story up to activation (signup by referral code). */
const story = (o: { referralId: string; partnerId: string; customerId: string; domain: string; submitted: string; signedUp: string; activated: string }) => [
  ce.submitted({ referralId: o.referralId, partnerId: o.partnerId, domain: o.domain, time: o.submitted }),
  ce.signedUp({ customerId: o.customerId, domain: o.domain, referralCode: o.referralId, time: o.signedUp }),
  ce.activated({ customerId: o.customerId, time: o.activated }),
];

/** First batch: four stories, all in 2026 before ENGINE_NOW. */
const FIRST: ScenarioMessage[] = [
  // R-F1: 120.00 qualifies → bonus 50.00 + 12.00
  ...story({ referralId: 'R-F1', partnerId: 'P-F1', customerId: 'C-F1', domain: 'flow-one.example', submitted: '2026-01-10T00:00:00Z', signedUp: '2026-01-15T00:00:00Z', activated: '2026-01-16T00:00:00Z' }),
  ce.usage({ customerId: 'C-F1', invoiceLineId: 'F1-L1', amount: '120.00', time: '2026-02-01T00:00:00Z' }),
  // R-F2: 60.00 EUR does not reach 100.00; the qualification window ends 2026-05-05 (+7 days grace): EXPIRED for now
  ...story({ referralId: 'R-F2', partnerId: 'P-F1', customerId: 'C-F2', domain: 'flow-two.example', submitted: '2026-02-01T00:00:00Z', signedUp: '2026-02-03T00:00:00Z', activated: '2026-02-04T00:00:00Z' }),
  ce.usage({ customerId: 'C-F2', invoiceLineId: 'F2-L1', amount: '60.00', currency: 'EUR', time: '2026-02-10T00:00:00Z' }),
  // R-F3: 20000 JPY qualifies → bonus 7500 + 2000
  ...story({ referralId: 'R-F3', partnerId: 'P-F2', customerId: 'C-F3', domain: 'flow-three.example', submitted: '2026-03-01T00:00:00Z', signedUp: '2026-03-02T00:00:00Z', activated: '2026-03-03T00:00:00Z' }),
  ce.usage({ customerId: 'C-F3', invoiceLineId: 'F3-L1', amount: '20000', currency: 'JPY', time: '2026-03-10T00:00:00Z' }),
  // R-F4: no signup yet; 2026-04-01 + 90 + 7 days < NOW: EXPIRED (NO_SIGNUP) for now
  ce.submitted({ referralId: 'R-F4', partnerId: 'P-F2', domain: 'flow-four.example', time: '2026-04-01T00:00:00Z' }),
];

/** Second batch: more for the same referrals, still dated before ENGINE_NOW. */
const SECOND: ScenarioMessage[] = [
  // R-F1: spend before 120.00; 9880.00 of 9900.00 below the 10000.00 boundary at 10% + 20.00 at 15% = 991.00; then 1000.00 at 15% = 150.00
  ce.usage({ customerId: 'C-F1', invoiceLineId: 'F1-L2', amount: '9900.00', time: '2026-03-01T00:00:00Z' }),
  ce.usage({ customerId: 'C-F1', invoiceLineId: 'F1-L3', amount: '1000.00', time: '2026-04-01T00:00:00Z' }),
  // R-F2: 60.00 + 50.00 reaches 100.00 at F2-L2 → revived, QUALIFIED: bonus 50.00 + 10% of 50.00 (F2-L1 is before Q)
  ce.usage({ customerId: 'C-F2', invoiceLineId: 'F2-L2', amount: '50.00', currency: 'EUR', time: '2026-03-10T00:00:00Z' }),
  // R-F3: 10% of 12345 = 1234.5 → 1234 (half to even); refund 5000 of it: −round(1234 × 5000 / 12345) = −round(499.79) = −500
  ce.usage({ customerId: 'C-F3', invoiceLineId: 'F3-L2', amount: '12345', currency: 'JPY', time: '2026-04-10T00:00:00Z' }),
  ce.refunded({ customerId: 'C-F3', refundId: 'F3-RF1', invoiceLineId: 'F3-L2', amount: '5000', currency: 'JPY', time: '2026-05-01T00:00:00Z' }),
  // R-F4: a late signup inside its window (until 2026-06-30) revives it; 250.00 qualifies → bonus 50.00 + 25.00
  ce.signedUp({ customerId: 'C-F4', domain: 'flow-four.example', referralCode: 'R-F4', time: '2026-06-01T00:00:00Z' }),
  ce.activated({ customerId: 'C-F4', time: '2026-06-02T00:00:00Z' }),
  ce.usage({ customerId: 'C-F4', invoiceLineId: 'F4-L1', amount: '250.00', time: '2026-06-10T00:00:00Z' }),
];

interface Entry {
  entry_id: string;
  referral_id: string;
  type: string;
  slot: string;
  amount: string;
  currency: string;
  effective_at: Date;
  effective_period: string;
  booked_period: string;
  program_id: string;
  program_version: number;
  release_at: Date;
  created_at: Date;
}

describe('a version added through the API while events flow', () => {
  let harness: EngineHarness;
  const api = apiClient(() => harness.baseUrl);
  const finance = { key: FINANCE };
  const published: ScenarioMessage[] = [];
  let firstLedger: Entry[] = [];

  const entries = () => harness.query<Entry>(
    `SELECT entry_id::text, referral_id, type, slot, amount::text, currency, effective_at, effective_period, booked_period, program_id, program_version, release_at, created_at
       FROM ledger_entry ORDER BY ledger_entry.entry_id`);
  const totals = async () => Object.fromEntries((await harness.query<{ key: string; total: string }>(
    `SELECT referral_id || '|' || currency AS key, sum(amount)::text AS total FROM ledger_entry GROUP BY 1 ORDER BY 1`)).map((r) => [r.key, r.total]));
  const now = () => harness.config.engineNow!;

  /** Publishes one message at a time with a pause between them, so that the engine consumes while the caller does other things. */
  async function trickle(messages: ScenarioMessage[], pauseMs = 50): Promise<void> {
    for (const message of messages) {
      await harness.publish([message]);
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }

  beforeAll(async () => {
    harness = await EngineHarness.create({ label: 'catalogue_flowing', engineNow: NOW, env: { API_KEYS: `${FINANCE}:finance` } });
    await harness.start();
  });

  afterAll(async () => {
    await harness?.dispose();
  });

  it('applies the first batch under standard v1', async () => {
    published.push(...FIRST);
    await harness.publish(FIRST);
    await harness.settled();
    firstLedger = await entries();
    expect(await totals()).toEqual({ 'R-F1|USD': String(5000 + 1200), 'R-F3|JPY': String(7500 + 2000) });
    const statuses = await harness.query(`SELECT referral_id, status, reason FROM referral ORDER BY referral_id`);
    expect(statuses).toEqual([
      { referral_id: 'R-F1', status: 'QUALIFIED', reason: null },
      { referral_id: 'R-F2', status: 'EXPIRED', reason: 'NOT_QUALIFIED' },
      { referral_id: 'R-F3', status: 'QUALIFIED', reason: null },
      { referral_id: 'R-F4', status: 'EXPIRED', reason: 'NO_SIGNUP' },
    ]);
    const { rejected, ...reference } = referenceLedger(published, now(), WITHOUT_V2);
    expect(rejected).toEqual([]);
    expect(await engineLedger((sql, params) => harness.query(sql, params))).toEqual(reference);
  });

  it('moves nothing earned before a version posted while the second batch is consumed', async () => {
    // Three phases, so that the version is posted while the engine is demonstrably busy with the second batch:
    // the first lines are being applied (waited for), the middle ones are published concurrently with the POST,
    // and the last one only once the version exists.
    const [started, concurrent, last] = [SECOND.slice(0, 3), SECOND.slice(3, -1), SECOND.slice(-1)];
    published.push(...SECOND);
    await harness.publish(started);
    await pollUntil(async () => (await entries()).length > firstLedger.length, 30_000, 50, 'the second batch to be consumed');
    const [posted] = await Promise.all([api('POST', '/v1/programs/standard/versions', { ...finance, body: V2 }), trickle(concurrent)]);
    expect(posted).toMatchObject({ status: 201, json: { version: 2, effectiveFrom: '2026-11-02T00:00:00.000Z', terms: { baseRateBps: 2000 } } });
    await harness.publish(last);
    await harness.settled();

    const ledger = await entries();
    const second = ledger.slice(firstLedger.length);
    const addedAt = Date.parse(posted.json.createdAt);
    expect(second.some((e) => e.created_at.getTime() < addedAt)).toBe(true);
    expect(second.some((e) => e.created_at.getTime() > addedAt)).toBe(true);

    // append-only, and nothing was corrected: every amount was computed once, under v1
    expect(ledger.slice(0, firstLedger.length)).toEqual(firstLedger);
    expect(ledger.filter((e) => e.type === 'CORRECTION')).toEqual([]);
    expect(new Set(ledger.map((e) => `${e.program_id}/${e.program_version}`))).toEqual(new Set(['standard/1']));
    const programs = await harness.query(`SELECT referral_id, status, program_id, program_version FROM referral ORDER BY referral_id`);
    expect(programs).toEqual(['R-F1', 'R-F2', 'R-F3', 'R-F4'].map((referral_id) => ({ referral_id, status: 'QUALIFIED', program_id: 'standard', program_version: 1 })));
    for (const id of ['R-F1', 'R-F4']) expect((await api('GET', `/v1/referrals/${id}`, finance)).json.program).toEqual({ programId: 'standard', version: 1 });

    // by hand (see the batches): R-F1 50.00 + 12.00 + 991.00 + 150.00; R-F2 50.00 + 5.00; R-F3 7500 + 2000 + 1234 − 500; R-F4 50.00 + 25.00
    expect(await totals()).toEqual({
      'R-F1|USD': String(5000 + 1200 + 99100 + 15000),
      'R-F2|EUR': String(5000 + 500),
      'R-F3|JPY': String(7500 + 2000 + 1234 - 500),
      'R-F4|USD': String(5000 + 2500),
    });

    // the pure rules with the new version in the catalogue say the same as without it: every event precedes it
    const { rejected, ...withV2 } = referenceLedger(published, now(), WITH_V2);
    const { rejected: _, ...withoutV2 } = referenceLedger(published, now(), WITHOUT_V2);
    expect(rejected).toEqual([]);
    expect(withV2).toEqual(withoutV2);
    expect(await engineLedger((sql, params) => harness.query(sql, params))).toEqual(withV2);
  });

  it('refuses a version effective before the engine clock (409 RETROACTIVE_VERSION) and keeps the catalogue', async () => {
    const back = await api('POST', '/v1/programs/standard/versions', { ...finance, body: { ...V2, version: 3, effectiveFrom: '2026-10-31T00:00:00Z' } });
    expect(back).toMatchObject({ status: 409, json: { code: 'RETROACTIVE_VERSION', programId: 'standard', versions: [3] } });
    expect((await api('GET', '/v1/programs/standard', finance)).json.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
  });

  it('binds a submission after the new version\'s effectiveFrom to it, once the clock has passed it', async () => {
    // A submission on 2026-11-03 is 2 days ahead of ENGINE_NOW, beyond FUTURE_TOLERANCE (24h, §2): the clock moves on
    // instead — the same engine (database, topics, consumer group) restarted with ENGINE_NOW three days later.
    await harness.stop();
    harness.config.engineNow = Date.parse('2026-11-04T00:00:00Z');
    await harness.start();

    const late: ScenarioMessage[] = [
      ...story({ referralId: 'R-F5', partnerId: 'P-F2', customerId: 'C-F5', domain: 'flow-five.example', submitted: '2026-11-03T00:00:00Z', signedUp: '2026-11-03T01:00:00Z', activated: '2026-11-03T02:00:00Z' }),
      // 60.00 reaches v2's threshold (50.00) but not v1's (100.00): v2 bonus 100.00 + 20% of 60.00 = 12.00
      ce.usage({ customerId: 'C-F5', invoiceLineId: 'F5-L1', amount: '60.00', time: '2026-11-03T03:00:00Z' }),
    ];
    published.push(...late);
    const before = await entries();
    await harness.publish(late);
    await harness.settled();

    expect((await api('GET', '/v1/referrals/R-F5', finance)).json).toMatchObject({ status: 'QUALIFIED', program: { programId: 'standard', version: 2 }, totals: [{ currency: 'USD', amount: '112.00' }] });
    const added = (await entries()).slice(before.length);
    expect(added.map((e) => [e.referral_id, e.type, e.amount, e.program_id, e.program_version]).sort()).toEqual([
      ['R-F5', 'QUALIFICATION_BONUS', '10000', 'standard', 2],
      ['R-F5', 'USAGE_COMMISSION', '1200', 'standard', 2],
    ]);
    const { rejected, ...reference } = referenceLedger(published, now(), WITH_V2);
    expect(await engineLedger((sql, params) => harness.query(sql, params))).toEqual(reference);
  });
});
