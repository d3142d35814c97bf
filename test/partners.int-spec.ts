import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DLQ_HEADERS } from '@engine/contracts';
import { STANDARD_RULES } from '@engine/domain';
import { cloudEvents as ce, ScenarioMessage } from '@engine/testing';
import { apiClient } from './support/api-client';
import { EngineHarness } from './support/engine-harness';
import { catalogueWith, engineLedger, referenceLedger } from './support/program-reference';

/**
 * The partner topic end to end (CONTRACT §9) on the real broker and database: partner events are inputs like any
 * other, so a late one corrects statuses and money (§4); termination ends earning; group changes rebind a referral to
 * the group's program (§8); bad partner events are dead-lettered without stopping the partition.
 *
 * One engine under PARTNER_ENROLLMENT=approval with a `gold` program from PROGRAMS_FILE; every story has its own
 * partner, so stories do not affect each other. After each step the whole database is also compared with the pure
 * reference (`evaluate()` over everything published so far, under the same catalogue and enrollment).
 */
const NOW = '2026-11-01T00:00:00Z';
const FINANCE = 'fin-key-partners-0001';

/** Gold partners get a bigger bonus (120.00) and 20% / 25% instead of 10% / 15%; in force since 2026-01-01. */
const GOLD = {
  programId: 'gold', name: 'Gold partners', priority: 10,
  scope: { regions: null, partnerGroups: ['gold'] },
  versions: [{
    version: 1, effectiveFrom: '2026-01-01T00:00:00Z', terms: {
      attributionWindowDays: 90, activationWindowDays: 30, qualificationWindowDays: 90, commissionWindowDays: 365, expiryGraceDays: 7, holdingPeriodDays: 0,
      excludedChannels: ['paid_search_brand', 'coupon_site'], excludedProductPrefixes: ['marketplace.', 'credits.'],
      baseRateBps: 2000, upperRateBps: 2500,
      currencies: { USD: { qualificationThreshold: '100.00', bonus: '120.00', tierBoundary: '10000.00', commissionCap: '5000.00' } },
    },
  }],
};

const RULES = { ...STANDARD_RULES, catalogue: catalogueWith([GOLD]), partnerEnrollment: 'approval' as const };

/** A referral's customer story up to activation (signup by referral code). */
const story = (o: { referralId: string; partnerId: string; customerId: string; domain: string; submitted: string; signedUp: string; activated: string }) => [
  ce.submitted({ referralId: o.referralId, partnerId: o.partnerId, domain: o.domain, time: o.submitted }),
  ce.signedUp({ customerId: o.customerId, domain: o.domain, referralCode: o.referralId, time: o.signedUp }),
  ce.activated({ customerId: o.customerId, time: o.activated }),
];

/** A message whose data is changed (e.g. a required field removed), keeping envelope, topic and key. */
function withData(message: ScenarioMessage, change: (data: Record<string, unknown>) => void): ScenarioMessage {
  const event = JSON.parse(message.value);
  change(event.data);
  return { ...message, value: JSON.stringify(event) };
}

describe('partner events on Kafka and PostgreSQL', () => {
  let harness: EngineHarness;
  const api = apiClient(() => harness.baseUrl);
  const dir = mkdtempSync(join(tmpdir(), 'partners-programs-'));
  const programsFile = join(dir, 'programs.json');
  /** everything published, in order: the reference is computed from it */
  const published: ScenarioMessage[] = [];

  async function publish(...messages: ScenarioMessage[]): Promise<void> {
    published.push(...messages);
    await harness.publish(messages);
    await harness.settled();
  }

  const referral = async (id: string) => (await api('GET', `/v1/referrals/${id}`, { key: FINANCE })).json;
  const partner = async (id: string) => (await api('GET', `/v1/partners/${id}`, { key: FINANCE })).json;

  /** The referral's entries in entry order, with what an assertion needs. */
  const entriesOf = (referralId: string) =>
    harness.query<{ entry_id: string; type: string; amount: string; effective_at: string; program_id: string; program_version: number }>(
      `SELECT entry_id::text, type, amount::text, to_char(effective_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS effective_at, program_id, program_version
         FROM ledger_entry WHERE referral_id = $1 ORDER BY ledger_entry.entry_id`, [referralId]);
  const totalOf = async (referralId: string) =>
    (await harness.query<{ total: string }>(`SELECT coalesce(sum(amount), 0)::text AS total FROM ledger_entry WHERE referral_id = $1`, [referralId]))[0].total;

  /** The referral's events on referral.status.v1 (deduplicated by id, in sequence order). */
  async function statusStream(referralId: string) {
    const byId = new Map<string, any>();
    for (const m of await harness.kafka.readTopic(harness.config.topics.status)) {
      const event = JSON.parse(m.value!.toString());
      if (event.data.referralId === referralId) byId.set(event.id, event.data);
    }
    return [...byId.values()].sort((a, b) => a.sequence - b.sequence).map((d) => ({ sequence: d.sequence, status: d.status, reason: d.reason, previousStatus: d.previousStatus }));
  }

  /** The database agrees with the pure rules over everything published so far. */
  async function expectReference(): Promise<void> {
    const { rejected, ...reference } = referenceLedger(published, Date.parse(NOW), RULES);
    expect(await engineLedger((sql, params) => harness.query(sql, params))).toEqual(reference);
  }

  beforeAll(async () => {
    writeFileSync(programsFile, JSON.stringify({ programs: [GOLD] }));
    harness = await EngineHarness.create({
      label: 'partners', engineNow: NOW,
      env: { API_KEYS: `${FINANCE}:finance`, PARTNER_ENROLLMENT: 'approval', PROGRAMS_FILE: programsFile },
    });
    await harness.start();
  });

  afterAll(async () => {
    await harness?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a late partner.approved, dated before a rejected submission, makes it SUBMITTED', async () => {
    // approval enrollment: a partner without events is not eligible (rule 0)
    await publish(ce.submitted({ referralId: 'R-A1', partnerId: 'P-LATE', domain: 'late-approval.example', time: '2026-09-01T00:00:00Z' }));
    expect(await referral('R-A1')).toMatchObject({ status: 'REJECTED', reason: 'PARTNER_NOT_ELIGIBLE', partnerId: 'P-LATE' });
    expect(await partner('P-LATE')).toMatchObject({ state: 'UNKNOWN', eligible: false, enrollment: 'approval', history: [] });

    await publish(ce.partnerApproved({ partnerId: 'P-LATE', time: '2026-08-01T00:00:00Z' }));
    // submitted 2026-09-01: it expires (NO_SIGNUP) only at 2026-09-01 + 90 + 7 days = 2026-12-07, after NOW
    expect(await referral('R-A1')).toMatchObject({ status: 'SUBMITTED', reason: null, program: { programId: 'standard', version: 1 } });
    expect(await statusStream('R-A1')).toEqual([
      { sequence: 1, status: 'REJECTED', reason: 'PARTNER_NOT_ELIGIBLE', previousStatus: null },
      { sequence: 2, status: 'SUBMITTED', reason: null, previousStatus: 'REJECTED' },
    ]);
    expect(await partner('P-LATE')).toMatchObject({ state: 'APPROVED', group: 'default', eligible: true, since: '2026-08-01T00:00:00.000Z' });
    expect(await entriesOf('R-A1')).toEqual([]);
    await expectReference();
  });

  it('a late partner.suspended, dated before the submission of a qualified referral, rejects it and nets its ledger to 0', async () => {
    await publish(
      ce.partnerApproved({ partnerId: 'P-SUS', time: '2026-01-01T00:00:00Z' }),
      ...story({ referralId: 'R-S1', partnerId: 'P-SUS', customerId: 'C-S1', domain: 'suspended.example', submitted: '2026-03-01T00:00:00Z', signedUp: '2026-03-05T00:00:00Z', activated: '2026-03-06T00:00:00Z' }),
      ce.usage({ customerId: 'C-S1', invoiceLineId: 'S-L1', amount: '150.00', time: '2026-03-10T00:00:00Z' }),
    );
    // 150.00 ≥ 100.00 qualifies: bonus 50.00 + 10% of 150.00 = 15.00
    expect(await referral('R-S1')).toMatchObject({ status: 'QUALIFIED', totals: [{ currency: 'USD', amount: '65.00' }] });

    await publish(ce.partnerSuspended({ partnerId: 'P-SUS', time: '2026-02-15T00:00:00Z', reason: 'compliance review' }));
    expect(await referral('R-S1')).toMatchObject({ status: 'REJECTED', reason: 'PARTNER_NOT_ELIGIBLE', totals: [{ currency: 'USD', amount: '0.00' }] });
    expect((await statusStream('R-S1')).at(-1)).toMatchObject({ status: 'REJECTED', reason: 'PARTNER_NOT_ELIGIBLE', previousStatus: 'QUALIFIED' });
    // append-only: both amounts are taken back by corrections at their own effective time
    const rows = (await entriesOf('R-S1')).map((e) => [e.type, e.amount, e.effective_at]);
    expect(rows.slice(0, 2)).toEqual([['QUALIFICATION_BONUS', '5000', '2026-03-10'], ['USAGE_COMMISSION', '1500', '2026-03-10']]);
    expect(rows.slice(2).sort()).toEqual([['CORRECTION', '-1500', '2026-03-10'], ['CORRECTION', '-5000', '2026-03-10']]);
    expect(await totalOf('R-S1')).toBe('0');
    expect(await partner('P-SUS')).toMatchObject({
      state: 'SUSPENDED', eligible: false, since: '2026-02-15T00:00:00.000Z',
      history: [
        { type: 'partner.approved', state: 'APPROVED', time: '2026-01-01T00:00:00.000Z' },
        { type: 'partner.suspended', state: 'SUSPENDED', time: '2026-02-15T00:00:00.000Z', reason: 'compliance review' },
      ],
    });
    await expectReference();
  });

  it('termination ends earning at T (the bonus before T and reversals of earlier lines stay); a later reinstatement is ignored', async () => {
    const T = '2026-05-01T00:00:00Z';
    await publish(
      ce.partnerApproved({ partnerId: 'P-TERM', time: '2026-01-01T00:00:00Z' }),
      ...story({ referralId: 'R-T1', partnerId: 'P-TERM', customerId: 'C-T1', domain: 'terminated.example', submitted: '2026-02-01T00:00:00Z', signedUp: '2026-02-05T00:00:00Z', activated: '2026-02-06T00:00:00Z' }),
      ce.usage({ customerId: 'C-T1', invoiceLineId: 'T-L1', amount: '200.00', time: '2026-03-01T00:00:00Z' }), // qualifies: bonus 50.00, 20.00
      ce.usage({ customerId: 'C-T1', invoiceLineId: 'T-L2', amount: '300.00', time: '2026-04-01T00:00:00Z' }), // 30.00
      ce.usage({ customerId: 'C-T1', invoiceLineId: 'T-L3', amount: '400.00', time: T }), // 40.00 until the termination arrives
      ce.usage({ customerId: 'C-T1', invoiceLineId: 'T-L4', amount: '100.00', time: '2026-06-01T00:00:00Z' }), // 10.00 until then
      ce.refunded({ customerId: 'C-T1', refundId: 'T-RF1', invoiceLineId: 'T-L2', amount: '150.00', time: '2026-06-15T00:00:00Z' }), // −30.00 × 150/300 = −15.00
      ce.refunded({ customerId: 'C-T1', refundId: 'T-RF2', invoiceLineId: 'T-L3', amount: '100.00', time: '2026-06-20T00:00:00Z' }), // −40.00 × 100/400 = −10.00 until then
    );
    expect(await totalOf('R-T1')).toBe(String(5000 + 2000 + 3000 + 4000 + 1000 - 1500 - 1000)); // 125.00

    await publish(ce.partnerTerminated({ partnerId: 'P-TERM', time: T, reason: 'contract ended' }));
    // T-L3 (at T) and T-L4 (after T) earn nothing, so T-RF2 reverses nothing; the bonus (qualified 2026-03-01 < T) and
    // T-RF1 (after T, of a line before T) stay: 50.00 + 20.00 + 30.00 − 15.00 = 85.00
    expect(await totalOf('R-T1')).toBe('8500');
    const corrections = (await entriesOf('R-T1')).filter((e) => e.type === 'CORRECTION').map((e) => [e.amount, e.effective_at]);
    expect(corrections.sort()).toEqual([['-1000', '2026-06-01'], ['-4000', '2026-05-01'], ['1000', '2026-06-20']]);
    expect(await referral('R-T1')).toMatchObject({ status: 'QUALIFIED', qualifiedAt: '2026-03-01T00:00:00.000Z', totals: [{ currency: 'USD', amount: '85.00' }] });
    expect(await partner('P-TERM')).toMatchObject({ state: 'TERMINATED', eligible: false, terminatedAt: '2026-05-01T00:00:00.000Z', ignored: [] });
    await expectReference();

    // terminated is final: a reinstatement (and a submission) after it change nothing
    const entriesBefore = await entriesOf('R-T1');
    const reinstated = ce.partnerReinstated({ partnerId: 'P-TERM', time: '2026-07-01T00:00:00Z', reason: 'appeal' });
    await publish(reinstated, ce.submitted({ referralId: 'R-T2', partnerId: 'P-TERM', domain: 'after-termination.example', time: '2026-08-01T00:00:00Z' }));
    const view = await partner('P-TERM');
    expect(view).toMatchObject({ state: 'TERMINATED', terminatedAt: '2026-05-01T00:00:00.000Z' });
    expect(view.history.map((h: { type: string }) => h.type)).toEqual(['partner.approved', 'partner.terminated']);
    expect(view.ignored).toEqual([{
      source: 'partner-admin', eventId: JSON.parse(reinstated.value).id, type: 'partner.reinstated', time: '2026-07-01T00:00:00.000Z', detail: expect.stringContaining('terminated'),
    }]);
    expect(await entriesOf('R-T1')).toEqual(entriesBefore);
    expect(await referral('R-T2')).toMatchObject({ status: 'REJECTED', reason: 'PARTNER_NOT_ELIGIBLE' });
    await expectReference();
  });

  it('a late partner.group_changed to gold rebinds a qualified referral to the gold program and corrects its ledger', async () => {
    await publish(
      ce.partnerApproved({ partnerId: 'P-GOLD', time: '2026-01-01T00:00:00Z' }),
      ...story({ referralId: 'R-G1', partnerId: 'P-GOLD', customerId: 'C-G1', domain: 'gold.example', submitted: '2026-04-01T00:00:00Z', signedUp: '2026-04-05T00:00:00Z', activated: '2026-04-06T00:00:00Z' }),
      ce.usage({ customerId: 'C-G1', invoiceLineId: 'G-L1', amount: '150.00', time: '2026-04-10T00:00:00Z' }),
      ce.usage({ customerId: 'C-G1', invoiceLineId: 'G-L2', amount: '50.00', time: '2026-05-01T00:00:00Z' }),
    );
    // group default → standard v1: bonus 50.00 + 10% of 150.00 + 10% of 50.00 = 70.00
    expect(await referral('R-G1')).toMatchObject({ status: 'QUALIFIED', program: { programId: 'standard', version: 1 }, totals: [{ currency: 'USD', amount: '70.00' }] });
    const [{ last }] = await harness.query<{ last: string }>(`SELECT max(entry_id)::text AS last FROM ledger_entry`);

    await publish(ce.partnerGroupChanged({ partnerId: 'P-GOLD', group: 'gold', time: '2026-03-15T00:00:00Z' }));
    // in group gold at its submission (2026-04-01) → gold v1: bonus 120.00 + 20% of 150.00 + 20% of 50.00 = 160.00
    expect(await referral('R-G1')).toMatchObject({ status: 'QUALIFIED', program: { programId: 'gold', version: 1 }, totals: [{ currency: 'USD', amount: '160.00' }] });
    const entries = await entriesOf('R-G1');
    expect(entries.filter((e) => BigInt(e.entry_id) <= BigInt(last)).map((e) => [e.type, e.amount, e.effective_at, e.program_id, e.program_version])).toEqual([
      ['QUALIFICATION_BONUS', '5000', '2026-04-10', 'standard', 1],
      ['USAGE_COMMISSION', '1500', '2026-04-10', 'standard', 1],
      ['USAGE_COMMISSION', '500', '2026-05-01', 'standard', 1],
    ]);
    // the differences, each at the effective time of the amount it corrects, recorded under the new binding
    expect(entries.filter((e) => BigInt(e.entry_id) > BigInt(last)).map((e) => [e.type, e.amount, e.effective_at, e.program_id, e.program_version]).sort()).toEqual([
      ['CORRECTION', '1500', '2026-04-10', 'gold', 1],
      ['CORRECTION', '500', '2026-05-01', 'gold', 1],
      ['CORRECTION', '7000', '2026-04-10', 'gold', 1],
    ]);
    expect(await partner('P-GOLD')).toMatchObject({ state: 'APPROVED', group: 'gold' });
    await expectReference();

    // a line after the rebinding earns at gold rates, recorded under gold
    await publish(ce.usage({ customerId: 'C-G1', invoiceLineId: 'G-L3', amount: '100.00', time: '2026-06-01T00:00:00Z' }));
    expect((await entriesOf('R-G1')).at(-1)).toMatchObject({ type: 'USAGE_COMMISSION', amount: '2000', effective_at: '2026-06-01', program_id: 'gold', program_version: 1 });
    expect(await totalOf('R-G1')).toBe('18000');
    await expectReference();
  });

  it('dead-letters bad partner events (INVALID_DATA naming the field) and applies the good one after them on the partition', async () => {
    const good = ce.partnerApproved({ partnerId: 'P-BAD', group: 'silver', time: '2026-01-01T00:00:00Z' });
    const noPartner = withData(ce.partnerApproved({ partnerId: 'P-BAD', group: 'silver', time: '2026-01-01T00:00:00Z' }), (d) => delete d.partnerId);
    const noGroup = withData(ce.partnerGroupChanged({ partnerId: 'P-BAD', group: 'gold', time: '2026-01-02T00:00:00Z' }), (d) => delete d.group);
    // same key → same partition, the bad ones first
    await publish(noPartner, noGroup, good, ce.submitted({ referralId: 'R-B1', partnerId: 'P-BAD', domain: 'bad-events.example', time: '2026-10-01T00:00:00Z' }));

    const dlq = await harness.kafka.readTopic(harness.config.topics.dlq);
    expect(dlq.map((m) => [m.headers[DLQ_HEADERS.code], m.value!.toString(), m.headers[DLQ_HEADERS.topic]])).toEqual([
      ['INVALID_DATA', noPartner.value, harness.config.topics.partners],
      ['INVALID_DATA', noGroup.value, harness.config.topics.partners],
    ]);
    expect(dlq[0].headers[DLQ_HEADERS.message]).toContain('partnerId');
    expect(dlq[1].headers[DLQ_HEADERS.message]).toContain('group');
    expect(referenceLedger(published, Date.parse(NOW), RULES).rejected).toEqual(['INVALID_DATA', 'INVALID_DATA']);

    expect(await partner('P-BAD')).toMatchObject({ state: 'APPROVED', group: 'silver', history: [{ type: 'partner.approved', eventId: JSON.parse(good.value).id }] });
    expect(await referral('R-B1')).toMatchObject({ status: 'SUBMITTED', reason: null });
    await expectReference();
  });
});
