import { FaultContext } from './faults/support/fault-context';
import { faultLoad } from './faults/support/load';
import { compareDeadLetters, compareLedger, compareOutputs, referenceRun } from './faults/support/reference';

/**
 * The engine as it ships: the compiled process (`npm test` builds first), with what only exists compiled: the
 * parse worker thread, the kafkajs drop-ins registered through require.cache (jest maps them instead), and the
 * heap governor on in both threads. A generated stream with redeliveries and bad messages must end exactly
 * where the pure rules say.
 */
describe('compiled engine process (parse worker, kafkajs drop-ins, heap governor)', () => {
  let context: FaultContext;

  beforeAll(async () => {
    context = await FaultContext.create({ label: 'compiled' });
  });

  afterAll(async () => {
    await context?.dispose();
  });

  it('ends with the ledger, outputs and dead letters the rules give', async () => {
    const messages = faultLoad({ seed: 20261127, prospects: 600, redeliveries: 0.03, badMessages: 12 });
    const reference = referenceRun(messages, context.now);
    const engine = context.engine('one', { LOG_LEVEL: 'log', PARSE_WORKERS: '1', HEAP_SOFT_LIMIT_MB: '48' });
    await engine.start();
    await context.publish(messages);
    await context.settled(180_000);

    expect(engine.recentOutput(400)).toContain('kafkajs fast paths on');
    const ledger = await compareLedger(context, reference);
    const outputs = await compareOutputs(context);
    const dlq = await compareDeadLetters(context, reference);
    expect(ledger.entries).toBeGreaterThan(500);
    expect(ledger.differences.slice(0, 20)).toEqual([]);
    expect(outputs.differences.slice(0, 20)).toEqual([]);
    expect(dlq.differences.slice(0, 20)).toEqual([]);
    expect(engine.alive).toBe(true);
  });
});
