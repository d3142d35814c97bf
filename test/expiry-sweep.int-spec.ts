import { Clock } from '@engine/config';
import { STANDARD_RULES } from '@engine/domain';
import { cloudEvents as ce } from '@engine/testing';
import { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../apps/engine/src/engine.tokens';
import { ExpirySweep } from '../apps/engine/src/expiry/expiry-sweep';
import { ApplyEvents } from '../apps/engine/src/ingest/apply-events.use-case';
import { OutboxRelay } from '../apps/engine/src/outbox/outbox-relay';
import { EngineHarness } from './support/engine-harness';

/**
 * The periodic sweep expires what no event will: a referral whose deadline passes while nothing arrives. It runs
 * the rules in the engine's own transaction path (lock, working set, writes, outbox) at the sweep's time.
 */
describe('expiry sweep', () => {
  let harness: EngineHarness;

  beforeAll(async () => {
    harness = await EngineHarness.create({ label: 'sweep', engineNow: '2026-11-01T00:00:00Z' });
    await harness.start();
  });

  afterAll(async () => {
    await harness?.dispose();
  });

  it('expires a referral once its deadline has passed, with one status event, and leaves the others', async () => {
    await harness.publish([
      ce.submitted({ referralId: 'R-SWEEP-1', partnerId: 'P-S', domain: 'sweep-one.example', time: '2026-10-01T00:00:00Z' }),
      ce.submitted({ referralId: 'R-SWEEP-2', partnerId: 'P-S', domain: 'sweep-two.example', time: '2026-10-20T00:00:00Z' }),
    ]);
    await harness.settled();
    const statuses = async () =>
      Object.fromEntries(
        (await harness.query<{ referral_id: string; status: string; reason: string | null }>(`SELECT referral_id, status, reason FROM referral ORDER BY referral_id`)).map((r) => [
          r.referral_id, `${r.status}${r.reason ? ` ${r.reason}` : ''}`,
        ]),
      );
    expect(await statuses()).toEqual({ 'R-SWEEP-1': 'SUBMITTED', 'R-SWEEP-2': 'SUBMITTED' });

    // 2026-10-01 + 90 days attribution + 7 days grace = 2027-01-06; R-SWEEP-2's deadline is 2027-01-25.
    const app = harness.app!;
    const relay = app.get(OutboxRelay);
    const rules = new ApplyEvents({
      dataSource: app.get<DataSource>(DATA_SOURCE), settings: STANDARD_RULES, topics: harness.config.topics, clock: new Clock(Date.parse('2027-01-10T00:00:00Z')),
      producer: () => harness.kafka.getProducer(),
    });
    const sweep = new ExpirySweep(rules, () => relay.kick());
    expect(await sweep.run()).toBe(1);
    expect(await sweep.run()).toBe(0); // nothing is due twice
    expect(await statuses()).toEqual({ 'R-SWEEP-1': 'EXPIRED NO_SIGNUP', 'R-SWEEP-2': 'SUBMITTED' });
    await harness.settled();

    const published = (await harness.kafka.readTopic(harness.config.topics.status)).map((m) => JSON.parse(m.value!.toString()).data);
    expect(published.filter((d) => d.referralId === 'R-SWEEP-1').map((d) => `${d.previousStatus}→${d.status} ${d.reason}`)).toEqual([
      'null→SUBMITTED null',
      'SUBMITTED→EXPIRED NO_SIGNUP',
    ]);
  });
});
