import { Currency, formatAmount } from '@engine/domain';
import { cloudEvents as ce } from '@engine/testing';
import { apiClient } from './support/api-client';
import { EngineHarness } from './support/engine-harness';

/**
 * The explanation of a referral (CONTRACT §8 "Explanation") and a partner's standing (§9), over the real broker and
 * database: the explanation's amounts must sum to what the ledger holds for the referral, and its text must name the
 * program and the rejection reason a support agent would quote.
 */
const KEYS = { finance: 'fin-key-explain-0000', gold: 'partner-gold-key-000', suspended: 'partner-susp-key-000' };

describe('referral explanation and partner standing', () => {
  let harness: EngineHarness;
  const api = apiClient(() => harness.baseUrl);

  beforeAll(async () => {
    harness = await EngineHarness.create({
      label: 'explanation',
      engineNow: '2026-10-15T00:00:00Z',
      env: { API_KEYS: `${KEYS.finance}:finance,${KEYS.gold}:partner:P-GOLD,${KEYS.suspended}:partner:P-SUSP` },
    });
    await harness.start();
    // the partner feed first, so that the submissions are decided under these standings on the first pass
    await harness.publish([
      ce.partnerApproved({ partnerId: 'P-GOLD', group: 'gold', time: '2026-03-01T00:00:00Z', id: 'pa-gold' }),
      ce.partnerApproved({ partnerId: 'P-SUSP', time: '2026-03-01T00:00:00Z', id: 'pa-susp' }),
      ce.partnerSuspended({ partnerId: 'P-SUSP', reason: 'compliance review', time: '2026-03-05T00:00:00Z', id: 'ps-susp' }),
      ce.partnerApproved({ partnerId: 'P-TERM', time: '2026-02-01T00:00:00Z', id: 'pa-term' }),
      ce.partnerTerminated({ partnerId: 'P-TERM', reason: 'fraud', time: '2026-05-01T00:00:00Z', id: 'pt-term' }),
      ce.partnerGroupChanged({ partnerId: 'P-TERM', group: 'gold', time: '2026-06-01T00:00:00Z', id: 'pg-term' }),
    ]);
    await harness.settled();
    await harness.publish([
      ce.submitted({ referralId: 'R-X1', partnerId: 'P-GOLD', domain: 'explain.example', time: '2026-03-10T00:00:00Z', id: 'sub-x1' }),
      ce.submitted({ referralId: 'R-X2', partnerId: 'P-SUSP', domain: 'suspended.example', time: '2026-03-10T00:00:00Z', id: 'sub-x2' }),
      ce.signedUp({ customerId: 'C-X1', domain: 'explain.example', referralCode: 'R-X1', time: '2026-03-20T00:00:00Z', id: 'signup-x1' }),
      ce.activated({ customerId: 'C-X1', time: '2026-03-21T00:00:00Z', id: 'act-x1' }),
      ce.usage({ customerId: 'C-X1', invoiceLineId: 'L-1', amount: '60.00', time: '2026-04-01T00:00:00Z', id: 'use-1' }),
      ce.usage({ customerId: 'C-X1', invoiceLineId: 'L-2', amount: '80.00', time: '2026-04-02T00:00:00Z', id: 'use-2' }),
      ce.refunded({ customerId: 'C-X1', refundId: 'F-1', invoiceLineId: 'L-2', amount: '40.00', time: '2026-04-10T00:00:00Z', id: 'refund-1' }),
    ]);
    await harness.settled();
  });

  afterAll(async () => {
    await harness?.dispose();
  });

  it('derives every amount of the ledger for the referral, step by step', async () => {
    const response = await api('GET', '/v1/referrals/R-X1/explanation', { key: KEYS.finance });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    const explanation = response.json;
    expect(explanation).toMatchObject({ referralId: 'R-X1', status: 'QUALIFIED', reason: null, partnerId: 'P-GOLD', program: { programId: 'standard', version: 1 } });

    const ledger = await harness.query<{ currency: Currency; total: string }>(
      `SELECT currency, sum(amount)::text AS total FROM ledger_entry WHERE referral_id = 'R-X1' GROUP BY currency`,
    );
    expect(ledger.length).toBeGreaterThan(0);
    expect(explanation.totals).toEqual(Object.fromEntries(ledger.map((l) => [l.currency, formatAmount(BigInt(l.total), l.currency)])));

    const view = await api('GET', '/v1/referrals/R-X1', { key: KEYS.finance });
    expect(view.status).toBe(200);
    expect(explanation.totals).toEqual(Object.fromEntries(view.json.totals.map((t: { currency: string; amount: string }) => [t.currency, t.amount])));

    const kinds = new Set(explanation.steps.map((s: { kind: string }) => s.kind));
    for (const kind of ['BINDING', 'PARTNER', 'SUBMISSION', 'CLAIM', 'ACTIVATION', 'QUALIFICATION', 'COMMISSION', 'REVERSAL']) expect(kinds).toContain(kind);
    expect(explanation.steps.map((s: { step: number }) => s.step)).toEqual(explanation.steps.map((_: unknown, i: number) => i + 1));

    // the step amounts are the totals, and each names the event it rests on
    const summed = new Map<string, bigint>();
    for (const step of explanation.steps) {
      if (!step.amount) continue;
      expect(step.events.length).toBeGreaterThan(0);
      const minor = BigInt(step.amount.amount.replace('.', ''));
      summed.set(step.amount.currency, (summed.get(step.amount.currency) ?? 0n) + minor);
    }
    expect(Object.fromEntries([...summed].map(([c, m]) => [c, formatAmount(m, c as Currency)]))).toEqual(explanation.totals);
    const reversal = explanation.steps.find((s: { kind: string }) => s.kind === 'REVERSAL');
    expect(reversal.amount).toMatchObject({ type: 'REFUND_REVERSAL', currency: 'USD', amount: '-4.00', effectiveAt: '2026-04-10T00:00:00.000Z' });
    expect(reversal.events.map((e: { id: string }) => e.id)).toEqual(['refund-1', 'use-2']);
    const partner = explanation.steps.find((s: { kind: string }) => s.kind === 'PARTNER');
    expect(partner.events).toEqual([{ source: 'partner-admin', id: 'pa-gold', type: 'partner.approved', time: '2026-03-01T00:00:00.000Z' }]);
    expect(partner.text).toContain('APPROVED');
  });

  it('renders the steps as text a support agent can paste', async () => {
    const accepted = await api('GET', '/v1/referrals/R-X1/explanation?format=text', { key: KEYS.gold });
    expect(accepted.status).toBe(200);
    expect(accepted.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(accepted.text).toContain('standard');
    expect(accepted.text).toMatch(/^Referral R-X1 of partner P-GOLD: QUALIFIED/);

    const rejected = await api('GET', '/v1/referrals/R-X2/explanation?format=text', { key: KEYS.finance });
    expect(rejected.status).toBe(200);
    expect(rejected.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(rejected.text).toContain('PARTNER_NOT_ELIGIBLE');
    expect(rejected.text).toContain('standard');

    const json = await api('GET', '/v1/referrals/R-X2/explanation', { key: KEYS.suspended });
    expect(json.status).toBe(200);
    expect(json.json).toMatchObject({ status: 'REJECTED', reason: 'PARTNER_NOT_ELIGIBLE', totals: {} });
  });

  it('refuses other partners, unknown referrals and unknown formats', async () => {
    expect((await api('GET', '/v1/referrals/R-X1/explanation', { key: KEYS.suspended })).status).toBe(403);
    expect((await api('GET', '/v1/referrals/R-NONE/explanation', { key: KEYS.suspended })).status).toBe(403);
    expect((await api('GET', '/v1/referrals/R-NONE/explanation', { key: KEYS.finance })).status).toBe(404);
    expect((await api('GET', '/v1/referrals/R-X1/explanation')).status).toBe(401);
    const bad = await api('GET', '/v1/referrals/R-X1/explanation?format=csv', { key: KEYS.finance });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ code: 'INVALID_INPUT', fields: ['format'] });
  });

  it("shows each partner's standing at the engine clock and its history", async () => {
    const gold = await api('GET', '/v1/partners/P-GOLD', { key: KEYS.gold });
    expect(gold.status).toBe(200);
    expect(gold.json).toMatchObject({
      partnerId: 'P-GOLD', state: 'APPROVED', group: 'gold', eligible: true, since: '2026-03-01T00:00:00.000Z', terminatedAt: null, enrollment: 'open', ignored: [],
    });
    expect(gold.json.history.length).toBeGreaterThanOrEqual(1);
    expect(gold.json.history[0]).toEqual({
      time: '2026-03-01T00:00:00.000Z', type: 'partner.approved', state: 'APPROVED', group: 'gold', reason: null, source: 'partner-admin', eventId: 'pa-gold',
    });

    const suspended = await api('GET', '/v1/partners/P-SUSP', { key: KEYS.finance });
    expect(suspended.status).toBe(200);
    expect(suspended.json).toMatchObject({ partnerId: 'P-SUSP', state: 'SUSPENDED', group: 'default', eligible: false, since: '2026-03-05T00:00:00.000Z' });
    expect(suspended.json.history.map((h: { state: string; reason: string | null }) => [h.state, h.reason])).toEqual([['APPROVED', null], ['SUSPENDED', 'compliance review']]);

    const terminated = await api('GET', '/v1/partners/P-TERM', { key: KEYS.finance });
    expect(terminated.json).toMatchObject({ state: 'TERMINATED', eligible: false, since: '2026-05-01T00:00:00.000Z', terminatedAt: '2026-05-01T00:00:00.000Z' });
    expect(terminated.json.history.map((h: { eventId: string }) => h.eventId)).toEqual(['pa-term', 'pt-term']);
    expect(terminated.json.ignored).toEqual([
      { source: 'partner-admin', eventId: 'pg-term', type: 'partner.group_changed', time: '2026-06-01T00:00:00.000Z', detail: expect.stringContaining('ignored') },
    ]);

    const unseen = await api('GET', '/v1/partners/P-NONE', { key: KEYS.finance });
    expect(unseen.status).toBe(200);
    expect(unseen.json).toEqual({
      partnerId: 'P-NONE', state: 'UNKNOWN', group: 'default', eligible: true, since: null, terminatedAt: null, enrollment: 'open', history: [], ignored: [],
    });

    expect((await api('GET', '/v1/partners/P-GOLD', { key: KEYS.suspended })).status).toBe(403);
  });
});
