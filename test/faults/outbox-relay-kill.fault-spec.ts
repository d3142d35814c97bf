import { Client } from 'pg';
import { sampleStream, seededRandom } from '@engine/testing';
import { ensureDatabase, LOCKS } from '@engine/persistence';
import { FaultContext } from './support/fault-context';
import { faultLoad } from './support/load';
import { faultSeed, recordOutcome } from './support/outcomes';
import { compareLedger, compareOutputs, referenceRun } from './support/reference';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const HOLD_LOCK = 727_999;

/**
 * (e) The outbox relay dies after the broker acknowledged a publish but before the DELETE of the published rows
 * committed. Round 1 makes that exact moment happen: a test-only trigger holds the relay's DELETE (on an advisory
 * lock this test holds) after the rows were published, and the engine is SIGKILLed there. Rounds 2 and 3 SIGKILL
 * it at random moments while the outbox is not empty. After each restart the rows are published again with the
 * same ids: a consumer that deduplicates by id sees every ledger entry exactly once, and none is missing.
 */
describe('fault: outbox relay killed between publish and delete', () => {
  const seed = faultSeed();
  let context: FaultContext;

  beforeAll(async () => {
    context = await FaultContext.create({ label: 'outbox' });
  });

  afterAll(async () => {
    await context?.dispose();
  });

  it('publishes every ledger entry at least once with a stable id, never missing one', async () => {
    const random = seededRandom(seed);
    const messages = faultLoad({ seed, prospects: 1200, redeliveries: 0.01 });
    const reference = referenceRun(messages, context.now);
    const parts = [0, 1, 2, 3].map((i) => messages.slice(Math.floor((i * messages.length) / 4), Math.floor(((i + 1) * messages.length) / 4)));
    const engine = context.engine('engine');
    await engine.start();

    // Round 1: the exact moment, made to happen.
    await context.publish(parts[0]);
    await context.settled();
    const holder = new Client({ connectionString: context.databaseUrl });
    await holder.connect();
    await holder.query('SELECT pg_advisory_lock($1)', [HOLD_LOCK]);
    await holder.query(`
      CREATE FUNCTION fault_hold_outbox_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_advisory_lock(${HOLD_LOCK}); PERFORM pg_advisory_unlock(${HOLD_LOCK}); RETURN NULL; END $$`);
    await holder.query(`CREATE TRIGGER fault_hold_outbox_delete BEFORE DELETE ON outbox FOR EACH STATEMENT EXECUTE FUNCTION fault_hold_outbox_delete()`);
    await context.publish(parts[1]);
    await context.until(async () => {
      const rows = await context.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE 'DELETE FROM outbox%'`);
      return rows.length > 0;
    }, 120_000, 'the relay to block in its DELETE, after publishing');
    const [{ n: held }] = await context.query<{ n: number }>('SELECT coalesce(sum(message_count), 0)::int AS n FROM outbox');
    await engine.kill();
    // the killed engine's backends would sit in the DELETE until they notice the lost client: cut them now
    await context.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'commission-engine'`);
    const pending = (await context.query<{ messages: string }>('SELECT messages FROM outbox')).flatMap((r) => (JSON.parse(r.messages) as string[][]).map((m) => m[0]));
    const publishedBeforeKill = new Set<string>();
    for (const topic of [context.topics.status, context.topics.accrued]) {
      for (const m of await context.kafka.readTopic(topic, 2000)) publishedBeforeKill.add(JSON.parse(m.value!.toString()).id);
    }
    const heldAndPublished = pending.filter((id) => publishedBeforeKill.has(id)).length;
    await holder.query('DROP TRIGGER fault_hold_outbox_delete ON outbox');
    await holder.query('DROP FUNCTION fault_hold_outbox_delete()');
    await holder.query('SELECT pg_advisory_unlock($1)', [HOLD_LOCK]);
    await holder.end();
    await engine.start();

    // Rounds 2 and 3: random moments with a non-empty outbox, while a part of the load is being processed.
    const randomKills: number[] = [];
    for (const part of [parts[2], parts[3]]) {
      // The restarted engine gets its partitions only when the killed member's session expires: its first message
      // goes first, so that the rest is published while the engine consumes (not as a backlog done in a blink).
      await context.publish(part.slice(0, 1));
      await context.settled();
      const storedBefore = await context.storedEvents();
      const publishing = context.publish(part.slice(1), { rate: 1500 });
      await context.until(async () => (await context.storedEvents()) > storedBefore, 120_000, 'the engine to process the part');
      await sleep(100 + 400 * random());
      // (every 2 ms: a transaction's outbox row lives only until the relay has published it, a few milliseconds)
      await context.until(async () => (await context.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox'))[0].n > 0, 120_000, 'a non-empty outbox', 2);
      await engine.kill();
      randomKills.push((await context.query<{ n: number }>('SELECT coalesce(sum(message_count), 0)::int AS n FROM outbox'))[0].n);
      await engine.start();
      await publishing;
    }
    await context.settled(300_000);

    const ledger = await compareLedger(context, reference);
    const outputs = await compareOutputs(context);
    recordOutcome('outbox-relay-kill', {
      seed, runs: 1, messages: messages.length, validEvents: reference.events.length,
      round1: { outboxMessagesAtKill: held, pendingAfterKill: pending.length, ofWhichAlreadyPublished: heldAndPublished },
      randomKillsOutboxMessages: randomKills, exits: engine.exits,
      ledger: { ...ledger, differences: ledger.differences.length }, outputs: { ...outputs, differences: outputs.differences.length },
      verdict: ledger.differences.length + outputs.differences.length === 0 ? 'identical' : 'DIFFERENT',
    });
    // round 1 really killed the relay after the publish: rows still in the outbox were already on the topic
    expect(heldAndPublished).toBeGreaterThan(0);
    // ... so they were published twice, and a consumer deduplicating by id sees each of them once
    expect(outputs.accruedRepublished + outputs.statusRepublished).toBeGreaterThanOrEqual(heldAndPublished);
    expect(outputs.accruedIds).toBe(ledger.entries);
    expect(ledger.differences.slice(0, 20)).toEqual([]);
    expect(outputs.differences.slice(0, 20)).toEqual([]);
  });

  it('publishes a burst of one partner (one key, one partition) in requests the broker accepts', async () => {
    // commission.accrued is keyed by partner: with one partner, a relay batch of 2,000 rows (~1.2 MB) goes to one
    // partition, over the broker's 1 MiB record-batch limit unless the producer splits it
    const burst = await FaultContext.create({ label: 'burst', partitions: 3 });
    try {
      // ids as long as UUIDs (as upstream systems often have them): ~600 bytes per commission.accrued event
      const messages = sampleStream({ seed: seed % 1000, prospects: 1500, partners: 1, idPrefix: `burst-${seed.toString(16).padStart(8, '0')}-4e1f-9a7c-2f0d3c5b8e61` });
      const reference = referenceRun(messages, burst.now);
      // the outbox fills while the relay cannot publish (as when the broker was away, or another instance held
      // the relay): this test holds the relay's advisory lock until every event is stored
      const holder = new Client({ connectionString: burst.databaseUrl });
      const engine = burst.engine('engine');
      await burst.publish(messages);
      await ensureDatabase(burst.databaseUrl);
      await holder.connect();
      await holder.query('SELECT pg_advisory_lock($1)', [LOCKS.outboxRelay]);
      await engine.start();
      await burst.until(async () => (await burst.storedEvents()) === reference.events.length, 120_000, 'every event stored');
      const [{ n: peak }] = await burst.query<{ n: number }>('SELECT coalesce(sum(message_count), 0)::int AS n FROM outbox');
      const [{ accrued }] = await burst.query<{ accrued: number }>(
        `SELECT count(*)::int AS accrued FROM outbox, json_array_elements(messages::json) AS m WHERE m->>0 LIKE 'ledger-entry:%'`,
      );
      await holder.end(); // releases the relay
      await burst.until(async () => (await burst.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox'))[0].n === 0, 120_000, 'the outbox to drain');
      await burst.settled();
      const ledger = await compareLedger(burst, reference);
      const outputs = await compareOutputs(burst);
      recordOutcome('outbox-burst-one-partner', {
        seed, runs: 1, messages: messages.length, outboxPeak: peak, accruedInOutbox: accrued, ledgerEntries: ledger.entries, accruedIds: outputs.accruedIds,
        verdict: ledger.differences.length + outputs.differences.length === 0 ? 'identical' : 'DIFFERENT',
      });
      expect(accrued).toBeGreaterThan(4000);
      expect(ledger.differences.slice(0, 20)).toEqual([]);
      expect(outputs.differences.slice(0, 20)).toEqual([]);
    } finally {
      await burst.dispose();
    }
  });
});
