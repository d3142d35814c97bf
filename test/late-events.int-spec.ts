import { cloudEvents as ce } from '@engine/testing';
import { EngineHarness } from './support/engine-harness';

/**
 * Late events change earlier outcomes: the engine posts corrections (never edits an entry) and publishes
 * the new status / qualification.
 */
describe('late events on Kafka and PostgreSQL', () => {
  let harness: EngineHarness;

  beforeAll(async () => {
    harness = await EngineHarness.create({ label: 'late', engineNow: '2026-11-01T00:00:00Z' });
    await harness.start();
  });

  afterAll(async () => {
    await harness?.dispose();
  });

  const entries = () =>
    harness.query<{ entry_id: string; referral_id: string; type: string; amount: string; effective_at: Date; effective_period: string; booked_period: string }>(
      'SELECT entry_id::text, referral_id, type, amount::text, effective_at, effective_period, booked_period FROM ledger_entry ORDER BY entry_id',
    );

  it('moves a bonus whose qualifying line changes: reversed at the old time, posted at the new one, old entries untouched', async () => {
    await harness.publish([
      ce.submitted({ referralId: 'R-L1', partnerId: 'P-L', domain: 'late-one.example', time: '2026-01-01T00:00:00Z' }),
      ce.signedUp({ customerId: 'C-L1', domain: 'late-one.example', time: '2026-01-05T00:00:00Z' }),
      ce.activated({ customerId: 'C-L1', time: '2026-01-06T00:00:00Z' }),
      ce.usage({ customerId: 'C-L1', invoiceLineId: 'L2', amount: '80.00', time: '2026-02-10T00:00:00Z' }),
      ce.usage({ customerId: 'C-L1', invoiceLineId: 'L3', amount: '50.00', time: '2026-02-20T00:00:00Z' }),
    ]);
    await harness.settled();
    const before = await entries();
    expect(before.map((e) => [e.type, e.amount, e.effective_period])).toEqual([
      ['QUALIFICATION_BONUS', '5000', '2026-02'],
      ['USAGE_COMMISSION', '500', '2026-02'],
    ]);

    // A line billed earlier (in event time) arrives late: qualification moves to L2 on 2026-01-25.
    await harness.publish([ce.usage({ customerId: 'C-L1', invoiceLineId: 'L1', amount: '30.00', time: '2026-01-20T00:00:00Z' })]);
    await harness.publish([ce.usage({ customerId: 'C-L1', invoiceLineId: 'L2b', amount: '0.01', time: '2026-01-26T00:00:00Z', productCode: 'credits.x' })]);
    await harness.settled();
    const after = await entries();
    expect(after.slice(0, before.length)).toEqual(before); // append-only
    const added = after.slice(before.length).map((e) => [e.type, e.amount, e.effective_at.toISOString()]);
    expect(added).toEqual(expect.arrayContaining([
      ['CORRECTION', '-5000', '2026-02-20T00:00:00.000Z'],
      ['CORRECTION', '5000', '2026-02-10T00:00:00.000Z'],
      ['USAGE_COMMISSION', '800', '2026-02-10T00:00:00.000Z'],
    ]));
    expect(added).toHaveLength(3);
    const [referral] = await harness.query(`SELECT status, qualified_at, qualified_version FROM referral WHERE referral_id = 'R-L1'`);
    expect(referral.status).toBe('QUALIFIED');
    expect(referral.qualified_at.toISOString()).toBe('2026-02-10T00:00:00.000Z');
    expect(referral.qualified_version).toBe(2);
  });

  it('revives an expired referral when a late signup falls inside its window, with one status event per change', async () => {
    await harness.publish([ce.submitted({ referralId: 'R-L2', partnerId: 'P-L', domain: 'late-two.example', time: '2026-03-01T00:00:00Z' })]);
    await harness.settled();
    expect((await harness.query(`SELECT status, reason FROM referral WHERE referral_id = 'R-L2'`))[0]).toEqual({ status: 'EXPIRED', reason: 'NO_SIGNUP' });

    await harness.publish([ce.signedUp({ customerId: 'C-L2', domain: 'late-two.example', time: '2026-04-01T00:00:00Z' })]);
    await harness.settled();
    expect((await harness.query(`SELECT status, reason FROM referral WHERE referral_id = 'R-L2'`))[0]).toEqual({ status: 'EXPIRED', reason: 'NO_ACTIVATION' });

    await harness.publish([
      ce.activated({ customerId: 'C-L2', time: '2026-04-02T00:00:00Z' }),
      ce.usage({ customerId: 'C-L2', invoiceLineId: 'X1', amount: '150.00', currency: 'EUR', time: '2026-04-03T00:00:00Z' }),
    ]);
    await harness.settled();
    const history = await harness.query(`SELECT sequence, status, reason, previous_status FROM referral_status_history WHERE referral_id = 'R-L2' ORDER BY sequence`);
    expect(history[0]).toEqual({ sequence: 1, status: 'EXPIRED', reason: 'NO_SIGNUP', previous_status: null });
    expect(history[1]).toEqual({ sequence: 2, status: 'EXPIRED', reason: 'NO_ACTIVATION', previous_status: 'EXPIRED' });
    expect(history.at(-1)).toMatchObject({ status: 'QUALIFIED', reason: null });
    const sums = await harness.query(`SELECT currency, sum(amount)::text AS total FROM ledger_entry WHERE referral_id = 'R-L2' GROUP BY currency`);
    expect(sums).toEqual([{ currency: 'EUR', total: String(5000 + 1500) }]); // bonus 50.00 + 10% of 150.00
  });

  it('drops an exact redelivery silently and dead-letters a conflicting one', async () => {
    const original = ce.usage({ customerId: 'C-L1', invoiceLineId: 'L9', amount: '10.00', time: '2026-03-01T00:00:00Z', id: 'fixed-id-1' });
    const conflicting = { ...original, value: original.value.replace('10.00', '11.00') };
    const before = (await entries()).length;
    await harness.publish([original]);
    await harness.settled();
    await harness.publish([original, conflicting]);
    await harness.settled();
    const stored = await harness.query(`SELECT count(*)::int AS n FROM input_event WHERE event_id = 'fixed-id-1'`);
    expect(stored[0].n).toBe(1);
    expect((await entries()).length).toBe(before + 1); // one commission for L9, not two
    const dlq = await harness.kafka.readTopic(harness.config.topics.dlq);
    expect(dlq.map((m) => m.headers['x-error-code'])).toEqual(['CONFLICTING_DUPLICATE']);
    expect(dlq[0].value!.toString()).toBe(conflicting.value);
  });

  it('dead-letters a conflicting duplicate that names another customer, and still applies the rest of its batch', async () => {
    // The working set tells stored events from new ones by their linking keys; this copy links elsewhere, so only
    // the database's insert count shows it was stored before, and the transaction is redone with that answer.
    const original = ce.usage({ customerId: 'C-L1', invoiceLineId: 'L10', amount: '10.00', time: '2026-03-02T00:00:00Z', id: 'fixed-id-2' });
    const elsewhere = ce.usage({ customerId: 'C-ELSEWHERE', invoiceLineId: 'L10', amount: '10.00', time: '2026-03-02T00:00:00Z', id: 'fixed-id-2' });
    const next = ce.usage({ customerId: 'C-L1', invoiceLineId: 'L11', amount: '20.00', time: '2026-03-03T00:00:00Z' });
    await harness.publish([original]);
    await harness.settled();
    const [{ last }] = await harness.query<{ last: string }>('SELECT max(entry_id)::text AS last FROM ledger_entry');
    await harness.publish([elsewhere, next]);
    await harness.settled();
    const stored = await harness.query(`SELECT customer_id FROM input_event WHERE event_id = 'fixed-id-2'`);
    expect(stored).toEqual([{ customer_id: 'C-L1' }]);
    const added = await harness.query(`SELECT referral_id, type, amount::text, slot FROM ledger_entry WHERE entry_id > $1 ORDER BY entry_id`, [last]);
    expect(added).toEqual([{ referral_id: 'R-L1', type: 'USAGE_COMMISSION', amount: '200', slot: 'USAGE:C-L1:L11' }]); // 10% of 20.00
    const dlq = await harness.kafka.readTopic(harness.config.topics.dlq);
    expect(dlq.map((m) => m.headers['x-error-code'])).toEqual(['CONFLICTING_DUPLICATE', 'CONFLICTING_DUPLICATE']);
    expect(dlq.map((m) => m.value!.toString())).toContain(elsewhere.value); // (the DLQ's partitions follow the keys)
  });
});
