import { seededRandom } from '@engine/testing';
import { FaultContext } from './support/fault-context';
import { faultLoad } from './support/load';
import { faultSeed, recordOutcome } from './support/outcomes';
import { compareDeadLetters, compareLedger, compareOutputs, referenceRun } from './support/reference';

/**
 * (a) The engine process is SIGKILLed at random moments while ~20k events flow, and restarted each time.
 * Whatever was committed stays, whatever was not is redelivered: the ledger and every status end identical, to
 * the cent, to the fault-free run of the pure rules.
 */
describe('fault: engine SIGKILLed mid-load and restarted', () => {
  const seed = faultSeed();
  const KILLS = 3;
  let context: FaultContext;

  beforeAll(async () => {
    context = await FaultContext.create({ label: 'kill' });
  });

  afterAll(async () => {
    await context?.dispose();
  });

  it(`ends with the fault-free ledger and statuses after ${KILLS} SIGKILLs at random moments`, async () => {
    const random = seededRandom(seed);
    const messages = faultLoad({ seed, prospects: 2500, redeliveries: 0.02, badMessages: 30 });
    const reference = referenceRun(messages, context.now);
    const total = reference.events.length;

    const engine = context.engine('engine');
    await engine.start();
    const publishing = context.publish(messages, { rate: 4000 });
    const kills: { storedAtKill: number; outboxAtKill: number }[] = [];
    for (let k = 0; k < KILLS; k++) {
      // a random moment while this incarnation is consuming: after it stored a random share of what is left
      const stored = await context.storedEvents();
      const point = stored + Math.max(1, Math.floor((total - stored) * (0.1 + 0.3 * random())));
      await context.until(async () => (await context.storedEvents()) >= point, 240_000, `${point} stored events`);
      await engine.kill();
      const storedAtKill = await context.storedEvents();
      const [{ n: outboxAtKill }] = await context.query<{ n: number }>('SELECT coalesce(sum(message_count), 0)::int AS n FROM outbox');
      kills.push({ storedAtKill, outboxAtKill });
      await engine.start();
    }
    await publishing;
    await context.settled(300_000);

    const ledger = await compareLedger(context, reference);
    const outputs = await compareOutputs(context);
    const dlq = await compareDeadLetters(context, reference, { checkCoordinates: true });
    recordOutcome('engine-kill', {
      seed, runs: 1, messages: messages.length, validEvents: total, kills, exits: engine.exits, batchRetries: engine.batchRetries,
      ledger: { ...ledger, differences: ledger.differences.length }, outputs: { ...outputs, differences: outputs.differences.length },
      dlq: { ...dlq, differences: dlq.differences.length },
      verdict: ledger.differences.length + outputs.differences.length + dlq.differences.length === 0 ? 'identical' : 'DIFFERENT',
    });
    expect(ledger.differences.slice(0, 20)).toEqual([]);
    expect(outputs.differences.slice(0, 20)).toEqual([]);
    expect(dlq.differences.slice(0, 20)).toEqual([]);
    expect(kills).toHaveLength(KILLS);
    expect(engine.exits.filter((e) => e === 'SIGKILL')).toHaveLength(KILLS);
  });
});
