import { inputTopics } from '@engine/contracts';
import { FaultContext } from './support/fault-context';
import { faultLoad } from './support/load';
import { faultSeed, recordOutcome } from './support/outcomes';
import { compareLedger, referenceRun } from './support/reference';

/**
 * (f) Full replay: the consumer group's offsets are reset to the earliest offset of every input topic (the engine
 * stopped, as an operator would do it), and the engine consumes everything again. Every event is already in the
 * event store, so the replay changes nothing: no new ledger entry, no status change, no output event. The second
 * replay is SIGKILLed half way and restarted.
 */
describe('fault: consumer-group offsets reset to earliest (full replay)', () => {
  const seed = faultSeed();
  let context: FaultContext;

  beforeAll(async () => {
    context = await FaultContext.create({ label: 'replay' });
  });

  afterAll(async () => {
    await context?.dispose();
  });

  const snapshot = async () => ({
    entries: await context.query('SELECT entry_id::text, partner_id, referral_id, type, slot, amount::text, currency, effective_at, booked_period FROM ledger_entry ORDER BY entry_id'),
    referrals: await context.query('SELECT referral_id, partner_id, customer_id, status, reason, sequence, qualified_version, qualified_at, expires_at FROM referral ORDER BY referral_id'),
    history: (await context.query<{ n: number }>('SELECT count(*)::int AS n FROM referral_status_history'))[0].n,
    events: await context.storedEvents(),
    outputs: await outputCounts(),
  });
  const outputCounts = async () => {
    const lag = await context.kafka.lag(`${context.groupId}-never-committed`, [context.topics.status, context.topics.qualified, context.topics.accrued]);
    return lag.reduce((sum, l) => sum + l.lag, 0); // high watermarks: every message ever published on them
  };

  it('changes nothing: same ledger entries, statuses and history, no output event published again', async () => {
    const messages = faultLoad({ seed, prospects: 1000, redeliveries: 0.02, badMessages: 20 });
    const reference = referenceRun(messages, context.now);
    const engine = context.engine('engine');
    await engine.start();
    await context.publish(messages);
    await context.settled();
    const before = await snapshot();
    const replays: { replayed: number; killedHalfWay: boolean; newEntries: number; changedReferrals: number; newOutputs: number }[] = [];

    for (const killHalfWay of [false, true]) {
      await engine.stop();
      for (const topic of inputTopics(context.topics)) await context.kafka.resetOffsets(context.groupId, topic);
      const replayed = (await context.kafka.lag(context.groupId, inputTopics(context.topics))).reduce((sum, l) => sum + l.lag, 0);
      expect(replayed).toBe(messages.length);
      await engine.start();
      if (killHalfWay) {
        await context.until(async () => {
          const lag = (await context.kafka.lag(context.groupId, inputTopics(context.topics))).reduce((sum, l) => sum + l.lag, 0);
          return lag < replayed * 0.6;
        }, 120_000, 'the replay to pass 40%');
        await engine.kill();
        await engine.start();
      }
      await context.settled(300_000);
      const after = await snapshot();
      replays.push({
        replayed, killedHalfWay: killHalfWay, newEntries: after.entries.length - before.entries.length,
        changedReferrals: after.referrals.filter((r, i) => JSON.stringify(r) !== JSON.stringify(before.referrals[i])).length,
        newOutputs: after.outputs - before.outputs,
      });
      expect(after.entries).toEqual(before.entries);
      expect(after.referrals).toEqual(before.referrals);
      expect(after.history).toBe(before.history);
      expect(after.events).toBe(before.events);
      expect(after.outputs).toBe(before.outputs);
    }
    const ledger = await compareLedger(context, reference);
    recordOutcome('offset-reset', {
      seed, runs: replays.length, messages: messages.length, validEvents: reference.events.length, replays, exits: engine.exits,
      ledger: { ...ledger, differences: ledger.differences.length }, verdict: ledger.differences.length === 0 ? 'identical' : 'DIFFERENT',
    });
    expect(ledger.differences.slice(0, 20)).toEqual([]);
  });
});
