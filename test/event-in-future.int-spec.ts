import { DLQ_HEADERS, topicNames } from '@engine/contracts';
import { InboundBatch } from '@engine/messaging';
import { openMigratedDataSource } from '@engine/persistence';
import { cloudEvents as ce, dropDatabase, testDatabaseUrl } from '@engine/testing';
import { DataSource } from 'typeorm';
import { ingestLine } from './support/ingest-line';

/** CONTRACT §2: an event dated after the engine clock plus FUTURE_TOLERANCE [24h] is dead-lettered EVENT_IN_FUTURE, not applied. */
describe('events from the future', () => {
  const topics = topicNames('future.');
  const now = Date.parse('2026-11-01T00:00:00Z');
  let databaseUrl: string;
  let dataSource: DataSource;

  beforeAll(async () => {
    databaseUrl = testDatabaseUrl('future');
    dataSource = await openMigratedDataSource(databaseUrl, 2);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await dropDatabase(databaseUrl).catch(() => undefined);
  });

  it('refuses an event later than the clock plus 24 h and applies one within it, in the same batch', async () => {
    const { scheduler, deadLetters } = ingestLine(dataSource, { topics, now });
    const values = [
      ce.submitted({ referralId: 'R-SOON', partnerId: 'P-1', domain: 'soon.example', time: '2026-11-01T23:59:59.999Z' }).value,
      ce.submitted({ referralId: 'R-LATER', partnerId: 'P-1', domain: 'later.example', time: '2026-11-02T00:00:00.001Z' }).value,
    ];
    const batch: InboundBatch = {
      topic: topics.referrals, partition: 0, highWatermark: '2',
      messages: values.map((value, offset) => ({ topic: topics.referrals, partition: 0, offset: String(offset), key: null, value: Buffer.from(value), timestamp: '0', headers: {} })),
    };
    const report = await (await scheduler.accept(batch)).applied;
    await scheduler.close();

    expect(report.applied).toBe(1);
    expect(report.deadLetters).toEqual(['EVENT_IN_FUTURE']);
    expect(deadLetters.map((m) => [m.headers?.[DLQ_HEADERS.code], m.headers?.[DLQ_HEADERS.offset], m.value.toString()])).toEqual([['EVENT_IN_FUTURE', '1', values[1]]]);
    expect(deadLetters[0].headers?.[DLQ_HEADERS.message]).toMatch(/2026-11-02T00:00:00.001Z is later than the engine clock plus FUTURE_TOLERANCE \(2026-11-02T00:00:00.000Z\)/);
    const rows = await dataSource.query(`SELECT referral_id FROM referral ORDER BY referral_id`);
    expect(rows.map((r: { referral_id: string }) => r.referral_id)).toEqual(['R-SOON']);
    const [{ n }] = await dataSource.query(`SELECT count(*)::int AS n FROM input_event WHERE referral_id = 'R-LATER'`);
    expect(n).toBe(0); // not stored: a corrected copy with the same id is not a conflict
  });
});
