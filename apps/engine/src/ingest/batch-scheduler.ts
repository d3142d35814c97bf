import { randomBytes } from 'node:crypto';
import { DlqCode, TOPICS, Topics } from '@engine/contracts';
import { ConsumerLease, InboundBatch, InboundMessage } from '@engine/messaging';
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
  /**
   * how often the consumers whose batches the scheduler holds are told it is alive, while a transaction runs or is
   * retried and while batches wait for room (default: the shortest interval their leases ask for, at most 1 s)
   */
  heartbeatIntervalMs?: number;
  /** every committed group, with its messages' topics and sizes */
  onCommitted?: (report: BatchReport, batches: readonly InboundBatch[], startedNs: bigint, tx: IngestTransaction) => void;
  /** a try that rolled back; `tx.batches` are the offsets of the messages it held (a part of the group once it is split) */
  onFailure?: (error: unknown, attempt: number, messages: number, tx: IngestTransaction) => void;
  /** a message set aside; `tx.batches` is its own offset */
  onParked?: (record: ParkedEventRecord, tx: IngestTransaction) => void;
}

/** A transaction of the scheduler as the logs name it: its id and the offsets it holds. */
export interface IngestTransaction {
  /** `<6 hex digits of this scheduler>-<sequence>`: the same through the group's retries and isolation */
  id: string;
  /** per topic and partition, the first and last offset held */
  batches: OffsetRange[];
}

export interface OffsetRange {
  topic: string;
  partition: number;
  fromOffset: string;
  toOffset: string;
}

interface Queued {
  batch: InboundBatch;
  messages: IngestMessage[];
  lease?: ConsumerLease;
  resolve: (report: BatchReport) => void;
  reject: (error: unknown) => void;
}

/** A batch parsed and waiting for room in the queue. */
interface Waiter {
  batch: InboundBatch;
  lease?: ConsumerLease;
  wake: () => void;
}

/** What `close()` finished and what it had to leave. */
export interface CloseReport {
  /** batches applied (committed, dead-lettered or parked) while closing */
  finished: number;
  /** batches given back without being queued (they were waiting for room) */
  givenBack: number;
  /** batches left unapplied when the time was up: in the transaction still running, and queued behind it */
  left: { inFlight: BatchCoordinates[]; queued: BatchCoordinates[] };
  ms: number;
}

export interface BatchCoordinates {
  topic: string;
  partition: number;
  /** first and last offset of the batch */
  from: string;
  to: string;
  messages: number;
}

/** Thrown by `accept` for a batch it does not take: the scheduler is closing, or the batch's lease ended. */
export class BatchGivenBackError extends Error {
  constructor(reason: string) {
    super(`batch given back: ${reason}`);
    this.name = 'BatchGivenBackError';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const coordinates = (batch: InboundBatch): BatchCoordinates => ({
  topic: batch.topic, partition: batch.partition, from: batch.messages[0]?.offset ?? '', to: batch.messages.at(-1)?.offset ?? '', messages: batch.messages.length,
});

/** The offsets of messages, per topic and partition (a partition's messages are in offset order). */
export function offsetRanges(messages: readonly IngestMessage[]): OffsetRange[] {
  const ranges = new Map<string, OffsetRange>();
  for (const { message: m } of messages) {
    const key = `${m.topic}\u0000${m.partition}`;
    const range = ranges.get(key);
    if (range) range.toOffset = m.offset;
    else ranges.set(key, { topic: m.topic, partition: m.partition, fromOffset: m.offset, toOffset: m.offset });
  }
  return [...ranges.values()];
}

const rangeOf = (batch: InboundBatch): OffsetRange => ({
  topic: batch.topic, partition: batch.partition, fromOffset: batch.messages[0]?.offset ?? '', toOffset: batch.messages.at(-1)?.offset ?? '',
});

/** "topic/partition@from-to" for logs. */
export function describeBatches(batches: readonly BatchCoordinates[]): string {
  if (batches.length === 0) return 'none';
  const messages = batches.reduce((n, b) => n + b.messages, 0);
  const shown = batches.slice(0, 12).map((b) => `${b.topic}/${b.partition}@${b.from}-${b.to}`).join(', ');
  return `${batches.length} batch(es), ${messages} message(s): ${shown}${batches.length > 12 ? ', …' : ''}`;
}

/**
 * The edge of the ingest line: consumed partition batches → database transactions, one at a time. Batches are parsed
 * on arrival (while the transaction before runs), queued (bounded: the consumer waits past `maxQueuedMessages`) and
 * merged into the next transaction (group commit). This is the one place of retry and back-off: an outage (database
 * or broker unreachable) is retried until it ends; any other failure is retried `maxAttempts` times, then the group is
 * split in halves until the failing messages stand alone. A message alone that the database cannot hold is
 * dead-lettered (INVALID_DATA); any other is parked (kept with its error for `npm run parked -- retry`). Everything
 * else goes on. A batch's `applied` resolves once all its messages are committed, dead-lettered or parked: then its
 * offsets are committed.
 *
 * While it holds batches (a transaction running or retried, batches waiting for room) the consumer that fetched them
 * cannot heartbeat by itself, so the scheduler does it through their leases: an outage or a long transaction never
 * costs the group its member. A batch waiting for room is given back when its lease ends (the group rebalances).
 */
export class BatchScheduler {
  private readonly queue: Queued[] = [];
  private readonly spaceWaiters: Waiter[] = [];
  private queuedMessages = 0;
  private draining: Promise<void> | null = null;
  private inFlight: Queued[] = [];
  /** no new batches; what was taken is finished */
  private closing = false;
  /** the time to finish is up: queued batches are rejected, a failing transaction is not retried */
  private closed = false;
  private applied = 0;
  /** names this scheduler's transactions in the logs (`IngestTransaction.id`) */
  private readonly tag = randomBytes(3).toString('hex');
  private transactions = 0;
  private keepAlive: NodeJS.Timeout | null = null;
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
  async handleBatch(batch: InboundBatch, lease?: ConsumerLease): Promise<BatchReport> {
    return (await this.accept(batch, lease)).applied;
  }

  /**
   * Parses a batch and queues it for the next transaction. Resolves as soon as it is queued (so the consumer fetches
   * the next batch meanwhile), or later when the queue is full; `applied` resolves once the batch is applied. Throws
   * `BatchGivenBackError` when the scheduler is closing or the lease ended while the batch waited for room.
   */
  async accept(batch: InboundBatch, lease?: ConsumerLease): Promise<{ applied: Promise<BatchReport> }> {
    if (this.closing) throw new BatchGivenBackError('ingest is closing');
    const messages = await this.parse(batch);
    while (this.queuedMessages >= this.maxQueuedMessages && !this.closing && lease?.active !== false) {
      await new Promise<void>((resolve) => {
        this.spaceWaiters.push({ batch, lease, wake: resolve });
        this.heartbeatWhileHolding();
      });
    }
    if (this.closing) throw new BatchGivenBackError('ingest is closing');
    if (lease?.active === false) throw new BatchGivenBackError('the consumer must rejoin its group');
    const applied = new Promise<BatchReport>((resolve, reject) => this.queue.push({ batch, messages, lease, resolve, reject }));
    applied.catch(() => undefined); // a rejection (only at shutdown) is the caller's to observe
    this.queuedMessages += batch.messages.length;
    this.draining ??= this.drain();
    this.heartbeatWhileHolding();
    return { applied };
  }

  /** Waits until every accepted batch is applied (or `timeoutMs` passes). */
  async idle(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((this.draining || this.queue.length > 0) && Date.now() < deadline) await sleep(20);
  }

  /**
   * Stops taking batches and finishes the ones taken (graceful shutdown): batches waiting for room are given back
   * (their consumer reads them again: their offsets are not committed), the transaction in flight and the batches
   * queued behind it are applied (an outage is still retried), so every `applied` resolves and the consumer commits
   * their offsets. At `timeoutMs` the rest is abandoned: queued batches are rejected (not committed, read again
   * after a restart) and a transaction that fails is no longer retried. Says what it finished and what it left.
   */
  async close(timeoutMs = 30_000): Promise<CloseReport> {
    const started = Date.now();
    this.closing = true;
    const appliedBefore = this.applied;
    const givenBack = this.spaceWaiters.length;
    for (const waiter of this.spaceWaiters.splice(0)) waiter.wake();
    let timer: NodeJS.Timeout | undefined;
    const finished = this.draining ?? Promise.resolve();
    await Promise.race([finished, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    const left = { inFlight: this.inFlight.map((q) => coordinates(q.batch)), queued: this.queue.map((q) => coordinates(q.batch)) };
    if (this.draining) {
      this.closed = true; // abandon: the loop stops after the transaction in flight, whose next failure is final
      for (const queued of this.queue.splice(0)) queued.reject(new BatchGivenBackError('ingest closed before this batch was applied'));
    }
    this.stopHeartbeats();
    await this.parser.close();
    return { finished: this.applied - appliedBefore, givenBack, left, ms: Date.now() - started };
  }

  /** Batches taken and not applied yet: the transaction running and the queue behind it. */
  holding(): { inFlight: BatchCoordinates[]; queued: BatchCoordinates[] } {
    return { inFlight: this.inFlight.map((q) => coordinates(q.batch)), queued: this.queue.map((q) => coordinates(q.batch)) };
  }

  /**
   * Starts the heartbeat loop if it is not running: while a transaction runs or is retried, or batches wait for room,
   * every lease of a batch held is told the member is alive, and a batch waiting for room whose lease ended is given
   * back. The loop ends by itself once nothing is held.
   */
  private heartbeatWhileHolding(): void {
    if (this.keepAlive) return;
    const leases = [...this.queue, ...this.inFlight, ...this.spaceWaiters].map((h) => h.lease).filter((l): l is ConsumerLease => !!l);
    if (leases.length === 0) return;
    const interval = this.options.heartbeatIntervalMs ?? Math.min(1_000, ...leases.map((l) => l.heartbeatIntervalMs));
    this.keepAlive = setInterval(() => this.beat(), interval);
    this.keepAlive.unref();
  }

  private beat(): void {
    const held = [...this.queue, ...this.inFlight, ...this.spaceWaiters];
    if (held.length === 0) return this.stopHeartbeats();
    for (const lease of new Set(held.map((h) => h.lease))) lease?.heartbeat().catch(() => undefined);
    for (let i = this.spaceWaiters.length - 1; i >= 0; i--) {
      const waiter = this.spaceWaiters[i];
      if (waiter.lease?.active === false) {
        this.spaceWaiters.splice(i, 1);
        waiter.wake(); // accept() sees the lease ended and gives the batch back
      }
    }
  }

  private stopHeartbeats(): void {
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.keepAlive = null;
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
    await Promise.resolve(); // `draining` is set before the loop can end
    try {
      while (this.queue.length > 0 && !this.closed) {
        const group: Queued[] = [this.queue.shift()!];
        let size = group[0].batch.messages.length;
        while (this.queue.length > 0 && size + this.queue[0].batch.messages.length <= this.maxMessagesPerTransaction) {
          size += this.queue[0].batch.messages.length;
          group.push(this.queue.shift()!);
        }
        this.inFlight = group;
        const started = process.hrtime.bigint();
        const txId = `${this.tag}-${++this.transactions}`;
        let report: BatchReport | null = null;
        try {
          report = await this.applyIsolating(group.flatMap((q) => q.messages), this.maxAttempts, txId);
        } catch (error) {
          for (const queued of group) queued.reject(error); // only when closed meanwhile
        }
        this.inFlight = [];
        if (report) {
          this.applied += group.length;
          for (const queued of group) queued.resolve(report);
          try {
            const batches = group.map((q) => q.batch);
            this.options.onCommitted?.(report, batches, started, { id: txId, batches: batches.map(rangeOf) });
          } catch {
            // metrics and notifications must not undo a commit
          }
        }
        this.queuedMessages -= size;
        if (this.queuedMessages < this.maxQueuedMessages) for (const waiter of this.spaceWaiters.splice(0)) waiter.wake();
      }
    } finally {
      this.draining = null;
    }
  }

  /**
   * Applies the messages, retrying as the failure asks: an outage until it ends; anything else `tries` times, then
   * each half alone (one try each, as the failure was retried already), down to single messages, which get
   * `maxAttempts` tries in all and are then set aside. Throws only when the scheduler is closed.
   */
  private async applyIsolating(messages: IngestMessage[], tries: number, txId: string): Promise<BatchReport> {
    const limit = messages.length === 1 ? this.maxAttempts : tries; // a message alone gets its own tries
    let failures = 0; // outages do not count: nothing is wrong with the messages
    for (let attempt = 1; ; attempt++) {
      try {
        return { ...(await this.options.apply(messages)), parked: 0 };
      } catch (error) {
        if (this.closed) throw error;
        this.options.onFailure?.(error, attempt, messages.length, { id: txId, batches: offsetRanges(messages) });
        const outage = isOutage(error);
        if (!outage) failures++;
        if (outage || failures < limit) {
          await sleep(Math.min(100 * 2 ** Math.min(attempt, 10), this.maxBackoffMs));
          continue;
        }
        if (messages.length > 1) {
          const half = Math.ceil(messages.length / 2);
          const first = await this.applyIsolating(messages.slice(0, half), 1, txId);
          const second = await this.applyIsolating(messages.slice(half), 1, txId);
          return sum(first, second);
        }
        const report = await this.setAside(messages[0], error, failures, txId);
        if (report) return report;
        await sleep(this.maxBackoffMs); // could not even set it aside (the database went away): try again
      }
    }
  }

  /** A message that keeps failing alone: dead-lettered when the database cannot hold it, parked otherwise. */
  private async setAside(item: IngestMessage, error: unknown, attempts: number, txId: string): Promise<BatchReport | null> {
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
    this.options.onParked?.(record, { id: txId, batches: offsetRanges([item]) });
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
 * 58 system error, 25006 a read-only node after a failover, 25P03 a session ended by
 * idle_in_transaction_session_timeout; socket errors; the driver's lost connections; kafkajs
 * errors of the DLQ producer that kafkajs itself calls retriable). A non-retriable kafkajs error (a dead letter too
 * large for the DLQ topic, a missing topic) is not an outage: it is isolated and parked like any other failure.
 */
export function isOutage(error: unknown): boolean {
  const code = sqlState(error);
  if (code && /^(08|53|57P|40|58|25006|25P03)/.test(code)) return true;
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
