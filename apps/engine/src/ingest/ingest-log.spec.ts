import { topicNames } from '@engine/contracts';
import { InboundBatch } from '@engine/messaging';
import { capturedLogs } from '@engine/testing';
import { createRootLogger } from '../observability/logging';
import { AppliedReport } from './apply-events.use-case';
import { BatchScheduler, offsetRanges } from './batch-scheduler';
import { ingestLog } from './ingest-log';

const topics = topicNames('');
const ok: AppliedReport = { applied: 2, duplicates: 1, deadLetters: [] };

function batch(topic: string, partition: number, from: number, size: number): InboundBatch {
  const messages = Array.from({ length: size }, (_, i) => ({
    topic, partition, offset: String(from + i), key: null, value: Buffer.from('{}'), timestamp: '0', headers: {},
  }));
  return { topic, partition, highWatermark: String(from + size), messages };
}

/** The scheduler with the engine's logging callbacks (engine.module.ts), its lines written as JSON at LOG_LEVEL=debug. */
function loggedScheduler(apply: (size: number) => Promise<AppliedReport>, park: () => Promise<void> = async () => undefined) {
  const logs = capturedLogs();
  const log = ingestLog(createRootLogger({ logLevel: 'debug', logFormat: 'json' }, logs).child({ context: 'Ingest' }));
  const scheduler = new BatchScheduler({
    apply: (messages) => apply(messages.length), park, topics, maxAttempts: 2, maxBackoffMs: 5,
    onCommitted: (report, batches, started, tx) => log.committed(report, batches.reduce((n, b) => n + b.messages.length, 0), tx, Number(process.hrtime.bigint() - started) / 1e6),
    onFailure: (error, attempt, messages, tx) => log.failed(error, attempt, messages, tx),
    onParked: (record, tx) => log.parked(record, tx),
  });
  return { scheduler, logs };
}

describe('ingest log lines', () => {
  it('a committed transaction: one debug line with its id, the offsets of its batches and what it did', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { scheduler, logs } = loggedScheduler(async () => (await gate, ok));
    const first = await scheduler.accept(batch(topics.billing, 0, 0, 2)); // its transaction waits at the gate…
    const second = await scheduler.accept(batch(topics.billing, 1, 40, 3)); // …while these two queue up for the next one
    const third = await scheduler.accept(batch(topics.referrals, 0, 7, 1));
    release();
    await Promise.all([first.applied, second.applied, third.applied]);
    await scheduler.close();

    const lines = logs.json();
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatchObject({ level: 'debug', context: 'Ingest', applied: 2, duplicates: 1, deadLetters: 0, parked: 0 });
    expect(lines[0]).toMatchObject({ messages: 2, batches: [{ topic: 'billing.usage.v1', partition: 0, fromOffset: '0', toOffset: '1' }] });
    expect(lines[1]).toMatchObject({
      messages: 4,
      batches: [{ topic: 'billing.usage.v1', partition: 1, fromOffset: '40', toOffset: '42' }, { topic: 'partner.referrals.v1', partition: 0, fromOffset: '7', toOffset: '7' }],
      msg: expect.stringMatching(/^transaction committed: 4 message\(s\) of 2 batch\(es\), 2 applied, 1 duplicate\(s\), 0 dead-lettered, 0 parked, in \d+\.\d ms$/),
    });
    const [a, b] = lines.map((l) => l.txId as string);
    expect(a).toMatch(/^[0-9a-f]{6}-1$/);
    expect(b).toBe(`${a.split('-')[0]}-2`);
  });

  it('a failing transaction: a warn line per try and an error line per message parked, all with the same txId', async () => {
    const poison = Object.assign(new Error('value too long for type character varying(64)'), { code: '22001' });
    // the group fails, so does each half, and the message alone: parked
    const { scheduler, logs } = loggedScheduler(() => Promise.reject(poison));
    const parked = await scheduler.handleBatch(batch(topics.lifecycle, 3, 100, 2));
    await scheduler.close();
    expect(parked.parked).toBe(2);

    const lines = logs.json();
    const txIds = new Set(lines.map((l) => l.txId));
    expect(txIds.size).toBe(1);
    const warnings = lines.filter((l) => l.level === 'warn');
    expect(warnings[0]).toMatchObject({
      context: 'Ingest', attempt: 1, messages: 2, errorCode: '22001', batches: [{ topic: 'customer.lifecycle.v1', partition: 3, fromOffset: '100', toOffset: '101' }],
      msg: 'transaction of 2 message(s) failed (attempt 1): value too long for type character varying(64)',
    });
    expect(warnings.filter((l) => l.messages === 1).map((l) => (l.batches as { fromOffset: string }[])[0].fromOffset)).toEqual(['100', '100', '101', '101']);
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors).toEqual([
      expect.objectContaining({ batches: [{ topic: 'customer.lifecycle.v1', partition: 3, fromOffset: '100', toOffset: '100' }], attempts: 2, errorCode: '22001' }),
      expect.objectContaining({ batches: [{ topic: 'customer.lifecycle.v1', partition: 3, fromOffset: '101', toOffset: '101' }], attempts: 2 }),
    ]);
    expect(errors[0].msg).toMatch(/^parked customer\.lifecycle\.v1\/3@100 \(\?, \?\) after 2 attempts: value too long/);
  });

  it('offsetRanges: per topic and partition, first and last offset', () => {
    const messages = [...batch('a', 0, 5, 3).messages, ...batch('b', 1, 0, 1).messages, ...batch('a', 0, 8, 2).messages].map((message) => ({
      message, refused: { code: 'INVALID_JSON' as never, reason: '' },
    }));
    expect(offsetRanges(messages)).toEqual([
      { topic: 'a', partition: 0, fromOffset: '5', toOffset: '9' },
      { topic: 'b', partition: 1, fromOffset: '0', toOffset: '0' },
    ]);
  });
});
