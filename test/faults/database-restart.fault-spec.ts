import { inputTopics } from '@engine/contracts';
import { PartitionOffset } from '@engine/messaging';
import { seededRandom } from '@engine/testing';
import { FaultContext } from './support/fault-context';
import { faultLoad } from './support/load';
import { faultSeed, recordOutcome } from './support/outcomes';
import { PgCluster } from './support/pg-cluster';
import { compareLedger, compareOutputs, referenceRun } from './support/reference';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Snapshot {
  at: number;
  databaseDown: boolean;
  offsets: PartitionOffset[];
}

/**
 * (d) PostgreSQL fails under the engine while events flow, on a cluster of this test's own (5544, never the
 * shared 5432): connections cut by pg_terminate_backend (some of them while executing COMMIT), a restart, and a
 * crash (`stop -m immediate`) with the database kept down for a while. The engine is never restarted: the
 * consumer retries the failed batches with backoff (heartbeating) and resumes by itself, readiness answers 503
 * while the database is away, and the consumer group never commits an offset whose message is not in the
 * database (checked on snapshots of the committed offsets taken all along, the outage included).
 */
describe('fault: PostgreSQL restarted and connections cut during load (back-pressure)', () => {
  const seed = faultSeed();
  const cluster = new PgCluster();
  const database = `ce_fpg_${process.pid}_${Date.now().toString(36)}`;
  let context: FaultContext;

  beforeAll(async () => {
    await cluster.up();
    context = await FaultContext.create({ label: 'postgres', databaseUrl: cluster.databaseUrl(database) });
  }, 300_000);

  afterAll(async () => {
    await context?.dispose();
    cluster.drop();
  }, 300_000);

  it('loses nothing, doubles nothing, commits no offset ahead of the database and recovers by itself', async () => {
    const random = seededRandom(seed);
    // no redeliveries and no bad messages: every offset then holds one distinct stored event, which makes
    // "offsets never ahead of the database" checkable exactly
    const messages = faultLoad({ seed, prospects: 2500 });
    const reference = referenceRun(messages, context.now);
    const total = reference.events.length;
    expect(reference.events.length).toBe(messages.length);

    const engine = context.engine('engine');
    await engine.start();
    const snapshots: Snapshot[] = [];
    let databaseDown = false;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const down = databaseDown;
        const offsets = await context.kafka.committedOffsets(context.groupId, inputTopics(context.topics)).catch(() => null);
        if (offsets) snapshots.push({ at: Date.now(), databaseDown: down && databaseDown, offsets });
        await sleep(250);
      }
    })();
    const publishing = context.publish(messages, { rate: 1500 });
    const progressTo = async (share: number) => {
      const stored = await context.storedEvents();
      const at = stored + Math.floor((total - stored) * share);
      await context.until(async () => (await context.storedEvents()) >= at, 240_000, `${at} stored events`);
    };

    // 1. connections cut mid-transaction, five times at random moments
    const terminated: number[] = [];
    await progressTo(0.05 + 0.1 * random());
    for (let i = 0; i < 5; i++) {
      terminated.push(await cluster.terminateBackends(database));
      await sleep(200 + 800 * random());
    }
    // 2. connections cut while executing COMMIT (the client cannot know whether it committed)
    const commits = await cluster.cutCommits(database, 4000);

    // 3. a restart (fast shutdown: open transactions rolled back, connections closed)
    await progressTo(0.1 + 0.2 * random());
    const restartStarted = Date.now();
    await cluster.restart('fast');
    const restartMs = Date.now() - restartStarted;

    // 4. a crash, and the database kept down for a while
    await progressTo(0.1 + 0.2 * random());
    databaseDown = true;
    cluster.stop('immediate');
    const downAt = Date.now();
    const readyWhileDown: number[] = [];
    for (let i = 0; i < 4; i++) {
      readyWhileDown.push(await engine.readiness());
      await sleep(1000);
    }
    const settledOffsets = snapshots.at(-1)!.offsets;
    await sleep(4000 + 4000 * random());
    const endOffsets = (await context.kafka.committedOffsets(context.groupId, inputTopics(context.topics)));
    const retriesWhileDown = engine.batchRetries;
    const downMs = Date.now() - downAt;
    await cluster.start();
    databaseDown = false;
    const upAt = Date.now();
    const storedAtRestart = await context.storedEvents();
    await context.until(async () => (await context.storedEvents()) > storedAtRestart || storedAtRestart >= total, 120_000, 'consumption to resume');
    const resumedAfterMs = Date.now() - upAt;

    await publishing;
    await context.settled(300_000);
    watching = false;
    await watcher;

    // no committed offset ever ahead of the database: every offset below it holds a stored event
    const stored = await context.query<{ topic: string; kafka_partition: number; kafka_offset: string }>(
      'SELECT topic, kafka_partition, kafka_offset::text FROM input_event',
    );
    const storedOffsets = new Map<string, number[]>();
    for (const row of stored) {
      const key = `${row.topic}/${row.kafka_partition}`;
      const list = storedOffsets.get(key) ?? [];
      list.push(Number(row.kafka_offset));
      storedOffsets.set(key, list);
    }
    for (const list of storedOffsets.values()) list.sort((x, y) => x - y);
    const ahead: string[] = [];
    for (const snapshot of snapshots) {
      for (const p of snapshot.offsets) {
        const committed = Number(p.offset);
        if (committed <= 0) continue;
        const list = storedOffsets.get(`${p.topic}/${p.partition}`) ?? [];
        // offsets are dense here (one distinct valid event per message): [0, committed) must all be stored
        const below = list.filter((o) => o < committed).length;
        if (below !== committed) ahead.push(`${new Date(snapshot.at).toISOString()}${snapshot.databaseDown ? ' (database down)' : ''} ${p.topic}/${p.partition} committed ${committed}, stored below it ${below}`);
      }
    }
    const advancedWhileDown = settledOffsets
      .filter((p) => endOffsets.find((e) => e.topic === p.topic && e.partition === p.partition)?.offset !== p.offset)
      .map((p) => `${p.topic}/${p.partition}`);

    const ledger = await compareLedger(context, reference);
    const outputs = await compareOutputs(context);
    recordOutcome('database-restart', {
      seed, runs: 1, messages: messages.length, validEvents: total, terminatedConnections: terminated, commitsCut: commits,
      restartMs, downMs, readyWhileDown, retriesWhileDown, batchRetries: engine.batchRetries, resumedAfterMs, exits: engine.exits,
      offsetSnapshots: snapshots.length, snapshotsWhileDown: snapshots.filter((s) => s.databaseDown).length, offsetsAheadOfDatabase: ahead.length,
      offsetsAdvancedWhileDown: advancedWhileDown.length,
      ledger: { ...ledger, differences: ledger.differences.length }, outputs: { ...outputs, differences: outputs.differences.length },
      verdict: ledger.differences.length + outputs.differences.length + ahead.length === 0 ? 'identical' : 'DIFFERENT',
    });
    expect(ahead.slice(0, 20)).toEqual([]);
    expect(advancedWhileDown).toEqual([]);
    expect(readyWhileDown.every((status) => status === 503)).toBe(true);
    expect(retriesWhileDown).toBeGreaterThan(0);
    expect(engine.exits).toEqual([]); // never restarted, never crashed
    expect(await engine.readiness()).toBe(200);
    expect(ledger.differences.slice(0, 20)).toEqual([]);
    expect(outputs.differences.slice(0, 20)).toEqual([]);
  });
});
