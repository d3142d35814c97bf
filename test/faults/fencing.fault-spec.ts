import { topicNames } from '@engine/contracts';
import { InboundBatch, OutboundMessage } from '@engine/messaging';
import { createDataSource, openMigratedDataSource } from '@engine/persistence';
import { cloudEvents as ce, dropDatabase, sampleStream, ScenarioMessage, seededRandom, shuffled, testDatabaseUrl } from '@engine/testing';
import { DataSource } from 'typeorm';
import { BatchScheduler } from '../../apps/engine/src/ingest/batch-scheduler';
import { ApplyEvents } from '../../apps/engine/src/ingest/apply-events.use-case';
import { ingestLine } from '../support/ingest-line';
import { ENGINE_NOW } from './support/fault-context';
import { faultSeed, recordOutcome } from './support/outcomes';
import { compareLedger, EngineView, expectationOf, referenceRun } from './support/reference';

/**
 * (g) Fencing: a stale worker can never double anything. Two BatchScheduler instances, each with its own
 * connection pool and its own in-memory working set, write to one database the way two engine processes do when
 * a rebalance leaves a batch in flight on the member that lost the partition. The event store's primary key
 * decides which of them applies an event; the rule-state lock serialises them; `rule_state_version` tells a
 * worker that someone else wrote since its last commit, and it drops its working set.
 */
describe('fault: fencing of stale workers (two ingest lines on one database)', () => {
  const topics = topicNames('');
  const now = Date.parse(ENGINE_NOW);
  let databaseUrl: string;
  const sources: DataSource[] = [];

  /** A worker as an engine process has it: its own pool, rule engine (working set) and DLQ producer. */
  async function worker(): Promise<{ ingest: BatchScheduler; rules: ApplyEvents; deadLetters: OutboundMessage[] }> {
    const dataSource = sources.length === 0 ? await openMigratedDataSource(databaseUrl, 4) : await createDataSource(databaseUrl, 4).initialize();
    sources.push(dataSource);
    const { scheduler: ingest, rules, deadLetters } = ingestLine(dataSource, { topics, now });
    return { ingest, rules, deadLetters };
  }

  let offset = 0;
  const batch = (messages: ScenarioMessage[], partition = 0): InboundBatch => ({
    topic: messages[0].topic, partition, highWatermark: '0',
    messages: messages.map((m) => ({
      topic: m.topic, partition, offset: String(offset++), key: m.key === null ? null : Buffer.from(m.key), value: Buffer.from(m.value), timestamp: '0', headers: {},
    })),
  });
  /** One batch per topic (a partition batch carries one topic). */
  const batches = (messages: ScenarioMessage[]) =>
    [...new Set(messages.map((m) => m.topic))].map((topic) => batch(messages.filter((m) => m.topic === topic)));

  /** What compareLedger reads: the database. */
  const view = (): Pick<EngineView, 'query'> => ({ query: async (sql: string, params: unknown[] = []) => sources[0].query(sql, params) });

  beforeEach(async () => {
    databaseUrl = testDatabaseUrl('ffence');
  });

  afterEach(async () => {
    for (const s of sources.splice(0)) await s.destroy().catch(() => undefined);
    await dropDatabase(databaseUrl).catch(() => undefined);
  });

  /**
   * The stale-read case, step by step. Worker A applies a referral's story and a first usage line of 30,000.00
   * (bonus, and 4,000.00 of commission: 10% to the tier boundary, 15% above). Worker B applies a second line of
   * 10,000.00: 1,000.00, which reaches the 5,000.00 commission cap. Then A gets a third line of 10,000.00: nothing
   * is left under the cap. If A trusted its working set (it has not seen B's line nor B's entry), it would pay
   * 1,000.00 more, over the cap. `disableFence` switches the version check off to show that it is what stops it.
   */
  async function staleReadCase(disableFence: boolean) {
    const [a, b] = [await worker(), await worker()];
    if (disableFence) {
      const workingSet = (a.rules as unknown as { workingSet: { begin: (version: bigint) => void; pendingVersion: bigint | null } }).workingSet;
      workingSet.begin = function begin(this: { pendingVersion: bigint | null }, version: bigint) { this.pendingVersion = version; };
    }
    const story = [
      ce.submitted({ referralId: 'R-F1', partnerId: 'P-F', domain: 'fence.example', time: '2026-01-02T00:00:00Z', id: 'f-1' }),
      ce.signedUp({ customerId: 'C-F1', domain: 'fence.example', time: '2026-01-05T00:00:00Z', id: 'f-2' }),
      ce.activated({ customerId: 'C-F1', time: '2026-01-06T00:00:00Z', id: 'f-3' }),
      ce.usage({ customerId: 'C-F1', invoiceLineId: 'L1', amount: '30000.00', time: '2026-02-01T00:00:00Z', id: 'f-4' }),
    ];
    const line2 = ce.usage({ customerId: 'C-F1', invoiceLineId: 'L2', amount: '10000.00', time: '2026-03-01T00:00:00Z', id: 'f-5' });
    const line3 = ce.usage({ customerId: 'C-F1', invoiceLineId: 'L3', amount: '10000.00', time: '2026-04-01T00:00:00Z', id: 'f-6' });
    for (const m of batches(story)) await a.ingest.handleBatch(m);
    await b.ingest.handleBatch(batch([line2]));
    await a.ingest.handleBatch(batch([line3]));
    const reference = referenceRun([...story, line2, line3], now);
    const ledger = await compareLedger(view(), reference);
    const [{ paid }] = await sources[0].query(`SELECT sum(amount)::text AS paid FROM ledger_entry WHERE type = 'USAGE_COMMISSION'`);
    return { ...ledger, usageCommission: paid };
  }

  it('a worker whose working set went stale reloads it: the commission cap is used once', async () => {
    const fenced = await staleReadCase(false);
    recordOutcome('fencing-stale-read', { runs: 1, fence: 'on', usageCommission: fenced.usageCommission, differences: fenced.differences });
    expect(fenced.differences).toEqual([]);
    expect(fenced.usageCommission).toBe('500000'); // the cap, 5,000.00
  });

  it('(control) with the version check switched off, the same steps pay over the cap', async () => {
    const unfenced = await staleReadCase(true);
    recordOutcome('fencing-stale-read-control', { runs: 1, fence: 'off', usageCommission: unfenced.usageCommission, differences: unfenced.differences });
    expect(unfenced.differences.length).toBeGreaterThan(0);
    expect(unfenced.usageCommission).toBe('600000');
  });

  it('two workers given the same events concurrently, in different orders and chunkings, apply each once', async () => {
    const seed = faultSeed();
    const random = seededRandom(seed);
    const ROUNDS = 3;
    const outcomes: { round: number; chunks: number; differences: number; deadLetters: number; version: string }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      if (round > 0) {
        for (const s of sources.splice(0)) await s.destroy();
        await dropDatabase(databaseUrl);
        databaseUrl = testDatabaseUrl('ffence');
      }
      const [a, b] = [await worker(), await worker()];
      const messages = sampleStream({ seed: seed + round, prospects: 300, idPrefix: `fence${round}`, outOfOrderShare: 0.2 });
      const reference = referenceRun(messages, now);
      const chunksOf = (items: ScenarioMessage[]) => {
        const out: ScenarioMessage[][] = [];
        for (let i = 0; i < items.length;) {
          const size = 1 + Math.floor(random() * 120);
          out.push(items.slice(i, i + size));
          i += size;
        }
        return out;
      };
      // A: the stream in order; B: the same events shuffled. Each chunk becomes one batch per topic; each worker
      // keeps one to three batches in flight (merged by its group commit), both workers at the same time.
      const forA = chunksOf(messages).flatMap(batches);
      const forB = chunksOf(shuffled(messages, random)).flatMap(batches);
      const feed = async (ingest: BatchScheduler, list: InboundBatch[]) => {
        for (let i = 0; i < list.length;) {
          const inFlight = list.slice(i, i + 1 + Math.floor(random() * 3));
          i += inFlight.length;
          await Promise.all(inFlight.map((m) => ingest.handleBatch(m)));
        }
      };
      await Promise.all([feed(a.ingest, forA), feed(b.ingest, forB)]);
      // then each worker gets a late redelivery of random chunks again (a stale member's batch, replayed)
      await Promise.all([...shuffled(forA, random).slice(0, 10).map((m) => b.ingest.handleBatch(m)), ...shuffled(forB, random).slice(0, 10).map((m) => a.ingest.handleBatch(m))]);
      const ledger = await compareLedger(view(), reference);
      const [{ version }] = await sources[0].query('SELECT version::text FROM rule_state_version');
      outcomes.push({ round, chunks: forA.length + forB.length, differences: ledger.differences.length, deadLetters: a.deadLetters.length + b.deadLetters.length, version });
      expect(ledger.differences.slice(0, 20)).toEqual([]);
      expect(a.deadLetters.length + b.deadLetters.length).toBe(0);
    }
    recordOutcome('fencing-concurrent-workers', { seed, runs: ROUNDS, outcomes, verdict: outcomes.every((o) => o.differences === 0) ? 'identical' : 'DIFFERENT' });
  });

  it('nobody can edit what was posted: UPDATE, DELETE and TRUNCATE of ledger_entry are refused', async () => {
    const a = await worker();
    const story = [
      ce.submitted({ referralId: 'R-F2', partnerId: 'P-F', domain: 'immutable.example', time: '2026-01-02T00:00:00Z', id: 'g-1' }),
      ce.signedUp({ customerId: 'C-F2', domain: 'immutable.example', time: '2026-01-05T00:00:00Z', id: 'g-2' }),
      ce.activated({ customerId: 'C-F2', time: '2026-01-06T00:00:00Z', id: 'g-3' }),
      ce.usage({ customerId: 'C-F2', invoiceLineId: 'L1', amount: '300.00', time: '2026-02-01T00:00:00Z', id: 'g-4' }),
    ];
    for (const m of batches(story)) await a.ingest.handleBatch(m);
    const before = await sources[0].query('SELECT * FROM ledger_entry ORDER BY entry_id');
    expect(before.length).toBeGreaterThan(0);
    const refused: string[] = [];
    for (const sql of ['UPDATE ledger_entry SET amount = amount * 2', 'DELETE FROM ledger_entry', 'TRUNCATE ledger_entry CASCADE', `UPDATE ledger_entry SET partner_id = 'P-X' WHERE entry_id = ${before[0].entry_id}`]) {
      await sources[0].query(sql).then(() => refused.push(`ACCEPTED: ${sql}`), (error: Error) => refused.push(error.message));
    }
    recordOutcome('ledger-append-only', { runs: 1, statements: 4, refused });
    expect(refused.every((message) => /append-only/.test(message))).toBe(true);
    expect(await sources[0].query('SELECT * FROM ledger_entry ORDER BY entry_id')).toEqual(before);
  });

  it('keeps expectationOf consistent with referenceRun (sanity of the helper)', () => {
    const messages = sampleStream({ seed: 5, prospects: 20, idPrefix: 'sanity' });
    const reference = referenceRun(messages, now);
    expect(expectationOf(reference.events, now)).toEqual({ referrals: reference.referrals, cells: reference.cells, totals: reference.totals, amounts: reference.amounts });
  });
});
