import { topicNames } from '@engine/contracts';
import { ConsumerLease, InboundBatch } from '@engine/messaging';
import { AppliedReport, IngestMessage } from './apply-events.use-case';
import { BatchGivenBackError, BatchScheduler, BatchSchedulerOptions, isOutage } from './batch-scheduler';

const topics = topicNames('');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ok: AppliedReport = { applied: 0, duplicates: 0, deadLetters: [] };
/** an outage as the driver reports it (SQLSTATE 08006: connection failure) */
const outage = () => Object.assign(new Error('connection failure'), { code: '08006' });

let nextOffset = 0;
function batch(partition: number, size = 1): InboundBatch {
  const messages = Array.from({ length: size }, () => ({
    topic: topics.billing, partition, offset: String(nextOffset++), key: null, value: Buffer.from('{}'), timestamp: '0', headers: {},
  }));
  return { topic: topics.billing, partition, highWatermark: String(nextOffset), messages };
}

/** A lease that counts heartbeats; `active` can be switched off like a rebalance does. */
function lease(): ConsumerLease & { beats: number; active: boolean } {
  return { beats: 0, active: true, heartbeatIntervalMs: 20, async heartbeat() { this.beats++; } };
}

function scheduler(apply: BatchSchedulerOptions['apply'], extra: Partial<BatchSchedulerOptions> = {}): BatchScheduler {
  return new BatchScheduler({ apply, park: async () => undefined, topics, maxBackoffMs: 20, ...extra });
}

describe('BatchScheduler: heartbeats while it holds batches', () => {
  it('heartbeats the consumer while a transaction is retried through an outage, and stops once it is applied', async () => {
    let failures = 0;
    let down = true;
    const ingest = scheduler(async () => {
      if (down) {
        failures++;
        throw outage();
      }
      return ok;
    });
    const l = lease();
    const { applied } = await ingest.accept(batch(0), l);
    await sleep(300);
    expect(failures).toBeGreaterThan(3);
    expect(l.beats).toBeGreaterThanOrEqual(8); // every 20 ms while retrying
    down = false;
    await applied;
    await sleep(60);
    const after = l.beats;
    await sleep(100);
    expect(l.beats).toBe(after); // nothing held: no more heartbeats
    await ingest.close();
  });

  it('heartbeats while a long transaction runs and batches wait for room; a waiting batch is given back when its lease ends', async () => {
    let release: () => void = () => undefined;
    // the queue counts the transaction's messages too: 2 in the transaction + 2 queued fill it
    const ingest = scheduler(() => new Promise<AppliedReport>((resolve) => (release = () => resolve(ok))), { maxQueuedMessages: 4 });
    const l = lease();
    const first = await ingest.accept(batch(0, 2), l); // in the transaction
    const second = await ingest.accept(batch(1, 2), l); // queued: the queue is now full
    let waitingSettled = false;
    const waiting = ingest.accept(batch(2, 1), l).finally(() => (waitingSettled = true)); // waits for room
    waiting.catch(() => undefined);
    await sleep(200);
    expect(waitingSettled).toBe(false);
    expect(l.beats).toBeGreaterThanOrEqual(5);
    l.active = false; // the group rebalances
    await expect(waiting).rejects.toBeInstanceOf(BatchGivenBackError);
    l.active = true;
    release();
    await first.applied;
    await sleep(10);
    release();
    await second.applied;
    await ingest.close();
  });
});

describe('BatchScheduler.close()', () => {
  it('finishes the transaction in flight and the queue behind it, gives back what waits for room, and takes nothing new', async () => {
    const groups: number[] = [];
    const ingest = scheduler(async (messages: readonly IngestMessage[]) => {
      await sleep(100);
      groups.push(messages.length);
      return ok;
    }, { maxQueuedMessages: 5, maxMessagesPerTransaction: 2 });
    const a = await ingest.accept(batch(0, 2));
    const b = await ingest.accept(batch(1, 2));
    const c = await ingest.accept(batch(2, 1));
    const waiting = ingest.accept(batch(3, 1));
    waiting.catch(() => undefined);
    await sleep(10); // parsed, waiting for room
    const report = await ingest.close(5_000);
    await expect(waiting).rejects.toBeInstanceOf(BatchGivenBackError);
    await expect(Promise.all([a.applied, b.applied, c.applied])).resolves.toHaveLength(3);
    expect(groups.reduce((n, g) => n + g, 0)).toBe(5);
    expect(report).toMatchObject({ finished: 3, givenBack: 1, left: { inFlight: [], queued: [] } });
    await expect(ingest.accept(batch(4))).rejects.toBeInstanceOf(BatchGivenBackError);
  });

  it('gives up at its timeout during an outage, naming the batches left, and rejects them (their offsets stay uncommitted)', async () => {
    const ingest = scheduler(async () => {
      throw outage();
    }, { maxMessagesPerTransaction: 1 });
    const a = await ingest.accept(batch(0));
    const b = await ingest.accept(batch(1));
    const started = Date.now();
    const report = await ingest.close(300);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(report.finished).toBe(0);
    expect(report.left.inFlight).toEqual([expect.objectContaining({ topic: topics.billing, partition: 0, messages: 1 })]);
    expect(report.left.queued).toEqual([expect.objectContaining({ partition: 1 })]);
    await expect(b.applied).rejects.toBeInstanceOf(BatchGivenBackError);
    await expect(a.applied).rejects.toMatchObject({ code: '08006' }); // its next failure is final
  });
});

describe('isOutage', () => {
  const sql = (code: string) => Object.assign(new Error(code), { code });
  it('retries what the database timeouts end as an outage, and a statement timeout as a failure of the messages', () => {
    expect(isOutage(sql('25P03'))).toBe(true); // the session ended by idle_in_transaction_session_timeout
    expect(isOutage(new Error('timeout exceeded when trying to connect'))).toBe(true); // pg-pool's connection timeout
    expect(isOutage(new Error('Connection terminated due to connection timeout'))).toBe(true);
    expect(isOutage(sql('ETIMEDOUT'))).toBe(true); // TCP keepalive gave up on a dead connection
    expect(isOutage(sql('57014'))).toBe(false); // INGEST_STATEMENT_TIMEOUT_MS: tried INGEST_MAX_ATTEMPTS times, then isolated
  });
});
