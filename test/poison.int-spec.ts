import { inputTopics } from '@engine/contracts';
import { cloudEvents as ce } from '@engine/testing';
import { EngineHarness } from './support/engine-harness';

/**
 * A message that passes validation but that the database cannot hold (SQLSTATE 22, 54) must not stop its partition:
 * the failing group is retried, then split until the message stands alone, and that one is dead-lettered. (A failure
 * of ours, not of the data, is parked instead: parking.int-spec.ts.)
 */
describe('a message the database refuses', () => {
  let harness: EngineHarness;

  beforeAll(async () => {
    harness = await EngineHarness.create({ label: 'poison', engineNow: '2026-11-01T00:00:00Z' });
    await harness.start();
    // Stand-in for any data the database cannot take: a trigger raising a data exception (SQLSTATE 22023).
    await harness.query(`
      CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.event_id = 'poison-1' THEN RAISE EXCEPTION 'refused for the test' USING ERRCODE = '22023'; END IF;
        RETURN NEW;
      END $$`);
    await harness.query(`CREATE TRIGGER refuse_poison BEFORE INSERT ON input_event FOR EACH ROW EXECUTE FUNCTION refuse_poison()`);
  });

  afterAll(async () => {
    await harness?.dispose();
  });

  it('dead-letters it with INVALID_DATA and applies every other message of its batch', async () => {
    await harness.publish([
      ce.submitted({ referralId: 'R-P1', partnerId: 'P-P', domain: 'poison-one.example', time: '2026-10-01T00:00:00Z' }),
      ce.submitted({ referralId: 'R-P2', partnerId: 'P-P', domain: 'poison-two.example', time: '2026-10-01T00:00:00Z', id: 'poison-1' }),
      ce.submitted({ referralId: 'R-P3', partnerId: 'P-P', domain: 'poison-three.example', time: '2026-10-01T00:00:00Z' }),
    ]);
    await harness.settled();
    const referrals = await harness.query(`SELECT referral_id FROM referral ORDER BY referral_id`);
    expect(referrals.map((r) => r.referral_id)).toEqual(['R-P1', 'R-P3']);
    const dlq = await harness.kafka.readTopic(harness.config.topics.dlq);
    expect(dlq).toHaveLength(1);
    expect(dlq[0].headers['x-error-code']).toBe('INVALID_DATA');
    expect(dlq[0].headers['x-error-message']).toContain('refused for the test');
    expect(JSON.parse(dlq[0].value!.toString()).id).toBe('poison-1');
  });

  it('does not dead-letter a redelivered message twice (offsets replayed from the start)', async () => {
    await harness.publish([{ topic: 'partner.referrals.v1', key: 'R-P4', value: '{"not json' }]);
    await harness.settled();
    expect(await harness.kafka.readTopic(harness.config.topics.dlq)).toHaveLength(2);
    await harness.stop();
    for (const topic of inputTopics(harness.config.topics)) {
      await harness.kafka.resetOffsets(harness.config.groupId, topic);
    }
    await harness.start();
    await harness.settled();
    const dlq = await harness.kafka.readTopic(harness.config.topics.dlq);
    expect(dlq.map((m) => m.headers['x-error-code']).sort()).toEqual(['INVALID_DATA', 'MALFORMED_JSON']);
    const recorded = await harness.query(`SELECT code FROM dead_letter ORDER BY code`);
    expect(recorded.map((r) => r.code)).toEqual(['INVALID_DATA', 'MALFORMED_JSON']);
  });
});
