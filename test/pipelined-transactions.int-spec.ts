import { Clock } from '@engine/config';
import { topicNames } from '@engine/contracts';
import { STANDARD_PROGRAM } from '@engine/domain';
import { InboundBatch, MessageProducer } from '@engine/messaging';
import { openMigratedDataSource } from '@engine/persistence';
import { cloudEvents as ce, dropDatabase, sampleStream, ScenarioMessage, testDatabaseUrl } from '@engine/testing';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { IngestService } from '../apps/engine/src/ingest/ingest.service';
import { RuleEngine } from '../apps/engine/src/ingest/rule-engine.service';
import { EngineMetrics } from '../apps/engine/src/observability/engine-metrics';

/**
 * Transactions begun on top of the one in flight (IngestService.pump): the next group's rules run while PostgreSQL
 * still executes the one before. Whatever happens to the one in flight, the end state is the one-at-a-time state.
 */
describe('transactions begun on top of the one in flight', () => {
  const topics = topicNames(''); // the contract's own names, as sampleStream writes them
  const now = new Clock(Date.parse('2026-11-01T00:00:00Z'));
  const producer: MessageProducer = { send: async () => undefined, sendMany: async () => undefined };
  const opened: { url: string; dataSource: DataSource }[] = [];

  async function database(name: string): Promise<DataSource> {
    const url = testDatabaseUrl(name);
    const dataSource = await openMigratedDataSource(url, 6);
    opened.push({ url, dataSource });
    return dataSource;
  }

  afterAll(async () => {
    for (const { url, dataSource } of opened) {
      await dataSource.destroy().catch(() => undefined);
      await dropDatabase(url).catch(() => undefined);
    }
  });

  function ingestOf(dataSource: DataSource, options: { pipelined: boolean; perTransaction: number; failures?: unknown[] }) {
    const metrics = new EngineMetrics();
    const ingest = new IngestService(
      dataSource, new RuleEngine(STANDARD_PROGRAM, topics), async () => producer, topics, now, metrics, () => undefined, undefined,
      (error) => options.failures?.push(error), () => undefined,
      { maxMessagesPerTransaction: options.perTransaction, maxQueuedMessages: 10_000, pipelined: options.pipelined },
    );
    return { ingest, metrics };
  }

  /** One partition batch per `size` messages (partition 0 of each topic, offsets counted per topic). */
  function batches(messages: ScenarioMessage[], size: number): InboundBatch[] {
    const offsets = new Map<string, number>();
    const out: InboundBatch[] = [];
    for (let i = 0; i < messages.length; i += size) {
      for (const [topic, group] of groupBy(messages.slice(i, i + size), (m) => m.topic)) {
        out.push({
          topic, partition: 0, highWatermark: '0',
          messages: group.map((m) => {
            const offset = offsets.get(topic) ?? 0;
            offsets.set(topic, offset + 1);
            return { topic, partition: 0, offset: String(offset), key: Buffer.from(m.key ?? ''), value: Buffer.from(m.value), timestamp: '0', headers: {} };
          }),
        });
      }
    }
    return out;
  }

  /** Everything the engine decides, in a comparable form (ids of ledger entries and outbox rows left out). */
  async function endState(dataSource: DataSource) {
    const rows = (sql: string) => dataSource.query(sql).then((r: object[]) => r.map((row) => JSON.stringify(row)));
    return {
      events: await rows('SELECT source, event_id, payload_hash FROM input_event ORDER BY 1, 2'),
      referrals: await rows(`SELECT referral_id, status, reason, customer_id, qualified_at, qualifying_spend::text, expires_at FROM referral ORDER BY 1`),
      history: await rows('SELECT referral_id, sequence, status, reason FROM referral_status_history ORDER BY 1, 2'),
      ledger: await rows(`SELECT referral_id, slot, currency, effective_period, sum(amount)::text AS amount FROM ledger_entry
                           GROUP BY 1, 2, 3, 4 HAVING sum(amount) <> 0 ORDER BY 1, 2, 3, 4`),
      statusEvents: await rows(`SELECT m->>0 AS event_id FROM outbox, json_array_elements(messages::json) AS m WHERE m->>0 LIKE 'referral-status:%' ORDER BY 1`),
    };
  }

  const onTop = async (metrics: EngineMetrics, outcome: string) =>
    (await metrics.transactionsOnTop.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;

  it('ends where one transaction at a time ends, having run most transactions on top of another', async () => {
    const stream = sampleStream({ seed: 7, prospects: 400, linesPerCustomer: 12, idPrefix: 'pl', outOfOrderShare: 0.2 });
    const input = batches([...stream, ...stream.slice(0, 300)], 97); // and a redelivered stretch: duplicates across transactions
    const results = [];
    for (const pipelined of [false, true]) {
      const dataSource = await database(`pipelined_${pipelined}`);
      const { ingest, metrics } = ingestOf(dataSource, { pipelined, perTransaction: 200 });
      const accepted = [];
      for (const batch of input) accepted.push((await ingest.accept(batch)).applied);
      const reports = await Promise.all(accepted);
      await ingest.close();
      results.push({
        state: await endState(dataSource),
        applied: reports.reduce((sum, r, i) => (reports.indexOf(r) === i ? sum + r.applied : sum), 0),
        committedOnTop: await onTop(metrics, 'committed'),
      });
    }
    const [alone, pipelined] = results;
    expect(alone.committedOnTop).toBe(0);
    expect(pipelined.committedOnTop).toBeGreaterThan(input.length / 10);
    expect(pipelined.applied).toBe(alone.applied);
    expect(alone.state.events).toHaveLength(stream.length);
    expect(alone.state.ledger.length).toBeGreaterThan(0);
    expect(pipelined.state).toEqual(alone.state);
  });

  it('does not commit on top of a transaction that failed: it is done again after that one, alone', async () => {
    const dataSource = await database('pipelined_failure');
    const failures: unknown[] = [];
    const { ingest, metrics } = ingestOf(dataSource, { pipelined: true, perTransaction: 1, failures });
    const blocker = new Client({ connectionString: opened[opened.length - 1].url });
    await blocker.connect();
    try {
      // The first transaction stops at its outbox insert (the table is locked), after its writes were queued: the
      // second begins on top of it and waits for the rule-state lock. The first one's connection is then killed.
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE outbox IN SHARE ROW EXCLUSIVE MODE');
      const [first, second] = batches(
        [
          ce.submitted({ referralId: 'R-P1', partnerId: 'P-P', domain: 'p-one.example', time: '2026-10-01T00:00:00Z' }),
          ce.submitted({ referralId: 'R-P2', partnerId: 'P-P', domain: 'p-two.example', time: '2026-10-01T00:00:00Z' }),
        ],
        1,
      );
      const a = (await ingest.accept(first)).applied;
      const b = (await ingest.accept(second)).applied;
      // (pg_stat_activity's text can be the statement before: a lock taken while parsing is waited for before the
      // new text is reported; the lock waited on tells them apart)
      const waiting = async () =>
        (await blocker.query(`SELECT pid, wait_event FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)).rows as { pid: number; wait_event: string }[];
      let rows: { pid: number; wait_event: string }[] = [];
      for (let i = 0; i < 400 && rows.length < 2; i++) {
        rows = await waiting();
        if (rows.length < 2) await new Promise((resolve) => setTimeout(resolve, 25));
      }
      const outboxInsert = rows.find((r) => r.wait_event === 'relation'); // the first, at the locked table
      expect(outboxInsert).toBeDefined();
      expect(rows.some((r) => r.wait_event === 'transactionid')).toBe(true); // the second, on top: the rule-state row lock
      await blocker.query('SELECT pg_terminate_backend($1)', [outboxInsert!.pid]);
      await blocker.query('ROLLBACK');

      const [reportA, reportB] = await Promise.all([a, b]);
      expect([reportA.applied, reportB.applied]).toEqual([1, 1]);
      expect(failures).toHaveLength(1); // the first one's connection, retried
      expect(await onTop(metrics, 'redone')).toBe(1);
      expect(await onTop(metrics, 'committed')).toBe(0);
      const state = await endState(dataSource);
      expect(state.referrals.map((r) => JSON.parse(r).referral_id)).toEqual(['R-P1', 'R-P2']);
      const published = await dataSource.query(`SELECT m->>0 AS id FROM outbox, json_array_elements(messages::json) AS m ORDER BY outbox.id`);
      expect(published.map((m: { id: string }) => m.id)).toEqual(['referral-status:R-P1:1', 'referral-status:R-P2:1']); // in commit order
      const [{ version }] = await dataSource.query('SELECT version::int FROM rule_state_version');
      expect(version).toBe(2); // two commits, nothing else
    } finally {
      await blocker.end();
      await ingest.close();
    }
  });
});

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
}
