import { FaultContext } from './faults/support/fault-context';
import { faultLoad } from './faults/support/load';
import { offsetsAgainstStore, PartitionAccount } from './faults/support/offsets';
import { compareLedger, referenceRun } from './faults/support/reference';
import { TcpProxy } from './faults/support/tcp-proxy';

/** A Prometheus counter summed over its labels (NaN when absent). */
const metric = (text: string, name: string) => {
  const values = [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].map((m) => Number(m[1]));
  return values.length > 0 ? values.reduce((a, b) => a + b, 0) : NaN;
};

/**
 * SIGTERM in the middle of a load, on the compiled engine process (`npm test` builds first). The engine stops
 * fetching, finishes the transactions it took, commits their offsets, leaves the group and exits 0 within
 * SHUTDOWN_TIMEOUT_MS. The load has no redeliveries and no bad messages, so every offset holds one distinct stored
 * event: then "committed = highest stored + 1" on every partition says exactly that every batch applied had its
 * offset committed, and no offset went past the database. A restart reads on from there: it drops no duplicate
 * (nothing applied is read again) and ends at the reference ledger.
 */
describe('graceful stop of the engine process (SIGTERM)', () => {
  let context: FaultContext;

  afterEach(async () => {
    await context?.dispose();
  });

  it('stops fetching, finishes the transactions in flight, commits their offsets and exits 0; a restart reads nothing twice', async () => {
    context = await FaultContext.create({ label: 'sigterm' });
    const messages = faultLoad({ seed: 20261206, prospects: 1200 });
    const reference = referenceRun(messages, context.now);
    const total = reference.events.length;
    expect(total).toBe(messages.length); // one distinct valid event per offset

    const engine = context.engine('engine', { LOG_LEVEL: 'log' }); // SHUTDOWN_TIMEOUT_MS: its default, 25 s
    await engine.start();
    // as fast as the broker takes them: at the signal the queue is full and transactions run back to back
    const publishing = context.publish(messages);
    await context.until(async () => (await context.storedEvents()) >= total * 0.3, 120_000, '30% of the events stored');
    const storedAtSignal = await context.storedEvents();
    const exit = await engine.terminate(60_000);
    const storedAtExit = await context.storedEvents();

    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(25_000);
    expect(engine.recentOutput(400)).toMatch(/drained in \d+ ms: \d+ batch\(es\) finished and committed while stopping/);
    const accounts = await offsetsAgainstStore(context);
    const wrong = (a: PartitionAccount) => a.committed !== a.highestStored + 1 || a.storedBelowCommitted !== a.committed;
    expect(accounts.filter((a) => a.stored > 0 && wrong(a))).toEqual([]);
    expect(accounts.filter((a) => a.stored === 0 && a.committed > 0)).toEqual([]);
    expect(storedAtExit).toBeLessThan(total); // stopped mid-load

    await publishing;
    await engine.start();
    await context.settled(180_000);
    const metrics = await (await fetch(`${engine.baseUrl}/metrics`)).text();
    const idle = await engine.terminate(60_000); // an idle stop exits 0 too
    const ledger = await compareLedger(context, reference);
    // eslint-disable-next-line no-console
    console.log(`SIGTERM at ${storedAtSignal} stored events: exited ${exit.code} after ${exit.ms} ms with ${storedAtExit} stored; ` +
      `${accounts.filter((a) => a.stored > 0).length} partitions with stored events, committed up to ${accounts.reduce((n, a) => n + Math.max(0, a.committed), 0)} messages in all; ` +
      `restart consumed ${metric(metrics, 'engine_events_consumed_total')} more (duplicates ${metric(metrics, 'engine_duplicates_dropped_total')}); idle stop ${idle.ms} ms`);
    expect(metric(metrics, 'engine_duplicates_dropped_total')).toBe(0);
    expect(await context.storedEvents()).toBe(total);
    expect(ledger.differences.slice(0, 20)).toEqual([]);
    expect({ code: idle.code, signal: idle.signal }).toEqual({ code: 0, signal: null });
  });

  it('exits 1 within SHUTDOWN_TIMEOUT_MS when the database stops answering, naming what it left, with no offset past the database', async () => {
    context = await FaultContext.create({ label: 'sigtermdown' });
    const proxy = await TcpProxy.start(context.databaseUrl);
    try {
      const messages = faultLoad({ seed: 20261207, prospects: 400 });
      const reference = referenceRun(messages, context.now);
      const engine = context.engine('engine', { LOG_LEVEL: 'log', SHUTDOWN_TIMEOUT_MS: '6000', DATABASE_URL: proxy.url(context.databaseUrl) });
      await engine.start();
      const publishing = context.publish(messages, { rate: 2000 });
      await context.until(async () => (await context.storedEvents()) >= reference.events.length * 0.2, 120_000, '20% of the events stored');
      proxy.stall(); // a transaction in flight now neither answers nor fails
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const exit = await engine.terminate(20_000);

      expect(exit.code).toBe(1);
      expect(exit.ms).toBeLessThan(6_000 + 2_000);
      const output = engine.recentOutput(400);
      expect(output).toMatch(/not drained after \d+ ms .*the transaction still running holds \d+ batch\(es\)|shutdown did not finish within 6000 ms, exiting with 1: .*transaction running: \d+ batch/);
      const accounts = await offsetsAgainstStore(context);
      expect(accounts.filter((a) => a.storedBelowCommitted !== Math.max(0, a.committed))).toEqual([]); // nothing committed ahead

      await proxy.heal();
      await publishing;
      await engine.start();
      await context.settled(180_000);
      expect((await compareLedger(context, reference)).differences.slice(0, 20)).toEqual([]);
      await engine.terminate(60_000);
    } finally {
      await proxy.close();
    }
  });
});
