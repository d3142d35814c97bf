import { DlqCode, TOPICS, Topics } from '@engine/contracts';
import { InboundBatch, InboundMessage } from '@engine/messaging';
import { ParkedEventRecord } from '@engine/persistence';
import { AppliedReport, IngestMessage } from './apply-events.use-case';
import { InlineParser, MessageParser } from './message-parser';

export interface BatchReport extends AppliedReport {
  /** valid messages set aside because applying them kept failing (see `parked_event`) */
  parked: number;
}

/** How the scheduler forms transactions and handles failures. */
export interface BatchSchedulerOptions {
  /** one transaction for a group of messages; throws when it rolled back */
  apply: (messages: readonly IngestMessage[]) => Promise<AppliedReport>;
  /** records messages set aside, in a transaction of its own */
  park: (records: ParkedEventRecord[]) => Promise<void>;
  topics: Topics;
  parser?: MessageParser;
  /** messages merged into one transaction (at least one partition batch) */
  maxMessagesPerTransaction?: number;
  /** messages accepted ahead of the transactions (back-pressure past it) */
  maxQueuedMessages?: number;
  /** tries of a group, and of a single message, before a failure that is not an outage isolates it */
  maxAttempts?: number;
  /** back-off after the n-th failure: 100 ms × 2^n, at most this */
  maxBackoffMs?: number;
  /** every committed group, with its messages' topics and sizes */
  onCommitted?: (report: BatchReport, batches: readonly InboundBatch[], startedNs: bigint) => void;
  onFailure?: (error: unknown, attempt: number, messages: number) => void;
  onParked?: (record: ParkedEventRecord) => void;
}

interface Queued {
  batch: InboundBatch;
  messages: IngestMessage[];
  resolve: (report: BatchReport) => void;
  reject: (error: unknown) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The edge of the ingest line: consumed partition batches → database transactions, one at a time. Batches are parsed
 * on arrival (while the transaction before runs), queued (bounded: the consumer waits past `maxQueuedMessages`) and
 * merged into the next transaction (group commit). This is the one place of retry and back-off: an outage (database
 * or broker unreachable) is retried until it ends; any other failure is retried `maxAttempts` times, then the group is
 * split in halves until the failing messages stand alone. A message alone that the database cannot hold is
 * dead-lettered (INVALID_DATA); any other is parked (kept with its error for `npm run parked -- retry`). Everything
 * else goes on. A batch's `applied` resolves once all its messages are committed, dead-lettered or parked: then its
 * offsets are committed.
 */
export class BatchScheduler {
  private readonly queue: Queued[] = [];
  private readonly spaceWaiters: (() => void)[] = [];
  private queuedMessages = 0;
  private draining = false;
  private closed = false;
  private readonly parser: MessageParser;
  private readonly maxMessagesPerTransaction: number;
  private readonly maxQueuedMessages: number;
  private readonly maxAttempts: number;
  private readonly maxBackoffMs: number;

  constructor(private readonly options: BatchSchedulerOptions) {
    this.parser = options.parser ?? new InlineParser();
    this.maxMessagesPerTransaction = options.maxMessagesPerTransaction ?? 2_500;
    this.maxQueuedMessages = options.maxQueuedMessages ?? 2_500;
    this.maxAttempts = options.maxAttempts ?? 3;
    this.maxBackoffMs = options.maxBackoffMs ?? 5_000;
  }

  /** Resolves once the batch is applied (its dead letters acknowledged by the broker). */
  async handleBatch(batch: InboundBatch): Promise<BatchReport> {
    return (await this.accept(batch)).applied;
  }

  /**
   * Parses a batch and queues it for the next transaction. Resolves as soon as it is queued (so the consumer fetches
   * the next batch meanwhile), or later when the queue is full; `applied` resolves once the batch is applied.
   */
  async accept(batch: InboundBatch): Promise<{ applied: Promise<BatchReport> }> {
    const messages = await this.parse(batch);
    while (this.queuedMessages >= this.maxQueuedMessages && !this.closed) await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
    if (this.closed) throw new Error('ingest is closed');
    const applied = new Promise<BatchReport>((resolve, reject) => this.queue.push({ batch, messages, resolve, reject }));
    applied.catch(() => undefined); // a rejection (only at shutdown) is the caller's to observe
    this.queuedMessages += batch.messages.length;
    void this.drain();
    return { applied };
  }

  /** Waits until every accepted batch is applied (or `timeoutMs` passes). */
  async idle(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((this.draining || this.queue.length > 0) && Date.now() < deadline) await sleep(20);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const queued of this.queue.splice(0)) queued.reject(new Error('ingest is closed'));
    for (const wake of this.spaceWaiters.splice(0)) wake();
    await this.parser.close();
  }

  private async parse(batch: InboundBatch): Promise<IngestMessage[]> {
    const outcomes = await this.parser.parse(this.contractTopic(batch.topic), batch.messages.map((m) => m.value));
    return outcomes.map((outcome, i) => {
      const message = batch.messages[i];
      return outcome.ok ? { message, parsed: { event: outcome.event, hash: outcome.hash } } : { message, refused: { code: outcome.code, reason: outcome.reason } };
    });
  }

  /** One transaction at a time, each taking what has queued up to `maxMessagesPerTransaction` (at least one batch). */
  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const group: Queued[] = [this.queue.shift()!];
        let size = group[0].batch.messages.length;
        while (this.queue.length > 0 && size + this.queue[0].batch.messages.length <= this.maxMessagesPerTransaction) {
          size += this.queue[0].batch.messages.length;
          group.push(this.queue.shift()!);
        }
        const started = process.hrtime.bigint();
        let report: BatchReport | null = null;
        try {
          report = await this.applyIsolating(group.flatMap((q) => q.messages), this.maxAttempts);
        } catch (error) {
          for (const queued of group) queued.reject(error); // only when closed meanwhile
        }
        if (report) {
          for (const queued of group) queued.resolve(report);
          try {
            this.options.onCommitted?.(report, group.map((q) => q.batch), started);
          } catch {
            // metrics and notifications must not undo a commit
          }
        }
        this.queuedMessages -= size;
        if (this.queuedMessages < this.maxQueuedMessages) for (const wake of this.spaceWaiters.splice(0)) wake();
      }
    } finally {
      this.draining = false;
    }
  }

  /**
   * Applies the messages, retrying as the failure asks: an outage until it ends; anything else `tries` times, then
   * each half alone (one try each, as the failure was retried already), down to single messages, which get
   * `maxAttempts` tries in all and are then set aside. Throws only when the scheduler is closed.
   */
  private async applyIsolating(messages: IngestMessage[], tries: number): Promise<BatchReport> {
    const limit = messages.length === 1 ? this.maxAttempts : tries; // a message alone gets its own tries
    let failures = 0; // outages do not count: nothing is wrong with the messages
    for (let attempt = 1; ; attempt++) {
      try {
        return { ...(await this.options.apply(messages)), parked: 0 };
      } catch (error) {
        if (this.closed) throw error;
        this.options.onFailure?.(error, attempt, messages.length);
        const outage = isOutage(error);
        if (!outage) failures++;
        if (outage || failures < limit) {
          await sleep(Math.min(100 * 2 ** Math.min(attempt, 10), this.maxBackoffMs));
          continue;
        }
        if (messages.length > 1) {
          const half = Math.ceil(messages.length / 2);
          const first = await this.applyIsolating(messages.slice(0, half), 1);
          const second = await this.applyIsolating(messages.slice(half), 1);
          return sum(first, second);
        }
        const report = await this.setAside(messages[0], error, failures);
        if (report) return report;
        await sleep(this.maxBackoffMs); // could not even set it aside (the database went away): try again
      }
    }
  }

  /** A message that keeps failing alone: dead-lettered when the database cannot hold it, parked otherwise. */
  private async setAside(item: IngestMessage, error: unknown, attempts: number): Promise<BatchReport | null> {
    if ('parsed' in item && isUnstorable(error)) {
      const reason = `the database refused this event: ${(error as Error).message}`.slice(0, 500);
      try {
        return { ...(await this.options.apply([{ message: item.message, refused: { code: DlqCode.INVALID_DATA, reason } }])), parked: 0 };
      } catch {
        // parked below
      }
    }
    const record = parkedRecord(item, error, attempts);
    try {
      await this.options.park([record]);
    } catch {
      return null;
    }
    this.options.onParked?.(record);
    return { applied: 0, duplicates: 0, deadLetters: [], parked: 1 };
  }

  /** The contract name of a (possibly prefixed) topic, which decides the event types it may carry. */
  private contractTopic(topic: string): string {
    const name = (Object.keys(this.options.topics) as (keyof Topics)[]).find((n) => this.options.topics[n] === topic);
    return name ? TOPICS[name] : topic;
  }
}

function sum(a: BatchReport, b: BatchReport): BatchReport {
  return { applied: a.applied + b.applied, duplicates: a.duplicates + b.duplicates, deadLetters: [...a.deadLetters, ...b.deadLetters], parked: a.parked + b.parked };
}

function sqlState(error: unknown): string | undefined {
  const e = error as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The database or the broker is unreachable, or the transaction lost a race: nothing about these messages, so
 * they are retried as they are until it passes (SQLSTATE 08 connection, 53 resources, 57P shutdown, 40 rollback,
 * 58 system error, 25006 a read-only node after a failover; socket errors; the driver's lost connections; kafkajs
 * errors of the DLQ producer that kafkajs itself calls retriable). A non-retriable kafkajs error (a dead letter too
 * large for the DLQ topic, a missing topic) is not an outage: it is isolated and parked like any other failure.
 */
export function isOutage(error: unknown): boolean {
  const code = sqlState(error);
  if (code && /^(08|53|57P|40|58|25006)/.test(code)) return true;
  if (code && /^E[A-Z]+$/.test(code)) return true; // ECONNREFUSED, ECONNRESET, ETIMEDOUT, EPIPE…
  const e = error as (Error & { retriable?: boolean }) | null;
  const name = e?.name ?? '';
  if (name.startsWith('KafkaJS')) return name !== 'KafkaJSNonRetriableError' && e?.retriable !== false;
  return /Connection terminated|not queryable|connection error|timeout exceeded when trying to connect|ECONNREFUSED/i.test(e?.message ?? '');
}

/** Input the database cannot hold (SQLSTATE 22 data exception, 54 program limit): bad data, for the DLQ. */
function isUnstorable(error: unknown): boolean {
  const code = sqlState(error);
  return code !== undefined && /^(22|54)/.test(code);
}

function parkedRecord(item: IngestMessage, error: unknown, attempts: number): ParkedEventRecord {
  const m: InboundMessage = item.message;
  const event = 'parsed' in item ? item.parsed.event : null;
  return {
    topic: m.topic, partition: m.partition, offset: m.offset, key: m.key, value: m.value ?? Buffer.alloc(0),
    source: event?.source ?? null, eventId: event?.id ?? null, errorCode: sqlState(error) ?? (error as Error | null)?.name ?? null,
    errorMessage: String((error as Error | null)?.message ?? error).replace(/\u0000/g, '').slice(0, 2000), attempts,
  };
}
