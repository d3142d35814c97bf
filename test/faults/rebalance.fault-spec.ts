import { seededRandom } from '@engine/testing';
import { FaultContext } from './support/fault-context';
import { faultLoad } from './support/load';
import { faultSeed, recordOutcome } from './support/outcomes';
import { compareDeadLetters, compareLedger, compareOutputs, referenceRun } from './support/reference';

/**
 * (b) Two engine processes in one consumer group on one database. One is SIGKILLed mid-load: its partitions
 * move to the survivor once its session expires, from the last committed offsets, so the survivor re-reads
 * what the dead one may already have written. Later the dead one comes back and the group rebalances again
 * while both are consuming (a member loses partitions with a batch in flight). Both write the same tables
 * under the rule-state lock, each fencing its in-memory working set by `rule_state_version`.
 */
describe('fault: two engines in one consumer group, one SIGKILLed (rebalance)', () => {
  const seed = faultSeed();
  let context: FaultContext;

  beforeAll(async () => {
    context = await FaultContext.create({ label: 'rebalance' });
  });

  afterAll(async () => {
    await context?.dispose();
  });

  it('ends with the fault-free ledger and statuses', async () => {
    const random = seededRandom(seed);
    const messages = faultLoad({ seed, prospects: 2500, redeliveries: 0.02, badMessages: 30 });
    const reference = referenceRun(messages, context.now);
    const total = reference.events.length;

    const a = context.engine('a');
    const b = context.engine('b');
    await Promise.all([a.start(), b.start()]);
    const publishing = context.publish(messages, { rate: 3000 });

    const killAt = Math.floor(total * (0.15 + 0.2 * random()));
    await context.until(async () => (await context.storedEvents()) >= killAt, 240_000, `${killAt} stored events`);
    await a.kill();
    const storedAtKill = await context.storedEvents();
    // the survivor takes the dead member's partitions once its session (30 s) expires; let it work a while
    const rejoinAt = storedAtKill + Math.floor((total - storedAtKill) * (0.2 + 0.2 * random()));
    await context.until(async () => (await context.storedEvents()) >= rejoinAt, 240_000, `${rejoinAt} stored events`);
    await a.start(); // a new member: the group rebalances while b is consuming
    const storedAtRejoin = await context.storedEvents();

    await publishing;
    await context.settled(300_000);
    const ledger = await compareLedger(context, reference);
    const outputs = await compareOutputs(context);
    const dlq = await compareDeadLetters(context, reference);
    const version = (await context.query<{ version: string }>('SELECT version::text FROM rule_state_version'))[0].version;
    recordOutcome('rebalance', {
      seed, runs: 1, messages: messages.length, validEvents: total, storedAtKill, storedAtRejoin, exits: { a: a.exits, b: b.exits },
      ruleStateVersion: version, ledger: { ...ledger, differences: ledger.differences.length },
      outputs: { ...outputs, differences: outputs.differences.length }, dlq: { ...dlq, differences: dlq.differences.length },
      verdict: ledger.differences.length + outputs.differences.length + dlq.differences.length === 0 ? 'identical' : 'DIFFERENT',
    });
    expect(ledger.differences.slice(0, 20)).toEqual([]);
    expect(outputs.differences.slice(0, 20)).toEqual([]);
    expect(dlq.differences.slice(0, 20)).toEqual([]);
    expect(b.alive).toBe(true);
  });
});
