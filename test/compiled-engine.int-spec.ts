import { FaultContext } from './faults/support/fault-context';
import { faultLoad } from './faults/support/load';
import { compareDeadLetters, compareLedger, compareOutputs, referenceRun } from './faults/support/reference';

/**
 * The engine as it ships: the compiled process (`npm test` builds first), with what only exists compiled: the
 * parse worker thread, the kafkajs drop-ins registered through require.cache (jest maps them instead), and the
 * heap governor on in both threads; then with a working set so small that it evicts before every transaction.
 * A generated stream with redeliveries and bad messages, published while the engine runs, must end exactly where
 * the pure rules say.
 */
describe.each([
  ['parse worker, kafkajs drop-ins, heap governor', { HEAP_SOFT_LIMIT_MB: '48' }],
  ['a working set evicting before every transaction', { WORKING_SET_MAX_ENTRIES: '200' }],
])('compiled engine process (%s)', (_name, env: Record<string, string>) => {
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
    const engine = context.engine('one', { LOG_LEVEL: 'log', PARSE_WORKERS: '1', ...env });
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
