import { DLQ_HEADERS, topicNames } from '@engine/contracts';
import { InboundBatch } from '@engine/messaging';
import { openMigratedDataSource } from '@engine/persistence';
import { cloudEvents as ce, dropDatabase, testDatabaseUrl } from '@engine/testing';
import { DataSource } from 'typeorm';
import { ingestLine } from './support/ingest-line';

/**
 * A partition batch can be delivered twice before either copy is committed (a consumer group that rebalances
 * while the first copy waits in the queue), and both copies can then be merged into one transaction: each bad
 * message must still reach the DLQ once.
 */
describe('a partition batch delivered twice into one transaction', () => {
  const topics = topicNames('dlqonce.');
  let databaseUrl: string;
  let dataSource: DataSource;

  beforeAll(async () => {
    databaseUrl = testDatabaseUrl('dlqonce');
    dataSource = await openMigratedDataSource(databaseUrl, 2);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await dropDatabase(databaseUrl).catch(() => undefined);
  });

  it('dead-letters each bad message once and applies each event once', async () => {
    const { scheduler: ingest, deadLetters: sent } = ingestLine(dataSource, { topics, now: Date.parse('2026-11-01T00:00:00Z') });
    const batch = (partition: number, values: string[]): InboundBatch => ({
      topic: topics.referrals, partition, highWatermark: String(values.length),
      messages: values.map((value, offset) => ({ topic: topics.referrals, partition, offset: String(offset), key: null, value: Buffer.from(value), timestamp: '0', headers: {} })),
    });
    const first = batch(0, [ce.submitted({ referralId: 'R-D0', partnerId: 'P-D', domain: 'd-zero.example', time: '2026-10-01T00:00:00Z' }).value]);
    const twice = batch(1, [
      ce.submitted({ referralId: 'R-D1', partnerId: 'P-D', domain: 'd-one.example', time: '2026-10-01T00:00:00Z' }).value,
      '{ not json',
      JSON.stringify({ specversion: '1.0', id: 'x', source: 's', type: 'referral.submitted', time: 'yesterday', data: {} }),
    ]);

    const a = await ingest.accept(first); // its transaction starts at once
    const b = await ingest.accept(twice); // both copies wait behind it, and go into the next transaction together
    const c = await ingest.accept(twice);
    const [, reportB, reportC] = await Promise.all([a.applied, b.applied, c.applied]);

    expect(reportB).toBe(reportC); // one transaction for both copies
    expect(reportB.applied).toBe(1);
    expect(sent.map((m) => [m.headers?.[DLQ_HEADERS.offset], m.headers?.[DLQ_HEADERS.code]])).toEqual([
      ['1', 'MALFORMED_JSON'],
      ['2', 'INVALID_ENVELOPE'],
    ]);
    const [{ n }] = await dataSource.query('SELECT count(*)::int AS n FROM dead_letter');
    expect(n).toBe(2);
    await ingest.close();
  });
});
