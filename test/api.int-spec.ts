import { CURRENCIES, formatAmount } from '@engine/domain';
import { neutraliseFormula } from '../apps/engine/src/api/common/csv';
import { amountSql, neutralisedSql } from '../apps/engine/src/api/ledger/ledger-export.repository';
import { EngineHarness } from './support/engine-harness';
import { apiClient, cloudEvent, events } from './support/api-client';

/**
 * The HTTP API (CONTRACT §5, §6) against the running engine: real fetch, real PostgreSQL, data put in through Kafka
 * and through the adjustments endpoint. ENGINE_NOW is 2026-10-15, so July–September can be closed and October cannot.
 *
 * Ledger of the fixture (USD for P-001, EUR for P-002):
 *   2026-07  P-001 R-1  bonus 50.00 + 10% of 1000.00 = 150.00   P-002 R-2  bonus 50.00 + 10% of 100.00 = 60.00
 *   2026-08  P-001 R-1  10% of 200.00 = 20.00  (under the 50.00 minimum → carried)
 *   2026-09  P-001 R-1  10% of 300.00 = 30.00  (opening 20.00 → closing 50.00 → paid)
 */
const KEYS = { finance: 'fin-key-api-000001', p1: 'p1-key-api-0000001', p2: 'p2-key-api-0000001' };
const P2_CUSTOMER = 'C-2,"beta"'; // a customer id that CSV must quote
const METRICS_TOKEN = 'metrics-token-api-0001';

describe('HTTP API on the running engine', () => {
  let harness: EngineHarness;
  const api = apiClient(() => harness.baseUrl);

  beforeAll(async () => {
    harness = await EngineHarness.create({
      label: 'api',
      env: { API_KEYS: `${KEYS.finance}:finance,${KEYS.p1}:partner:P-001,${KEYS.p2}:partner:P-002`, ENGINE_NOW: '2026-10-15T12:00:00Z', METRICS_TOKEN },
    });
    await harness.publish([
      events.submitted('R-1', 'P-001', 'alpha.example', '2026-06-01T10:00:00Z'),
      events.signedUp('C-1', 'alpha.example', 'R-1', '2026-06-05T10:00:00Z'),
      events.activated('C-1', '2026-06-06T10:00:00Z'),
      events.usage('C-1', 'L-1', '1000.00', 'USD', '2026-07-10T10:00:00Z'),
      events.usage('C-1', 'L-2', '200.00', 'USD', '2026-08-10T10:00:00Z'),
      events.usage('C-1', 'L-3', '300.00', 'USD', '2026-09-10T10:00:00Z'),
      events.submitted('R-2', 'P-002', 'beta.example', '2026-06-02T10:00:00Z'),
      events.signedUp(P2_CUSTOMER, 'beta.example', 'R-2', '2026-06-05T11:00:00Z'),
      events.activated(P2_CUSTOMER, '2026-06-07T10:00:00Z'),
      events.usage(P2_CUSTOMER, 'M-1', '100.00', 'EUR', '2026-07-12T10:00:00Z'),
      events.submitted('R-3', 'P-002', 'gamma.example', '2026-06-03T10:00:00Z', 'coupon_site'),
    ]);
    await harness.start();
    await harness.settled();
  });

  afterAll(async () => {
    await harness?.dispose();
  });

  it('has the fixture in the ledger', async () => {
    const rows = await harness.query(`SELECT partner_id, effective_period, sum(amount)::text AS sum FROM ledger_entry GROUP BY 1, 2 ORDER BY 1, 2`);
    expect(rows).toEqual([
      { partner_id: 'P-001', effective_period: '2026-07', sum: '15000' },
      { partner_id: 'P-001', effective_period: '2026-08', sum: '2000' },
      { partner_id: 'P-001', effective_period: '2026-09', sum: '3000' },
      { partner_id: 'P-002', effective_period: '2026-07', sum: '6000' },
    ]);
  });

  describe('access control', () => {
    let adjustmentKey = 0;
    /** Every /v1 endpoint, aimed at P-001's data; `own` is what P-001's key gets, P-002's key always gets 403. */
    const endpoints: { name: string; method: string; path: string; body?: () => unknown; own: number; finance: number }[] = [
      { name: 'ledger (json)', method: 'GET', path: '/v1/ledger?period=2026-07&partnerId=P-001', own: 200, finance: 200 },
      { name: 'ledger (csv export)', method: 'GET', path: '/v1/ledger?period=2026-07&partnerId=P-001&format=csv', own: 200, finance: 200 },
      { name: 'payouts (json)', method: 'GET', path: '/v1/payouts?period=2026-07', own: 403, finance: 200 },
      { name: 'payouts (csv)', method: 'GET', path: '/v1/payouts?period=2026-07&format=csv', own: 403, finance: 200 },
      { name: 'period close', method: 'POST', path: '/v1/periods/2026-06/close', own: 403, finance: 200 },
      {
        name: 'adjustments', method: 'POST', path: '/v1/adjustments', own: 403, finance: 201,
        body: () => ({ partnerId: 'P-001', amount: '1.00', currency: 'USD', reason: 'access matrix' }),
      },
      { name: 'referral', method: 'GET', path: '/v1/referrals/R-1', own: 200, finance: 200 },
      { name: 'partner referrals', method: 'GET', path: '/v1/partners/P-001/referrals', own: 200, finance: 200 },
      { name: 'partner referrals by status', method: 'GET', path: '/v1/partners/P-001/referrals?status=QUALIFIED', own: 200, finance: 200 },
    ];
    const callers: { caller: string; key: string | null; expect: (e: (typeof endpoints)[number]) => number }[] = [
      { caller: 'no key', key: null, expect: () => 401 },
      { caller: 'an unknown key', key: 'not-a-key', expect: () => 401 },
      { caller: 'finance', key: KEYS.finance, expect: (e) => e.finance },
      { caller: 'the own partner', key: KEYS.p1, expect: (e) => e.own },
      { caller: 'another partner', key: KEYS.p2, expect: () => 403 },
    ];
    const cases = endpoints.flatMap((endpoint) => callers.map((c) => [endpoint.name, c.caller, c.expect(endpoint), endpoint, c.key] as const));

    it.each(cases)('%s × %s → %i', async (_name, _caller, status, endpoint, key) => {
      const response = await api(endpoint.method, endpoint.path, {
        key,
        body: endpoint.body?.(),
        headers: endpoint.body ? { 'idempotency-key': `matrix-${++adjustmentKey}` } : {},
      });
      expect(response.status).toBe(status);
      if (status === 401) {
        expect(response.json).toMatchObject({ statusCode: 401, code: 'UNAUTHENTICATED' });
        expect(response.headers.get('www-authenticate')).toBe('Bearer');
      }
      if (status === 403) expect(response.json).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
    });

    it('gives a partner key without partnerId its own ledger only', async () => {
      const own = await api('GET', '/v1/ledger?period=2026-07', { key: KEYS.p2 });
      expect(own.status).toBe(200);
      expect(new Set(own.json.map((e: { partnerId: string }) => e.partnerId))).toEqual(new Set(['P-002']));
      const all = await api('GET', '/v1/ledger?period=2026-07', { key: KEYS.finance });
      expect(new Set(all.json.map((e: { partnerId: string }) => e.partnerId))).toEqual(new Set(['P-001', 'P-002']));
    });

    it('refuses another partner referral (403) and, for a partner key, an unknown one (403; finance gets 404)', async () => {
      expect((await api('GET', '/v1/referrals/R-2', { key: KEYS.p1 })).status).toBe(403);
      expect((await api('GET', '/v1/referrals/NOPE', { key: KEYS.p1 })).status).toBe(403);
      const missing = await api('GET', '/v1/referrals/NOPE', { key: KEYS.finance });
      expect(missing.status).toBe(404);
      expect(missing.json).toMatchObject({ code: 'NOT_FOUND' });
    });

    it('refuses a malformed Authorization header and keeps /health and /docs public', async () => {
      expect((await api('GET', '/v1/referrals/R-1', { headers: { authorization: KEYS.finance } })).status).toBe(401);
      expect((await api('GET', '/v1/referrals/R-1', { headers: { authorization: `Basic ${KEYS.finance}` } })).status).toBe(401);
      expect((await api('GET', '/V1/referrals/R-1')).status).toBe(401); // routes match case-insensitively; so does the guard
      expect((await api('GET', '/health/live')).status).toBe(200);
      expect((await api('GET', '/docs')).status).toBe(200);
    });

    it('requires the METRICS_TOKEN for /metrics when it is set, and no API key', async () => {
      for (const key of [null, KEYS.finance, 'metrics-token-api-0002']) {
        const refused = await api('GET', '/metrics', { key });
        expect(refused.status).toBe(401);
        expect(refused.headers.get('www-authenticate')).toBe('Bearer');
        expect(refused.text).not.toContain('engine_');
      }
      const scraped = await api('GET', '/metrics', { key: METRICS_TOKEN });
      expect(scraped.status).toBe(200);
      expect(scraped.headers.get('content-type')).toContain('text/plain');
      expect(scraped.text).toContain('engine_');
    });

    it("sends helmet's security headers on the API, health, metrics and OpenAPI responses", async () => {
      const responses = [
        await api('GET', '/v1/referrals/R-1', { key: KEYS.finance }),
        await api('GET', '/v1/referrals/R-1'), // 401
        await api('GET', '/health/live'),
        await api('GET', '/metrics', { key: METRICS_TOKEN }),
        await api('GET', '/docs'),
        await api('GET', '/nothing-here'), // 404 outside /v1
      ];
      for (const response of responses) {
        expect(response.headers.get('x-content-type-options')).toBe('nosniff');
        expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
        expect(response.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
        expect(response.headers.get('referrer-policy')).toBe('no-referrer');
        expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
        expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
        expect(response.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
        expect(response.headers.get('x-powered-by')).toBeNull();
      }
      // the OpenAPI UI still loads: its scripts are files under /docs, which the policy allows
      const page = responses[4].text;
      expect(page).toMatch(/<script src="[^"]*swagger-ui-init\.js"/);
      expect((await api('GET', '/docs/swagger-ui-init.js')).status).toBe(200);
    });

    it('answers readiness with up/unreachable per dependency and no driver text', async () => {
      const ready = await api('GET', '/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.json).toEqual({ status: 'ok', database: 'up', kafka: 'up', parkedEvents: 0 });
    });

    it('answers an unknown /v1 route with the API error format, and other routes as before', async () => {
      const unknown = await api('GET', '/v1/nothing-here', { key: KEYS.finance });
      expect(unknown.status).toBe(404);
      expect(unknown.json).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
      const outside = await api('GET', '/nothing-here');
      expect(outside.status).toBe(404);
      expect(outside.json).toMatchObject({ statusCode: 404, error: 'Not Found' });
    });

    it('serves an OpenAPI document generated from the DTOs', async () => {
      const doc = (await api('GET', '/docs-json')).json;
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining(['/v1/ledger', '/v1/payouts', '/v1/periods/{period}/close', '/v1/adjustments', '/v1/referrals/{referralId}', '/v1/partners/{partnerId}/referrals']),
      );
      expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['CreateAdjustmentDto', 'PeriodStatementsDto', 'ReferralViewDto', 'LedgerEntryDto']));
      expect(doc.paths['/v1/ledger'].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['period', 'partnerId', 'format']));
      expect(doc.paths['/v1/adjustments'].post.parameters.map((p: { name: string }) => p.name)).toContain('Idempotency-Key');
    });
  });

  describe('bad input → 400 naming the field', () => {
    const adjustment = { partnerId: 'P-001', amount: '5.00', currency: 'USD', reason: 'test' };
    it.each([
      ['GET', '/v1/ledger?period=2026-13', undefined, 'period', 'period must be YYYY-MM'],
      ['GET', '/v1/ledger', undefined, 'period', 'period must be YYYY-MM'],
      ['GET', '/v1/ledger?period=2026-10&format=xml', undefined, 'format', 'format must be json or csv'],
      ['GET', '/v1/ledger?period=2026-10&partnerId=%20P-001', undefined, 'partnerId', 'partnerId must be'],
      ['GET', '/v1/ledger?period=2026-10&foo=1', undefined, 'foo', 'property foo should not exist'],
      ['GET', '/v1/payouts?period=202610', undefined, 'period', 'period must be YYYY-MM'],
      ['POST', '/v1/periods/2026-1/close', undefined, 'period', 'period must be YYYY-MM'],
      ['GET', `/v1/partners/${'x'.repeat(201)}/referrals`, undefined, 'partnerId', 'partnerId must be'],
      ['GET', '/v1/partners/P-001/referrals?status=PAID', undefined, 'status', 'status must be one of SUBMITTED, SIGNED_UP, ACTIVATED, QUALIFIED, REJECTED, EXPIRED'],
      ['GET', '/v1/partners/P-001/referrals?limit=0', undefined, 'limit', 'limit must not be less than 1'],
      ['POST', '/v1/adjustments', { ...adjustment, amount: '5.001' }, 'amount', 'amount must have at most 2 decimal digits for USD'],
      ['POST', '/v1/adjustments', { ...adjustment, amount: '0.00' }, 'amount', 'amount must not be zero'],
      ['POST', '/v1/adjustments', { ...adjustment, amount: 5 }, 'amount', 'amount must be a decimal string'],
      ['POST', '/v1/adjustments', { ...adjustment, amount: '1.5', currency: 'JPY' }, 'amount', 'amount must have at most 0 decimal digits for JPY'],
      ['POST', '/v1/adjustments', { ...adjustment, currency: 'GBP' }, 'currency', 'currency must be one of USD, EUR, CNY, JPY'],
      ['POST', '/v1/adjustments', { ...adjustment, partnerId: '' }, 'partnerId', 'partnerId must be'],
      ['POST', '/v1/adjustments', { ...adjustment, reason: '   ' }, 'reason', 'reason must not be blank'],
      ['POST', '/v1/adjustments', { ...adjustment, reason: 'before\u0000after' }, 'reason', 'reason must not contain U+0000'],
      ['POST', '/v1/adjustments', { ...adjustment, reason: '\u0000' }, 'reason', 'reason must not contain U+0000'],
      ['POST', '/v1/adjustments', { ...adjustment, referralId: 'R-2' }, 'referralId', 'referralId R-2 belongs to another partner'],
      ['POST', '/v1/adjustments', { ...adjustment, referralId: 'R-404' }, 'referralId', 'referralId R-404 is not a known referral'],
      ['POST', '/v1/adjustments', { ...adjustment, extra: true }, 'extra', 'property extra should not exist'],
    ] as const)('%s %s', async (method, path, body, field, message) => {
      const response = await api(method, path, { key: KEYS.finance, body, headers: body ? { 'idempotency-key': `bad-${Math.random()}` } : {} });
      expect(response.status).toBe(400);
      expect(response.json).toMatchObject({ statusCode: 400, code: 'INVALID_INPUT', fields: expect.arrayContaining([field]) });
      expect(response.json.message).toContain(message);
    });

    it('POST /v1/adjustments without Idempotency-Key', async () => {
      const response = await api('POST', '/v1/adjustments', { key: KEYS.finance, body: adjustment });
      expect(response.status).toBe(400);
      expect(response.json).toMatchObject({ code: 'INVALID_INPUT', fields: ['Idempotency-Key'], message: 'Idempotency-Key header is required' });
    });

    it('POST /v1/adjustments with a malformed JSON body', async () => {
      const response = await api('POST', '/v1/adjustments', { key: KEYS.finance, body: '{"partnerId":', headers: { 'idempotency-key': 'malformed' } });
      expect(response.status).toBe(400);
      expect(response.json).toMatchObject({ code: 'INVALID_INPUT' });
    });
  });

  describe('adjustments', () => {
    const body = { partnerId: 'P-002', referralId: 'R-2', amount: '-7.50', currency: 'EUR', reason: 'duplicate invoice credited' };

    it('posts once per Idempotency-Key: same body → same entry (200), other body → 409, and publishes commission.accrued', async () => {
      const first = await api('POST', '/v1/adjustments', { key: KEYS.finance, body, headers: { 'idempotency-key': 'adj-1' } });
      expect(first.status).toBe(201);
      expect(first.json).toMatchObject({
        type: 'MANUAL_ADJUSTMENT', partnerId: 'P-002', referralId: 'R-2', customerId: P2_CUSTOMER, amount: '-7.50', currency: 'EUR',
        effectiveAt: '2026-10-15T12:00:00.000Z', effectivePeriod: '2026-10', bookedPeriod: '2026-10', sourceEventId: 'adjustment:adj-1',
        idempotencyKey: 'adj-1', reason: 'duplicate invoice credited',
      });

      const again = await api('POST', '/v1/adjustments', { key: KEYS.finance, body: { ...body, amount: '-7.5' }, headers: { 'idempotency-key': 'adj-1' } });
      expect(again.status).toBe(200);
      expect(again.text).toBe(first.text);

      const other = await api('POST', '/v1/adjustments', { key: KEYS.finance, body: { ...body, amount: '-8.00' }, headers: { 'idempotency-key': 'adj-1' } });
      expect(other.status).toBe(409);
      expect(other.json).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', entryId: first.json.entryId });

      const rows = await harness.query(`SELECT count(*)::int AS n FROM ledger_entry WHERE source_event_id = 'adjustment:adj-1'`);
      expect(rows[0].n).toBe(1);

      await harness.settled();
      const accrued = await harness.kafka.readTopic(harness.config.topics.accrued);
      const published = accrued.map((m) => JSON.parse(m.value!.toString('utf8'))).filter((e) => e.data.entryId === first.json.entryId);
      expect(published.length).toBeGreaterThanOrEqual(1);
      expect(published[0]).toMatchObject({
        source: 'commission-engine', type: 'commission.accrued', id: `ledger-entry:${first.json.entryId}`,
        data: { type: 'MANUAL_ADJUSTMENT', partnerId: 'P-002', amount: '-7.50', currency: 'EUR', bookedPeriod: '2026-10', sourceEventId: 'adjustment:adj-1' },
      });
      expect(accrued.find((m) => JSON.parse(m.value!.toString()).data.entryId === first.json.entryId)!.key!.toString()).toBe('P-002');
    });

    it('posts a partner-level adjustment (no referral) in JPY', async () => {
      const response = await api('POST', '/v1/adjustments', {
        key: KEYS.finance, body: { partnerId: 'P-003', amount: '+1200', currency: 'JPY', reason: 'event sponsorship' }, headers: { 'idempotency-key': 'adj-jpy' },
      });
      expect(response.status).toBe(201);
      expect(response.json).toMatchObject({ partnerId: 'P-003', referralId: null, customerId: null, amount: '1200', currency: 'JPY' });
    });

    it('serialises concurrent requests with one key into one entry', async () => {
      const concurrent = { partnerId: 'P-001', amount: '2.00', currency: 'USD', reason: 'race' };
      const responses = await Promise.all(
        Array.from({ length: 5 }, () => api('POST', '/v1/adjustments', { key: KEYS.finance, body: concurrent, headers: { 'idempotency-key': 'adj-race' } })),
      );
      expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 201]);
      expect(new Set(responses.map((r) => r.json.entryId)).size).toBe(1);
    });
  });

  describe('referral views', () => {
    it('shows a referral with status, dates, full history and totals per currency', async () => {
      const response = await api('GET', '/v1/referrals/R-1', { key: KEYS.p1 });
      expect(response.status).toBe(200);
      expect(response.json).toMatchObject({
        referralId: 'R-1', partnerId: 'P-001', customerId: 'C-1', status: 'QUALIFIED', reason: null,
        submittedAt: '2026-06-01T10:00:00.000Z', signedUpAt: '2026-06-05T10:00:00.000Z', activatedAt: '2026-06-06T10:00:00.000Z',
        qualifiedAt: '2026-07-10T10:00:00.000Z', totals: [{ currency: 'USD', amount: '200.00' }],
      });
      const history = response.json.history;
      expect(history.map((h: { sequence: number }) => h.sequence)).toEqual(history.map((_: unknown, i: number) => i + 1));
      expect(history[0]).toMatchObject({ sequence: 1, previousStatus: null });
      expect(history.at(-1)).toMatchObject({ status: 'QUALIFIED', reason: null });
      for (const h of history) expect(h.changedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    });

    it('shows a rejected referral with its reason', async () => {
      const response = await api('GET', '/v1/referrals/R-3', { key: KEYS.finance });
      expect(response.json).toMatchObject({ status: 'REJECTED', reason: 'EXCLUDED_CHANNEL', customerId: null, signedUpAt: null, totals: [] });
    });

    it("lists a partner's referrals, filtered by status and paged", async () => {
      const all = await api('GET', '/v1/partners/P-002/referrals', { key: KEYS.p2 });
      expect(all.json.referrals.map((r: { referralId: string; status: string }) => [r.referralId, r.status])).toEqual([['R-2', 'QUALIFIED'], ['R-3', 'REJECTED']]);
      expect(all.json.nextAfter).toBeNull();
      const rejected = await api('GET', '/v1/partners/P-002/referrals?status=REJECTED', { key: KEYS.finance });
      expect(rejected.json.referrals.map((r: { referralId: string }) => r.referralId)).toEqual(['R-3']);
      const page1 = await api('GET', '/v1/partners/P-002/referrals?limit=1', { key: KEYS.finance });
      expect(page1.json).toMatchObject({ referrals: [{ referralId: 'R-2' }], nextAfter: 'R-2' });
      const page2 = await api('GET', '/v1/partners/P-002/referrals?limit=1&after=R-2', { key: KEYS.finance });
      expect(page2.json).toMatchObject({ referrals: [{ referralId: 'R-3' }], nextAfter: null });
      const none = await api('GET', '/v1/partners/P-999/referrals', { key: KEYS.finance });
      expect(none.json).toEqual({ partnerId: 'P-999', referrals: [], nextAfter: null });
    });
  });

  describe('CSV bytes', () => {
    it('exports the ledger with the exact header, RFC 4180 quoting and decimal strings', async () => {
      const response = await api('GET', '/v1/ledger?period=2026-07&partnerId=P-002&format=csv', { key: KEYS.finance });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      const rows = await harness.query(
        `SELECT entry_id::text, type, source_event_id, created_at FROM ledger_entry WHERE partner_id = 'P-002' AND booked_period = '2026-07' ORDER BY entry_id`,
      );
      const expected =
        'entry_id,booked_period,effective_period,partner_id,referral_id,customer_id,type,amount,currency,source_event_id,effective_at,created_at,program_id,program_version,release_at\r\n' +
        rows
          .map((r) => {
            const amount = ({ QUALIFICATION_BONUS: '50.00', USAGE_COMMISSION: '10.00' } as Record<string, string>)[r.type];
            return `${r.entry_id},2026-07,2026-07,P-002,R-2,"C-2,""beta""",${r.type},${amount},EUR,${r.source_event_id},2026-07-12T10:00:00.000Z,${r.created_at.toISOString()},standard,1,2026-07-12T10:00:00.000Z\r\n`;
          })
          .join('');
      expect(rows.length).toBe(2);
      expect(response.text).toBe(expected);
    });

    it('renders amounts in SQL exactly as formatAmount does, for every currency', async () => {
      const amounts = [1n, -1n, 5n, -5n, 9n, 10n, 99n, 100n, -100n, 101n, 1230n, -1230n, 12345n, 999999n, 10n ** 14n, -(10n ** 14n) - 7n];
      for (const currency of CURRENCIES) {
        const rows = await harness.query(`SELECT ${amountSql('a', 'c')} AS text FROM unnest($1::int8[]) AS a, (SELECT $2::text AS c) AS k`, [amounts.map(String), currency]);
        expect(rows.map((r) => r.text)).toEqual(amounts.map((a) => formatAmount(a, currency)));
      }
    });

    it('exports the ledger as a streamed JSON array with the same entries', async () => {
      const csv = await api('GET', '/v1/ledger?period=2026-07&format=csv', { key: KEYS.finance });
      const json = await api('GET', '/v1/ledger?period=2026-07', { key: KEYS.finance });
      expect(json.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(json.json.length).toBe(csv.text.split('\r\n').length - 2);
      expect(json.json.map((e: { entryId: string }) => e.entryId)).toEqual(csv.text.split('\r\n').slice(1, -1).map((l) => l.split(',')[0]));
      const empty = await api('GET', '/v1/ledger?period=2020-01', { key: KEYS.finance });
      expect(empty.json).toEqual([]);
      const emptyCsv = await api('GET', '/v1/ledger?period=2020-01&format=csv', { key: KEYS.finance });
      expect(emptyCsv.text).toBe('entry_id,booked_period,effective_period,partner_id,referral_id,customer_id,type,amount,currency,source_event_id,effective_at,created_at,program_id,program_version,release_at\r\n');
    });
  });

  describe('period close, carry-forward and a late event', () => {
    const close = (period: string) => api('POST', `/v1/periods/${period}/close`, { key: KEYS.finance });
    const payouts = (period: string, format = 'json') => api('GET', `/v1/payouts?period=${period}&format=${format}`, { key: KEYS.finance });

    it('refuses a month the engine clock has not finished', async () => {
      const response = await close('2026-10');
      expect(response.status).toBe(409);
      expect(response.json).toMatchObject({ code: 'PERIOD_NOT_ENDED', period: '2026-10' });
      expect(response.json.message).toContain('2026-11-01T00:00:00.000Z');
    });

    it('refuses a month while an earlier month with entries is open', async () => {
      const response = await close('2026-08');
      expect(response.status).toBe(409);
      expect(response.json).toMatchObject({ code: 'EARLIER_PERIOD_OPEN', openPeriods: ['2026-07'] });
      expect(response.json.message).toContain('2026-07');
    });

    it('shows provisional statements for an open month', async () => {
      const response = await payouts('2026-07');
      expect(response.json).toMatchObject({ period: '2026-07', closed: false, closedAt: null });
      expect(response.json.statements.every((s: { closed: boolean }) => !s.closed)).toBe(true);
    });

    it('closes a month once; repeating the close returns the same statements', async () => {
      const first = await close('2026-07');
      expect(first.status).toBe(200);
      expect(first.json).toMatchObject({
        period: '2026-07',
        closed: true,
        statements: [
          { period: '2026-07', partnerId: 'P-001', currency: 'USD', opening: '0.00', net: '150.00', closing: '150.00', payable: '150.00', carried: '0.00', closed: true },
          { period: '2026-07', partnerId: 'P-002', currency: 'EUR', opening: '0.00', net: '60.00', closing: '60.00', payable: '60.00', carried: '0.00', closed: true },
        ],
      });
      const second = await close('2026-07');
      expect(second.status).toBe(200);
      expect(second.text).toBe(first.text);
      expect((await payouts('2026-07')).text).toBe(first.text);
    });

    it('exports the payout statements as CSV, byte for byte', async () => {
      const response = await payouts('2026-07', 'csv');
      expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(response.text).toBe(
        'period,partner_id,currency,opening,net,closing,payable,carried,closed,held,available\r\n' +
          '2026-07,P-001,USD,0.00,150.00,150.00,150.00,0.00,true,0.00,150.00\r\n' +
          '2026-07,P-002,EUR,0.00,60.00,60.00,60.00,0.00,true,0.00,60.00\r\n',
      );
    });

    it('carries a balance under the minimum payout into the next period', async () => {
      const august = await close('2026-08');
      expect(august.json.statements).toEqual([
        { period: '2026-08', partnerId: 'P-001', currency: 'USD', opening: '0.00', net: '20.00', closing: '20.00', held: '0.00', available: '20.00', payable: '0.00', carried: '20.00', closed: true },
      ]);
      const provisional = await payouts('2026-09');
      expect(provisional.json).toMatchObject({ closed: false });
      expect(provisional.json.statements).toEqual([
        { period: '2026-09', partnerId: 'P-001', currency: 'USD', opening: '20.00', net: '30.00', closing: '50.00', held: '0.00', available: '50.00', payable: '50.00', carried: '0.00', closed: false },
      ]);
      const september = await close('2026-09');
      expect(september.json.statements).toEqual([{ ...provisional.json.statements[0], closed: true }]);
    });

    it('books a late event of a closed month into the earliest open month and never changes the closed statements', async () => {
      const before = { json: (await payouts('2026-08')).text, csv: (await payouts('2026-08', 'csv')).text, ledger: (await api('GET', '/v1/ledger?period=2026-08&format=csv', { key: KEYS.finance })).text };
      const octoberBefore = await payouts('2026-10');

      await harness.publish([events.usage('C-1', 'L-4', '100.00', 'USD', '2026-08-20T10:00:00Z')]);
      await harness.settled();

      const [late] = await harness.query(`SELECT entry_id::text, effective_period, booked_period, amount::text FROM ledger_entry WHERE customer_id = 'C-1' AND effective_at = '2026-08-20T10:00:00Z'`);
      expect(late).toMatchObject({ effective_period: '2026-08', booked_period: '2026-10', amount: '1000' });

      expect((await payouts('2026-08')).text).toBe(before.json);
      expect((await payouts('2026-08', 'csv')).text).toBe(before.csv);
      expect((await api('GET', '/v1/ledger?period=2026-08&format=csv', { key: KEYS.finance })).text).toBe(before.ledger);

      const octoberLedger = await api('GET', '/v1/ledger?period=2026-10&partnerId=P-001', { key: KEYS.p1 });
      expect(octoberLedger.json.find((e: { entryId: string }) => e.entryId === late.entry_id)).toMatchObject({ bookedPeriod: '2026-10', effectivePeriod: '2026-08', amount: '10.00' });
      const usdBefore = octoberBefore.json.statements.find((s: { partnerId: string; currency: string }) => s.partnerId === 'P-001' && s.currency === 'USD');
      const usdAfter = (await payouts('2026-10')).json.statements.find((s: { partnerId: string; currency: string }) => s.partnerId === 'P-001' && s.currency === 'USD');
      expect(Number(usdAfter.net) - Number(usdBefore.net)).toBeCloseTo(10, 2);
    });

    it('shows provisional October statements chained from the closed ones, with adjustments', async () => {
      const october = await payouts('2026-10');
      expect(october.json).toMatchObject({ period: '2026-10', closed: false });
      const byKey = Object.fromEntries(october.json.statements.map((s: { partnerId: string; currency: string }) => [`${s.partnerId}/${s.currency}`, s]));
      // P-001 USD: 10.00 late commission + 1.00 matrix adjustment + 2.00 race adjustment; P-002 EUR: −7.50; P-003 JPY: 1200
      expect(byKey['P-001/USD']).toMatchObject({ opening: '0.00', net: '13.00', payable: '0.00', carried: '13.00', closed: false });
      expect(byKey['P-002/EUR']).toMatchObject({ opening: '0.00', net: '-7.50', closing: '-7.50', payable: '0.00', carried: '-7.50' });
      expect(byKey['P-003/JPY']).toMatchObject({ net: '1200', payable: '0', carried: '1200' });
    });

    it('refuses to close a month before a closed one (409 PERIOD_BEFORE_CLOSED naming the latest closed month), and the month stays open', async () => {
      // 2026-06 (closed by the access matrix, alone: the ledger starts in July) to 2026-09 are closed; May never was.
      const response = await close('2026-05');
      expect(response.status).toBe(409);
      expect(response.json).toMatchObject({ statusCode: 409, code: 'PERIOD_BEFORE_CLOSED', period: '2026-05', closedPeriod: '2026-09' });
      expect(response.json.message).toContain('2026-09');
      expect((await payouts('2026-05')).json).toMatchObject({ period: '2026-05', closed: false });
      const closed = await harness.query(`SELECT period FROM accounting_period ORDER BY period`);
      expect(closed.map((r) => r.period)).toEqual(['2026-06', '2026-07', '2026-08', '2026-09']);
      expect((await close('2026-06')).status).toBe(200); // a closed month still answers with its statements
    });
  });

  describe('CSV formula injection', () => {
    const PARTNER = '=HYPERLINK("http://x","y")';
    const CUSTOMER = '@SUM(1)';
    const EVENT_ID = '-2+3+cmd|calc!A0';

    beforeAll(async () => {
      const usage = events.usage(CUSTOMER, 'X-1', '100.00', 'USD', '2026-10-05T10:00:00Z');
      usage.value = JSON.stringify({ ...JSON.parse(usage.value as string), id: EVENT_ID });
      await harness.publish([
        cloudEvent('partner.referrals.v1', 'R-X', 'partner-portal', 'referral.submitted', '2026-10-01T10:00:00Z', {
          referralId: 'R-X', partnerId: PARTNER, partnerDomain: 'injector.partner.example', prospect: { companyName: 'Injection', emailDomain: 'injection.example' }, channel: 'event',
        }),
        events.signedUp(CUSTOMER, 'injection.example', 'R-X', '2026-10-02T10:00:00Z'),
        events.activated(CUSTOMER, '2026-10-03T10:00:00Z'),
        usage,
      ]);
      await harness.settled();
      const adjustment = await api('POST', '/v1/adjustments', {
        key: KEYS.finance, body: { partnerId: PARTNER, referralId: 'R-X', amount: '-12.30', currency: 'USD', reason: '=1+1' }, headers: { 'idempotency-key': 'inject-1' },
      });
      expect(adjustment.status).toBe(201);
    });

    it('neutralises the text cells of the ledger CSV and leaves negative amounts as they are', async () => {
      const response = await api('GET', `/v1/ledger?period=2026-10&partnerId=${encodeURIComponent(PARTNER)}&format=csv`, { key: KEYS.finance });
      expect(response.status).toBe(200);
      const lines = response.text.split('\r\n').slice(1, -1);
      expect(lines.length).toBe(3); // bonus, usage commission, adjustment
      for (const line of lines) {
        expect(line).toContain(`,"'=HYPERLINK(""http://x"",""y"")",R-X,'@SUM(1),`);
        expect(line).not.toMatch(/,=|,@|,\+/); // no cell starts with a formula trigger…
      }
      const adjustment = lines.find((l) => l.includes('MANUAL_ADJUSTMENT'))!;
      expect(adjustment).toContain(',MANUAL_ADJUSTMENT,-12.30,USD,adjustment:inject-1,'); // …but the amount keeps its sign
      expect(lines.filter((l) => l.includes(`,'${EVENT_ID},`)).length).toBe(2); // the usage event's id, on both of its entries
    });

    it('keeps the values as they are in JSON, which no spreadsheet evaluates', async () => {
      const response = await api('GET', `/v1/ledger?period=2026-10&partnerId=${encodeURIComponent(PARTNER)}`, { key: KEYS.finance });
      expect(response.json.map((e: { partnerId: string; customerId: string }) => [e.partnerId, e.customerId])).toEqual([
        [PARTNER, CUSTOMER], [PARTNER, CUSTOMER], [PARTNER, CUSTOMER],
      ]);
      expect(response.json.find((e: { type: string }) => e.type === 'MANUAL_ADJUSTMENT').amount).toBe('-12.30');
    });

    it('neutralises the partner id of the payouts CSV', async () => {
      const response = await api('GET', '/v1/payouts?period=2026-10&format=csv', { key: KEYS.finance });
      const line = response.text.split('\r\n').find((l) => l.includes('HYPERLINK'));
      expect(line).toBe(`2026-10,"'=HYPERLINK(""http://x"",""y"")",USD,0.00,47.70,47.70,0.00,47.70,false,0.00,47.70`);
    });

    it('neutralises in SQL exactly as neutraliseFormula does', async () => {
      const texts = ['=1', '+1', '-1', '@a', '\tx', '\rx', '\nx', ' =1', "'=1", 'a=b', '', 'P-001', '-12.30', '=', '＝1'];
      const rows = await harness.query(`SELECT ${neutralisedSql('t')} AS text FROM unnest($1::text[]) WITH ORDINALITY AS u(t, i) ORDER BY i`, [texts]);
      expect(rows.map((r) => r.text)).toEqual(texts.map(neutraliseFormula));
      expect((await harness.query(`SELECT ${neutralisedSql('NULL::text')} AS text`))[0].text).toBeNull();
    });
  });
});
