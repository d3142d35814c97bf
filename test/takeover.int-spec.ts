import { cloudEvents as ce } from '@engine/testing';
import { apiClient } from './support/api-client';
import { EngineHarness } from './support/engine-harness';

/**
 * A takeover (CONTRACT §4: a referralId counts once, the first submission in event order): a late `referral.submitted`
 * of the same referralId by another partner, earlier than the one applied, hands the referral and its money to that
 * partner. Everything follows: the stored row, access, the partners' lists, the ledger and the status stream.
 */
const KEYS = { finance: 'fin-key-takeover-000', a: 'partner-a-key-00000', b: 'partner-b-key-00000' };

describe('a referral taken over by a late, earlier submission', () => {
  let harness: EngineHarness;
  const api = apiClient(() => harness.baseUrl);

  beforeAll(async () => {
    harness = await EngineHarness.create({
      label: 'takeover',
      engineNow: '2026-10-15T00:00:00Z',
      env: { API_KEYS: `${KEYS.finance}:finance,${KEYS.a}:partner:P-A,${KEYS.b}:partner:P-B` },
    });
    await harness.start();
    await harness.publish([
      ce.submitted({ referralId: 'R-T', partnerId: 'P-A', domain: 'takeover.example', time: '2026-03-10T00:00:00Z', id: 'sub-a' }),
      ce.signedUp({ customerId: 'C-T', domain: 'takeover.example', referralCode: 'R-T', time: '2026-03-20T00:00:00Z' }),
      ce.activated({ customerId: 'C-T', time: '2026-03-21T00:00:00Z' }),
      ce.usage({ customerId: 'C-T', invoiceLineId: 'L-1', amount: '500.00', time: '2026-04-01T00:00:00Z' }),
    ]);
    await harness.settled();
  });

  afterAll(async () => {
    await harness?.dispose();
  });

  it('moves the referral, its access, lists, money and status stream to the new partner after qualification', async () => {
    const before = await api('GET', '/v1/referrals/R-T', { key: KEYS.a });
    expect(before.status).toBe(200);
    expect(before.json).toMatchObject({ partnerId: 'P-A', status: 'QUALIFIED', submittedAt: '2026-03-10T00:00:00.000Z' });

    await harness.publish([ce.submitted({ referralId: 'R-T', partnerId: 'P-B', domain: 'takeover.example', time: '2026-03-05T00:00:00Z', id: 'sub-b' })]);
    await harness.settled();

    const row = await harness.query(`SELECT partner_id, submitted_at, status, customer_id FROM referral WHERE referral_id = 'R-T'`);
    expect(row).toEqual([{ partner_id: 'P-B', submitted_at: new Date('2026-03-05T00:00:00Z'), status: 'QUALIFIED', customer_id: 'C-T' }]);

    const ofB = await api('GET', '/v1/referrals/R-T', { key: KEYS.b });
    expect(ofB.status).toBe(200);
    expect(ofB.json).toMatchObject({ partnerId: 'P-B', status: 'QUALIFIED', submittedAt: '2026-03-05T00:00:00.000Z' });
    expect(ofB.json.history.at(-1)).toMatchObject({ status: 'QUALIFIED', previousStatus: 'QUALIFIED', partnerId: 'P-B', previousPartnerId: 'P-A' });
    expect((await api('GET', '/v1/referrals/R-T', { key: KEYS.a })).status).toBe(403);

    const listOf = async (partner: string, key: string) => (await api('GET', `/v1/partners/${partner}/referrals`, { key })).json;
    expect(JSON.stringify(await listOf('P-B', KEYS.b))).toContain('R-T');
    expect(JSON.stringify(await listOf('P-A', KEYS.a))).not.toContain('R-T');

    // bonus 50.00 + 10% of 500.00 = 100.00, all of it with P-B; P-A's entries are reversed to zero
    const ledger = await harness.query(`SELECT partner_id, sum(amount)::text AS total FROM ledger_entry WHERE referral_id = 'R-T' GROUP BY partner_id ORDER BY partner_id`);
    expect(ledger).toEqual([{ partner_id: 'P-A', total: '0' }, { partner_id: 'P-B', total: '10000' }]);

    const status = (await harness.kafka.readTopic(harness.config.topics.status)).map((m) => JSON.parse(m.value!.toString()));
    const last = status.filter((e) => e.data.referralId === 'R-T').sort((x, y) => x.data.sequence - y.data.sequence).at(-1);
    expect(last.data).toMatchObject({ partnerId: 'P-B', previousPartnerId: 'P-A', status: 'QUALIFIED', previousStatus: 'QUALIFIED' });
    expect(last.id).toBe(`referral-status:R-T:${last.data.sequence}`);
    const qualified = (await harness.kafka.readTopic(harness.config.topics.qualified)).map((m) => JSON.parse(m.value!.toString()).data);
    expect(qualified.map((q) => q.partnerId)).toEqual(['P-A', 'P-B']);
  });
});
