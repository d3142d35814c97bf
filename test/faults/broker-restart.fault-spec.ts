import { seededRandom } from '@engine/testing';
import { FaultContext } from './support/fault-context';
import { KafkaBroker } from './support/kafka-broker';
import { faultLoad } from './support/load';
import { faultSeed, recordOutcome } from './support/outcomes';
import { compareLedger, compareOutputs, referenceRun } from './support/reference';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * (c) The Kafka broker goes away while events flow: once with a controlled shutdown, once SIGKILLed, each time
 * started again on its data a few seconds later. It is a broker of this test's own (scripts/kafka-local.sh on
 * 127.0.0.1:19392), never the shared one. The engine is not touched: its consumer, producer and admin client
 * must find the broker again by themselves. While the broker is down, readiness answers 503.
 */
describe('fault: Kafka broker restarted during load', () => {
  const seed = faultSeed();
  const broker = new KafkaBroker();
  let context: FaultContext;

  beforeAll(async () => {
    await broker.startFresh();
    context = await FaultContext.create({ label: 'broker', brokers: broker.brokers });
  }, 300_000);

  afterAll(async () => {
    await context?.dispose();
    await broker.stop().catch(() => undefined);
  }, 300_000);

  it('ends with the fault-free ledger and statuses after a graceful stop and a SIGKILL of the broker', async () => {
    const random = seededRandom(seed);
    const messages = faultLoad({ seed, prospects: 2500, redeliveries: 0.02 });
    const reference = referenceRun(messages, context.now);
    const total = reference.events.length;

    const engine = context.engine('engine');
    await engine.start();
    const outages: { how: string; storedBefore: number; storedAfterDown: number; downMs: number; readyWhileDown: number[]; recoveredAfterMs: number }[] = [];
    // two phases, each publishing half of the load, with one broker outage in the middle of each
    const half = Math.ceil(messages.length / 2);
    for (const [phase, how] of [[0, 'stop'], [1, 'kill']] as const) {
      const publishing = context.publish(messages.slice(phase * half, (phase + 1) * half), { rate: 2000 });
      const stored = await context.storedEvents();
      const at = stored + Math.floor((total / 2) * (0.1 + 0.3 * random()));
      await context.until(async () => (await context.storedEvents()) >= at, 240_000, `${at} stored events`);
      const storedBefore = await context.storedEvents();
      const downAt = Date.now();
      if (how === 'stop') await broker.stop();
      else await broker.kill();
      const readyWhileDown: number[] = [];
      for (let i = 0; i < 3; i++) {
        readyWhileDown.push(await engine.readiness());
        await sleep(1000);
      }
      await sleep(2000 + 3000 * random());
      const storedAfterDown = await context.storedEvents();
      await broker.start();
      const downMs = Date.now() - downAt;
      const upAt = Date.now();
      await publishing;
      await context.until(async () => { const n = await context.storedEvents(); return n > storedAfterDown || n >= total; }, 180_000, 'consumption to resume');
      outages.push({ how, storedBefore, storedAfterDown, downMs, readyWhileDown, recoveredAfterMs: Date.now() - upAt });
      expect(readyWhileDown).toContain(503);
      expect(engine.alive).toBe(true);
    }
    await context.settled(300_000);

    const ledger = await compareLedger(context, reference);
    const outputs = await compareOutputs(context);
    recordOutcome('broker-restart', {
      seed, runs: 1, messages: messages.length, validEvents: total, outages, publishRetries: context.publishRetries,
      batchRetries: engine.batchRetries, exits: engine.exits,
      ledger: { ...ledger, differences: ledger.differences.length }, outputs: { ...outputs, differences: outputs.differences.length },
      verdict: ledger.differences.length + outputs.differences.length === 0 ? 'identical' : 'DIFFERENT',
    });
    expect(ledger.differences.slice(0, 20)).toEqual([]);
    expect(outputs.differences.slice(0, 20)).toEqual([]);
    expect(engine.alive).toBe(true);
    expect(await engine.readiness()).toBe(200);
  });
});
