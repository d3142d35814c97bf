import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DLQ_HEADERS } from '@engine/contracts';
import { cloudEvents as ce, ScenarioMessage } from '@engine/testing';
import { apiClient } from './support/api-client';
import { EngineHarness } from './support/engine-harness';

/**
 * Payout orders end to end (CONTRACT §10) on the real broker and database: a close creates an order per paid
 * statement (PENDING on payout.status.v1); its outcome comes from the payment system's topic or from finance's API,
 * the earliest one wins whichever way it came and however late it arrives; a failure gives the money back in the
 * ledger, and a late earlier PAID takes that back; the balance follows the orders.
 *
 * One partner, P-PAY, earns under `standard` (holding 0) in 2026-10 (110.00) and 2026-11 (70.00), and under a
 * program with a 30-day holding period on 2026-12-01 (70.00, held until 2026-12-31). The engine's clock stands at
 * 2026-12-15, so both months can be closed and December stays open. The steps run in order and build on each other.
 */
const NOW = '2026-12-15T00:00:00Z';
const NOW_ISO = '2026-12-15T00:00:00.000Z';
const KEYS = { finance: 'fin-key-payouts-0001', partner: 'p-key-payouts-0001', other: 'o-key-payouts-0001' };
const OCT = '2026-10:P-PAY:USD';
const NOV = '2026-11:P-PAY:USD';
const ORDERS_CSV_HEADER = 'payout_id,period,partner_id,currency,amount,status,reference,reason,outcome_at,created_at,updated_at';

/** EMEA-north submissions bind here: 10% / 15% like standard, but positive amounts are held 30 days. */
const HELD = {
  programId: 'held-north', name: 'Held north', priority: 10,
  scope: { regions: ['eu-north-9'], partnerGroups: null },
  versions: [{
    version: 1, effectiveFrom: '2026-01-01T00:00:00Z', terms: {
      attributionWindowDays: 90, activationWindowDays: 30, qualificationWindowDays: 90, commissionWindowDays: 365, expiryGraceDays: 7, holdingPeriodDays: 30,
      excludedChannels: [], excludedProductPrefixes: [], baseRateBps: 1000, upperRateBps: 1500,
      currencies: { USD: { qualificationThreshold: '100.00', bonus: '50.00', tierBoundary: '10000.00', commissionCap: '5000.00' } },
    },
  }],
};

/** A message whose data is changed (e.g. a required field removed), keeping envelope, topic and key. */
function withData(message: ScenarioMessage, change: (data: Record<string, unknown>) => void): ScenarioMessage {
  const event = JSON.parse(message.value);
  change(event.data);
  return { ...message, value: JSON.stringify(event) };
}

describe('payout orders on Kafka and PostgreSQL', () => {
  let harness: EngineHarness;
  const api = apiClient(() => harness.baseUrl);
  const finance = { key: KEYS.finance };
  const dir = mkdtempSync(join(tmpdir(), 'payouts-programs-'));
  const programsFile = join(dir, 'programs.json');

  async function publish(...messages: ScenarioMessage[]): Promise<void> {
    await harness.publish(messages);
    await harness.settled();
  }

  const path = (payoutId: string, outcome: 'paid' | 'failed') => `/v1/payout-orders/${encodeURIComponent(payoutId)}/${outcome}`;
  const order = async (period: string, payoutId: string) =>
    (await api('GET', `/v1/payout-orders?period=${period}`, finance)).json.payoutOrders.find((o: { payoutId: string }) => o.payoutId === payoutId);

  /** The order's events on payout.status.v1 (deduplicated by id, in sequence order). */
  async function statusStream(payoutId: string) {
    const byId = new Map<string, any>();
    for (const m of await harness.kafka.readTopic(harness.config.topics.payoutStatus)) {
      const event = JSON.parse(m.value!.toString());
      if (event.data.payoutId === payoutId) byId.set(event.id, event);
    }
    return [...byId.values()]
      .sort((a, b) => a.data.sequence - b.data.sequence)
      .map((e) => ({ id: e.id, sequence: e.data.sequence, status: e.data.status, previousStatus: e.data.previousStatus, reason: e.data.reason ?? null, amount: e.data.amount }));
  }

  /** P-PAY's partner-level entries (payout returns and their corrections). */
  const returns = () =>
    harness.query<{ type: string; amount: string; effective_at: string; booked_period: string; source_event_id: string; released: boolean }>(
      `SELECT type, amount::text, effective_at AT TIME ZONE 'UTC' || '' AS effective_at, booked_period, source_event_id, release_at = effective_at AS released
         FROM ledger_entry WHERE partner_id = 'P-PAY' AND referral_id IS NULL ORDER BY entry_id`);

  beforeAll(async () => {
    writeFileSync(programsFile, JSON.stringify({ programs: [HELD] }));
    harness = await EngineHarness.create({
      label: 'payouts', engineNow: NOW,
      env: { API_KEYS: `${KEYS.finance}:finance,${KEYS.partner}:partner:P-PAY,${KEYS.other}:partner:P-OTHER`, PROGRAMS_FILE: programsFile },
    });
    await harness.start();
    await publish(
      // standard: 600.00 on 2026-10-10 qualifies (bonus 50.00 + 60.00); 700.00 on 2026-11-10 earns 70.00
      ce.submitted({ referralId: 'R-PAY-1', partnerId: 'P-PAY', domain: 'pay-one.example', time: '2026-09-01T00:00:00Z' }),
      ce.signedUp({ customerId: 'C-PAY-1', domain: 'pay-one.example', referralCode: 'R-PAY-1', time: '2026-09-05T00:00:00Z' }),
      ce.activated({ customerId: 'C-PAY-1', time: '2026-09-06T00:00:00Z' }),
      ce.usage({ customerId: 'C-PAY-1', invoiceLineId: 'PAY-L1', amount: '600.00', time: '2026-10-10T00:00:00Z' }),
      ce.usage({ customerId: 'C-PAY-1', invoiceLineId: 'PAY-L2', amount: '700.00', time: '2026-11-10T00:00:00Z' }),
      // held-north: 200.00 on 2026-12-01 qualifies (bonus 50.00 + 20.00), held until 2026-12-31
      ce.submitted({ referralId: 'R-PAY-2', partnerId: 'P-PAY', domain: 'pay-two.example', region: 'eu-north-9', time: '2026-11-01T00:00:00Z' }),
      ce.signedUp({ customerId: 'C-PAY-2', domain: 'pay-two.example', referralCode: 'R-PAY-2', time: '2026-11-02T00:00:00Z' }),
      ce.activated({ customerId: 'C-PAY-2', time: '2026-11-03T00:00:00Z' }),
      ce.usage({ customerId: 'C-PAY-2', invoiceLineId: 'PAY-L3', amount: '200.00', time: '2026-12-01T00:00:00Z' }),
    );
  });

  afterAll(async () => {
    await harness?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('closing 2026-10 creates a PENDING order for the payable and announces it', async () => {
    const close = await api('POST', '/v1/periods/2026-10/close', finance);
    expect(close.status).toBe(200);
    expect(close.json.statements).toEqual([expect.objectContaining({ partnerId: 'P-PAY', currency: 'USD', closing: '110.00', held: '0.00', payable: '110.00' })]);

    expect((await api('GET', '/v1/payout-orders?period=2026-10', finance)).json).toEqual({
      payoutOrders: [{
        payoutId: OCT, period: '2026-10', partnerId: 'P-PAY', currency: 'USD', amount: '110.00', status: 'PENDING',
        reference: null, reason: null, outcomeAt: null, createdAt: NOW_ISO, updatedAt: NOW_ISO,
      }],
    });
    await harness.settled();
    expect(await statusStream(OCT)).toEqual([{ id: `payout-status:${OCT}:1`, sequence: 1, status: 'PENDING', previousStatus: null, reason: null, amount: '110.00' }]);
  });

  it('a payout.paid published before its order exists is applied when 2026-11 closes (PENDING then PAID)', async () => {
    const paid = ce.payoutPaid({ payoutId: NOV, time: '2026-12-02T00:00:00Z', reference: 'BANK-NOV' });
    await publish(paid);
    expect((await api('GET', '/v1/payout-orders?period=2026-11', finance)).json).toEqual({ payoutOrders: [] });
    expect(await harness.query(`SELECT type, payout_id, reference FROM input_event WHERE payout_id = $1`, [NOV])).toEqual([{ type: 'payout.paid', payout_id: NOV, reference: 'BANK-NOV' }]);

    const close = await api('POST', '/v1/periods/2026-11/close', finance);
    expect(close.json.statements).toEqual([expect.objectContaining({ partnerId: 'P-PAY', opening: '0.00', net: '70.00', payable: '70.00' })]);
    expect(await order('2026-11', NOV)).toEqual({
      payoutId: NOV, period: '2026-11', partnerId: 'P-PAY', currency: 'USD', amount: '70.00', status: 'PAID',
      reference: 'BANK-NOV', reason: null, outcomeAt: '2026-12-02T00:00:00.000Z', createdAt: NOW_ISO, updatedAt: NOW_ISO,
    });
    await harness.settled();
    expect(await statusStream(NOV)).toEqual([
      { id: `payout-status:${NOV}:1`, sequence: 1, status: 'PENDING', previousStatus: null, reason: null, amount: '70.00' },
      { id: `payout-status:${NOV}:2`, sequence: 2, status: 'PAID', previousStatus: 'PENDING', reason: null, amount: '70.00' },
    ]);
  });

  it('POST …/failed fails the order and returns its amount to the partner, booked in the first open period', async () => {
    const failed = await api('POST', path(OCT, 'failed'), { ...finance, body: { reason: 'account closed' } });
    expect(failed.status).toBe(200);
    expect(failed.json).toEqual({
      payoutId: OCT, period: '2026-10', partnerId: 'P-PAY', currency: 'USD', amount: '110.00', status: 'FAILED',
      reference: null, reason: 'account closed', outcomeAt: NOW_ISO, createdAt: NOW_ISO, updatedAt: NOW_ISO,
    });
    // the outcome is an input event of the API's own source, at the engine clock
    expect(await harness.query(`SELECT source, event_id, type, time_ms::text, reason, topic, kafka_partition, kafka_offset::text FROM input_event WHERE payout_id = $1`, [OCT])).toEqual([{
      source: 'commission-engine/api', event_id: `api:${OCT}:failed`, type: 'payout.failed', time_ms: String(Date.parse(NOW)), reason: 'account closed',
      topic: 'api', kafka_partition: -1, kafka_offset: '-1',
    }]);
    expect(await returns()).toEqual([
      { type: 'PAYOUT_RETURNED', amount: '11000', effective_at: '2026-12-15 00:00:00', booked_period: '2026-12', source_event_id: `api:${OCT}:failed`, released: true },
    ]);
    await harness.settled();
    expect((await statusStream(OCT)).slice(1)).toEqual([
      { id: `payout-status:${OCT}:2`, sequence: 2, status: 'FAILED', previousStatus: 'PENDING', reason: 'account closed', amount: '110.00' },
    ]);
    const accrued = (await harness.kafka.readTopic(harness.config.topics.accrued)).map((m) => JSON.parse(m.value!.toString()).data);
    expect(accrued.filter((d) => d.type === 'PAYOUT_RETURNED')).toEqual([
      expect.objectContaining({ partnerId: 'P-PAY', referralId: null, amount: '110.00', currency: 'USD', bookedPeriod: '2026-12', sourceEventId: `api:${OCT}:failed` }),
    ]);

    // The contract's formula, literally: the failed order is neither pending nor paid, and its return is earned again.
    // earned 110.00 + 70.00 + 110.00 (return) + 70.00 (held-north) = 360.00; available = 360.00 − 70.00 − 0.00 − 70.00
    expect((await api('GET', '/v1/partners/P-PAY/balance', finance)).json).toEqual({
      partnerId: 'P-PAY', at: NOW_ISO,
      balances: [{ currency: 'USD', earned: '360.00', held: '70.00', pending: '0.00', paid: '70.00', failed: '110.00', available: '220.00' }],
    });
  });

  it('repeating the failure is a no-op (200, nothing written); a PAID for it is refused (409) and listed as an anomaly', async () => {
    const before = await order('2026-10', OCT);
    const again = await api('POST', path(OCT, 'failed'), { ...finance, body: { reason: 'account closed, second try' } });
    expect(again.status).toBe(200);
    expect(again.json).toEqual(before);

    const paid = await api('POST', path(OCT, 'paid'), { ...finance, body: { reference: 'BANK-LATE' } });
    expect(paid.status).toBe(409);
    expect(paid.json).toMatchObject({ statusCode: 409, code: 'PAYOUT_OUTCOME_CONFLICT', payoutId: OCT, status: 'FAILED' });
    expect(paid.json.message).toContain('FAILED');
    expect(await harness.query(`SELECT source, event_id, code FROM anomaly WHERE code = 'PAYOUT_OUTCOME_CONFLICT'`)).toEqual([
      { source: 'commission-engine/api', event_id: `api:${OCT}:paid`, code: 'PAYOUT_OUTCOME_CONFLICT' },
    ]);

    expect(await order('2026-10', OCT)).toEqual(before);
    expect(await harness.query(`SELECT event_id FROM input_event WHERE payout_id = $1`, [OCT])).toEqual([{ event_id: `api:${OCT}:failed` }]);
    expect(await returns()).toHaveLength(1);
    await harness.settled();
    expect((await statusStream(OCT)).map((e) => e.sequence)).toEqual([1, 2]);
  });

  it('a late payout.paid dated before the failure makes the order PAID and takes the return back', async () => {
    const paid = ce.payoutPaid({ payoutId: OCT, time: '2026-12-01T00:00:00Z', reference: 'BANK-OCT' });
    await publish(paid);
    expect(await order('2026-10', OCT)).toMatchObject({ status: 'PAID', reference: 'BANK-OCT', reason: null, outcomeAt: '2026-12-01T00:00:00.000Z' });
    // corrected at the effective time of what it corrects
    expect(await returns()).toEqual([
      { type: 'PAYOUT_RETURNED', amount: '11000', effective_at: '2026-12-15 00:00:00', booked_period: '2026-12', source_event_id: `api:${OCT}:failed`, released: true },
      { type: 'CORRECTION', amount: '-11000', effective_at: '2026-12-15 00:00:00', booked_period: '2026-12', source_event_id: JSON.parse(paid.value).id, released: true },
    ]);
    expect((await statusStream(OCT)).slice(2)).toEqual([
      { id: `payout-status:${OCT}:3`, sequence: 3, status: 'PAID', previousStatus: 'FAILED', reason: null, amount: '110.00' },
    ]);
    // the API's failure is now the later, contradicting outcome
    expect(await harness.query(`SELECT source, event_id FROM anomaly WHERE code = 'PAYOUT_OUTCOME_CONFLICT' ORDER BY event_id`)).toEqual([
      { source: 'commission-engine/api', event_id: `api:${OCT}:failed` },
      { source: 'commission-engine/api', event_id: `api:${OCT}:paid` },
    ]);
    // and finance's PAID is now a repeat (a body is optional: reference is)
    const repeat = await api('POST', path(OCT, 'paid'), finance);
    expect(repeat).toMatchObject({ status: 200, json: { status: 'PAID', reference: 'BANK-OCT' } });
  });

  it('the balance: earned, held, pending, paid and available per currency at the engine clock', async () => {
    // earned 110.00 + 70.00 + 110.00 − 110.00 + 70.00 = 250.00; held 70.00 (held-north until 2026-12-31); paid 110.00 + 70.00
    const expected = {
      partnerId: 'P-PAY', at: NOW_ISO,
      balances: [{ currency: 'USD', earned: '250.00', held: '70.00', pending: '0.00', paid: '180.00', failed: '0.00', available: '0.00' }],
    };
    expect((await api('GET', '/v1/partners/P-PAY/balance', finance)).json).toEqual(expected);
    expect((await api('GET', '/v1/partners/P-NOBODY/balance', finance)).json).toEqual({ partnerId: 'P-NOBODY', at: NOW_ISO, balances: [] });
    expect((await api('GET', `/v1/partners/${'x'.repeat(201)}/balance`, finance)).json).toMatchObject({ statusCode: 400, fields: ['partnerId'] });
  });

  it('a partner key sees its own balance and orders, and nothing of another partner or of finance', async () => {
    const partner = { key: KEYS.partner };
    expect((await api('GET', '/v1/partners/P-PAY/balance', partner)).json.balances).toHaveLength(1);
    const orders = await api('GET', '/v1/partners/P-PAY/payout-orders', partner);
    expect(orders.status).toBe(200);
    expect(orders.json.payoutOrders.map((o: { payoutId: string; status: string }) => [o.payoutId, o.status])).toEqual([[OCT, 'PAID'], [NOV, 'PAID']]);
    expect((await api('GET', '/v1/partners/P-PAY/payout-orders?period=2026-11&status=PAID', partner)).json.payoutOrders.map((o: { payoutId: string }) => o.payoutId)).toEqual([NOV]);

    for (const url of ['/v1/partners/P-OTHER/balance', '/v1/partners/P-OTHER/payout-orders']) {
      expect((await api('GET', url, partner)).status).toBe(403);
      expect((await api('GET', url.replace('P-OTHER', 'P-PAY'), { key: KEYS.other })).status).toBe(403);
    }
    expect((await api('GET', '/v1/payout-orders?period=2026-10', partner)).status).toBe(403);
    expect((await api('POST', path(OCT, 'failed'), { ...partner, body: { reason: 'x' } })).status).toBe(403);
    expect((await api('GET', '/v1/partners/P-PAY/balance')).status).toBe(401);
  });

  it('lists a period\'s orders as CSV, filters by status, and refuses bad input naming the field', async () => {
    const csv = await api('GET', '/v1/payout-orders?period=2026-10&format=csv', finance);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.text).toBe(
      `${ORDERS_CSV_HEADER}\r\n` +
        `${OCT},2026-10,P-PAY,USD,110.00,PAID,BANK-OCT,,2026-12-01T00:00:00.000Z,${NOW_ISO},${NOW_ISO}\r\n`,
    );
    expect((await api('GET', '/v1/payout-orders?period=2026-10&status=PENDING', finance)).json).toEqual({ payoutOrders: [] });
    expect((await api('GET', '/v1/payout-orders?period=2026-10&status=PAID', finance)).json.payoutOrders).toHaveLength(1);

    const bad = async (method: string, url: string, body?: unknown) => (await api(method, url, { ...finance, body })).json;
    expect(await bad('GET', '/v1/payout-orders')).toMatchObject({ statusCode: 400, code: 'INVALID_INPUT', fields: ['period'] });
    expect(await bad('GET', '/v1/payout-orders?period=2026-10&status=LOST')).toMatchObject({ statusCode: 400, fields: ['status'] });
    expect(await bad('POST', path(OCT, 'failed'), {})).toMatchObject({ statusCode: 400, fields: ['reason'] });
    expect(await bad('POST', path(OCT, 'failed'), { reason: '   ' })).toMatchObject({ statusCode: 400, fields: ['reason'] });
    expect(await bad('POST', path(OCT, 'failed'), { reason: 'x'.repeat(1001) })).toMatchObject({ statusCode: 400, fields: ['reason'] });
    expect(await bad('POST', path(OCT, 'paid'), { reference: 'x'.repeat(201) })).toMatchObject({ statusCode: 400, fields: ['reference'] });
    expect(await bad('POST', path(OCT, 'paid'), { reference: 'a\u0000b' })).toMatchObject({ statusCode: 400, fields: ['reference'] });
    expect(await bad('POST', path('2026-10:P-NONE:USD', 'paid'), {})).toMatchObject({ statusCode: 404, code: 'NOT_FOUND', payoutId: '2026-10:P-NONE:USD' });

    const doc = (await api('GET', '/docs-json')).json;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([
      '/v1/payout-orders', '/v1/payout-orders/{payoutId}/paid', '/v1/payout-orders/{payoutId}/failed', '/v1/partners/{partnerId}/payout-orders', '/v1/partners/{partnerId}/balance',
    ]));
  });

  it('dead-letters a payout event without payoutId (INVALID_DATA naming it)', async () => {
    const bad = withData(ce.payoutPaid({ payoutId: NOV, time: '2026-12-03T00:00:00Z', reference: 'BANK-X' }), (d) => delete d.payoutId);
    await publish(bad);
    const dlq = (await harness.kafka.readTopic(harness.config.topics.dlq)).filter((m) => m.value!.toString() === bad.value);
    expect(dlq.map((m) => [m.headers[DLQ_HEADERS.code], m.headers[DLQ_HEADERS.topic]])).toEqual([['INVALID_DATA', harness.config.topics.payouts]]);
    expect(dlq[0].headers[DLQ_HEADERS.message]).toContain('payoutId');
    expect(await order('2026-11', NOV)).toMatchObject({ status: 'PAID', reference: 'BANK-NOV' });
  });
});
