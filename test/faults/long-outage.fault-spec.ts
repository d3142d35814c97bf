import { inputTopics } from '@engine/contracts';
import { GroupDescription, PartitionOffset } from '@engine/messaging';
import { FaultContext } from './support/fault-context';
import { faultLoad } from './support/load';
import { offsetsAgainstStore } from './support/offsets';
import { faultSeed, recordOutcome } from './support/outcomes';
import { compareDeadLetters, compareLedger, compareOutputs, referenceRun } from './support/reference';
import { TcpProxy } from './support/tcp-proxy';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The outage: first a black hole (a transaction in flight hangs), then the database gone (connections reset and refused). */
const STALL_MS = 40_000;
const REFUSE_MS = 50_000;

interface GroupSample {
  at: number;
  phase: 'before' | 'stalled' | 'refused' | 'after';
  group: GroupDescription | null;
  offsets: PartitionOffset[] | null;
}

/**
 * (h) A database outage three times the consumer session (30 s) while events flow: for 40 s the network between the
 * engine and PostgreSQL is a black hole (the transaction in flight neither answers nor fails), then for 50 s every
 * connection is reset and new ones are refused; then it heals. The engine is never touched. A TCP proxy in the test
 * (support/tcp-proxy.ts) stands between the engine and the shared PostgreSQL; the test's own connections go direct.
 *
 * The scheduler heartbeats the consumer while it holds batches, so the group never rebalances: the same member holds
 * every partition all along (sampled every second from the coordinator). Nothing is applied or committed while the
 * database is away; afterwards the engine recovers by itself (no restart) and ends at the reference ledger, every
 * event applied once, with no dead letter and nothing parked.
 */
describe('fault: a 90 s database outage while events flow', () => {
  const seed = faultSeed();
  let context: FaultContext;
  let proxy: TcpProxy;

  beforeAll(async () => {
    context = await FaultContext.create({ label: 'longoutage' });
    proxy = await TcpProxy.start(context.databaseUrl);
  });

  afterAll(async () => {
    await context?.dispose();
    await proxy?.close();
  });

  it('keeps its partitions, applies nothing while down, then catches up by itself to the reference ledger', async () => {
    // no redeliveries and no bad messages: every offset holds one distinct valid event, so offsets compare exactly
    const messages = faultLoad({ seed, prospects: 1500 });
    const reference = referenceRun(messages, context.now);
    const total = reference.events.length;
    expect(total).toBe(messages.length);

    const engine = context.engine('engine', { DATABASE_URL: proxy.url(context.databaseUrl) });
    await engine.start();
    let phase: GroupSample['phase'] = 'before';
    const samples: GroupSample[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const at = Date.now();
        const now = phase;
        const [group, offsets] = await Promise.all([
          context.kafka.describeGroup(context.groupId).catch(() => null),
          context.kafka.committedOffsets(context.groupId, inputTopics(context.topics)).catch(() => null),
        ]);
        samples.push({ at, phase: now === phase ? now : 'after', group, offsets });
        await sleep(1_000);
      }
    })();

    // ~9,000–12,000 messages spread over 105 s (~100/s): they keep coming during the whole outage (the backlog waits in Kafka)
    const rate = Math.ceil(messages.length / 105);
    const publishing = context.publish(messages, { rate, chunk: 50 });
    await context.until(async () => (await context.storedEvents()) >= 600, 120_000, '600 stored events');
    await sleep(3_000);

    const outageStarted = Date.now();
    phase = 'stalled';
    proxy.stall();
    await sleep(1_000);
    const storedAtOutage = await context.storedEvents(); // a COMMIT already on its way may still have landed
    const offsetsAtOutage = (await offsetsAgainstStore(context)).map((a) => `${a.partition}=${a.committed}`);
    await sleep(STALL_MS - 1_000);
    const retriesWhileStalled = engine.batchRetries;
    phase = 'refused';
    await proxy.refuse();
    await sleep(REFUSE_MS);
    const storedBeforeHeal = await context.storedEvents();
    const offsetsBeforeHeal = (await offsetsAgainstStore(context)).map((a) => `${a.partition}=${a.committed}`);
    const retriesWhileDown = engine.batchRetries;
    const downMs = Date.now() - outageStarted;
    await proxy.heal();
    phase = 'after';
    const healedAt = Date.now();
    await context.until(async () => (await context.storedEvents()) > storedBeforeHeal, 60_000, 'consumption to resume', 100);
    const resumedAfterMs = Date.now() - healedAt;

    await publishing;
    await context.settled(180_000);
    const caughtUpAfterMs = Date.now() - healedAt;
    await sleep(1_500);
    watching = false;
    await watcher;

    const during = samples.filter((s) => s.phase === 'stalled' || s.phase === 'refused');
    const members = new Set(samples.filter((s) => s.group).map((s) => s.group!.members.map((m) => m.memberId).join(',')));
    const notStable = samples.filter((s) => s.group && s.group.state !== 'Stable').map((s) => `${s.phase} ${s.group!.state}`);
    const holdsAll = (s: GroupSample) => {
      const assigned = (s.group?.members ?? []).flatMap((m) => Object.entries(m.assignment).flatMap(([topic, ps]) => ps.map((p) => `${topic}/${p}`)));
      return assigned.length === inputTopics(context.topics).length * context.partitions;
    };
    const accounts = await offsetsAgainstStore(context);
    const ahead = (await Promise.all(samples.filter((s) => s.offsets).map((s) => offsetsAgainstStore(context, s.offsets!))))
      .flat()
      .filter((a) => a.committed > 0 && a.storedBelowCommitted !== a.committed)
      .map((a) => `${a.partition} committed ${a.committed}, stored below ${a.storedBelowCommitted}`);
    const [{ n: deadLetters }] = await context.query<{ n: number }>('SELECT count(*)::int AS n FROM dead_letter');
    const [{ n: parked }] = await context.query<{ n: number }>('SELECT count(*)::int AS n FROM parked_event');
    const ledger = await compareLedger(context, reference);
    const outputs = await compareOutputs(context);
    const dlq = await compareDeadLetters(context, reference);
    const stop = await engine.terminate(60_000);

    recordOutcome('long-outage', {
      seed, messages: messages.length, validEvents: total, rate, stallMs: STALL_MS, refuseMs: REFUSE_MS, downMs, storedAtOutage, storedBeforeHeal,
      retriesWhileStalled, retriesWhileDown, batchRetries: engine.batchRetries, resumedAfterMs, caughtUpAfterMs,
      groupSamples: samples.length, samplesWhileDown: during.length, members: [...members], notStable, offsetsAheadOfDatabase: ahead.length,
      deadLetters, parked, exits: engine.exits, stop,
      ledger: { ...ledger, differences: ledger.differences.length }, outputs: { ...outputs, differences: outputs.differences.length },
      verdict: ledger.differences.length + outputs.differences.length + dlq.differences.length + ahead.length === 0 && members.size === 1 ? 'identical' : 'DIFFERENT',
    });
    // the group never lost its member: one member id, Stable, holding every partition, in every sample
    expect(during.length).toBeGreaterThan(60);
    expect([...members]).toHaveLength(1);
    expect(notStable).toEqual([]);
    expect(samples.filter((s) => s.group && !holdsAll(s)).map((s) => s.phase)).toEqual([]);
    // nothing applied and no offset committed while the database was away; none ever ahead of it
    expect(storedBeforeHeal).toBe(storedAtOutage);
    expect(offsetsBeforeHeal).toEqual(offsetsAtOutage);
    expect(ahead.slice(0, 20)).toEqual([]);
    expect(retriesWhileDown).toBeGreaterThan(retriesWhileStalled); // retried through the refusals, never given up
    // recovered by itself: lag 0 (settled), every event once, the reference ledger and outputs, nothing dead-lettered or parked
    expect(engine.exits).toEqual(['exit 0']); // only the SIGTERM at the end
    expect(await context.storedEvents()).toBe(total);
    expect(accounts.filter((a) => a.stored > 0 && a.committed !== a.highestStored + 1)).toEqual([]);
    expect(ledger.differences.slice(0, 20)).toEqual([]);
    expect(outputs.differences.slice(0, 20)).toEqual([]);
    expect(dlq.differences.slice(0, 20)).toEqual([]);
    expect({ deadLetters, parked }).toEqual({ deadLetters: 0, parked: 0 });
    expect(stop.code).toBe(0);
  });
});
