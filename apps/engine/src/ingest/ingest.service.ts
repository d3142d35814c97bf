import { DLQ_HEADERS, DlqCode, ParsedMessage, storableText, TOPICS, Topics } from '@engine/contracts';
import { Clock } from '@engine/config';
import { eventKey } from '@engine/domain';
import { InboundBatch, InboundMessage, MessageProducer, OutboundMessage } from '@engine/messaging';
import { coordinates, DeadLetterRepository, directQueryable, emptyKeys, EventStoreRepository, keysOf, Queryable, StoredEvent } from '@engine/persistence';
import { DataSource } from 'typeorm';
import { EngineMetrics } from '../observability/engine-metrics';
import { phaseTimer as t } from '../observability/phase-timer';
import { InlineParser, MessageParser } from './message-parser';
import { RuleEngine } from './rule-engine.service';

export interface DeadLetter {
  message: InboundMessage;
  code: DlqCode;
  reason: string;
}

export interface BatchReport {
  applied: number;
  duplicates: number;
  deadLetters: DeadLetter[];
}

/** A batch parsed on arrival (CPU work that overlaps the database work of the transaction in progress). */
interface ParsedBatch {
  batch: InboundBatch;
  valid: { parsed: ParsedMessage; message: InboundMessage }[];
  invalid: DeadLetter[];
}

interface Pending {
  batch: ParsedBatch;
  resolve: (report: BatchReport) => void;
  reject: (error: unknown) => void;
}

/**
 * Consumed batches → database transactions. Partition batches that arrive while a transaction is running are
 * merged into the next one (group commit), and the consumer fetches ahead while a transaction runs (bounded).
 * One transaction holds the dedupe records (the event store), referral state, ledger entries and outbox rows;
 * bad messages go to the DLQ before it commits, and the transport commits the Kafka offsets after it.
 */
export class IngestService {
  private readonly store = new EventStoreRepository();
  private readonly deadLetterLog = new DeadLetterRepository();
  private readonly queue: Pending[] = [];
  private readonly spaceWaiters: (() => void)[] = [];
  private queuedMessages = 0;
  private busy = false;
  private closed = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly rules: RuleEngine,
    private readonly producer: () => Promise<MessageProducer>,
    private readonly topics: Topics,
    private readonly clock: Clock,
    private readonly metrics: EngineMetrics,
    private readonly afterCommit: () => void,
    private readonly parser: MessageParser = new InlineParser(),
    private readonly onFailure: (error: unknown, attempt: number) => void = () => undefined,
    private readonly onRecovered: () => void = () => undefined,
    private readonly maxMessagesPerTransaction = 5_000,
    private readonly maxQueuedMessages = 10_000,
  ) {}

  /** Resolves once the batch is committed to the database (its DLQ messages acknowledged by the broker). */
  async handleBatch(batch: InboundBatch): Promise<BatchReport> {
    return (await this.accept(batch)).applied;
  }

  /**
   * Parses a batch and queues it for the next transaction. Resolves as soon as it is queued (so the consumer can
   * fetch the next batch while this one is written), or later when the queue is full (back-pressure); `applied`
   * resolves once it is committed. A failing transaction is retried with backoff until it commits.
   */
  async accept(batch: InboundBatch): Promise<{ applied: Promise<BatchReport> }> {
    const parsed = await this.parse(batch);
    while (this.queuedMessages >= this.maxQueuedMessages && !this.closed) await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
    if (this.closed) throw new Error('ingest is closed');
    const applied = new Promise<BatchReport>((resolve, reject) => {
      this.queue.push({ batch: parsed, resolve, reject });
      this.queuedMessages += batch.messages.length;
      this.pump();
    });
    applied.catch(() => undefined); // a rejection (only at shutdown) is the caller's to observe
    return { applied };
  }

  /** Waits until every accepted batch is committed (or `timeoutMs` passes). */
  async idle(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((this.busy || this.queue.length > 0) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  private async parse(batch: InboundBatch): Promise<ParsedBatch> {
    const started = process.hrtime.bigint();
    const outcomes = await this.parser.parse(this.logicalTopic(batch.topic), batch.messages.map((m) => m.value));
    const out: ParsedBatch = { batch, valid: [], invalid: [] };
    outcomes.forEach((outcome, i) => {
      const message = batch.messages[i];
      if (outcome.ok) out.valid.push({ parsed: { event: outcome.event, hash: outcome.hash }, message });
      else out.invalid.push({ message, code: outcome.code, reason: outcome.reason });
    });
    t.add('parse', Number(process.hrtime.bigint() - started) / 1e6);
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) pending.reject(new Error('ingest is closed'));
    for (const wake of this.spaceWaiters.splice(0)) wake();
    await this.parser.close();
  }

  private pump(): void {
    if (this.busy || this.queue.length === 0 || this.closed) return;
    this.busy = true;
    const group: Pending[] = [];
    let size = 0;
    while (this.queue.length > 0 && (group.length === 0 || size + this.queue[0].batch.batch.messages.length <= this.maxMessagesPerTransaction)) {
      const next = this.queue.shift()!;
      size += next.batch.batch.messages.length;
      group.push(next);
    }
    void this.commitGroup(group, size).finally(() => {
      this.busy = false;
      this.pump();
    });
  }

  /**
   * Commits one group, retrying with backoff (database down, connection lost…) until it succeeds or we close.
   * When the database refuses the data itself (SQLSTATE classes 22/23/54) twice, the group is applied one
   * message per transaction and a message the database still refuses is dead-lettered (INVALID_DATA): one bad
   * message never stops a partition.
   */
  private async commitGroup(group: Pending[], size: number): Promise<void> {
    let dataErrors = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        const batches = group.map((p) => p.batch);
        const report = dataErrors >= 2 ? await this.processOneByOne(batches) : await this.process(batches);
        this.release(size);
        if (attempt > 1) this.onRecovered();
        group.forEach((p) => p.resolve(report));
        return;
      } catch (error) {
        this.onFailure(error, attempt);
        if (isDataError(error)) dataErrors++;
        if (this.closed) {
          this.release(size);
          group.forEach((p) => p.reject(error));
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** Math.min(attempt, 6), 5_000)));
      }
    }
  }

  private release(size: number): void {
    this.queuedMessages -= size;
    if (this.queuedMessages < this.maxQueuedMessages) for (const wake of this.spaceWaiters.splice(0)) wake();
  }

  /** Isolation mode: each valid message in its own transaction; the ones the database refuses go to the DLQ. */
  private async processOneByOne(batches: ParsedBatch[]): Promise<BatchReport> {
    const total: BatchReport = { applied: 0, duplicates: 0, deadLetters: [] };
    const units: ParsedBatch[] = batches.flatMap((b) => [
      { batch: b.batch, valid: [], invalid: b.invalid },
      ...b.valid.map((v) => ({ batch: { ...b.batch, messages: [v.message] }, valid: [v], invalid: [] })),
    ]);
    for (const unit of units) {
      let report: BatchReport;
      try {
        report = await this.process([unit]);
      } catch (error) {
        if (!isDataError(error) || unit.valid.length === 0) throw error;
        const reason = `the database refused this event: ${(error as Error).message}`.slice(0, 500);
        report = await this.process([{ batch: unit.batch, valid: [], invalid: [{ message: unit.valid[0].message, code: DlqCode.INVALID_DATA, reason }] }]);
      }
      total.applied += report.applied;
      total.duplicates += report.duplicates;
      total.deadLetters.push(...report.deadLetters);
    }
    return total;
  }

  /** The contract name of a (possibly prefixed) topic, which decides the event types it may carry. */
  private logicalTopic(topic: string): string {
    const name = (Object.keys(this.topics) as (keyof Topics)[]).find((n) => this.topics[n] === topic);
    return name ? TOPICS[name] : topic;
  }

  /**
   * Stores the candidates and applies the rules to the new ones, telling new from stored by the working set, so that
   * the rules run while PostgreSQL inserts; the insert's count must agree, or FreshnessMispredicted is thrown (the
   * caller redoes the transaction with applyConfirmed). The working-set read goes first on the connection: it reads
   * only events stored before this batch.
   */
  private async applyPredicted(manager: Queryable, candidates: StoredEvent[]): Promise<Stored> {
    const preloading = this.rules.preload(manager, candidates.map((c) => c.event));
    const inserting = t.time('insert', () => this.store.insertCount(manager, candidates));
    const failure = inserting.then(() => null, (error: unknown) => error);
    const stored = await preloading;
    const fresh: StoredEvent[] = [];
    const seenBefore: StoredEvent[] = [];
    for (const candidate of candidates) (stored.has(eventKey(candidate.event)) ? seenBefore : fresh).push(candidate);
    const hashes = seenBefore.length > 0 ? this.store.findHashes(manager, seenBefore.map((c) => c.event)) : Promise.resolve(new Map<string, string>());
    hashes.catch(() => undefined); // awaited below
    const outcome = await this.applyFresh(manager, fresh).then(() => hashes).then((h) => ({ hashes: h }), (error: unknown) => ({ error }));
    // What counts first: the insert's own error (later statements only fail with 25P02), then a misprediction
    // (whatever the rules did rests on it), then the rules' error.
    const insertError = await failure;
    if (insertError) throw insertError;
    const inserted = await inserting;
    if (inserted !== fresh.length) throw new FreshnessMispredicted(inserted, fresh.length);
    if ('error' in outcome) throw outcome.error;
    return { seenBefore, storedHashes: outcome.hashes };
  }

  /** Stores the candidates, then applies the rules to those the database took as new. */
  private async applyConfirmed(manager: Queryable, candidates: StoredEvent[]): Promise<Stored> {
    const [, inserted] = await Promise.all([
      this.rules.preload(manager, candidates.map((c) => c.event)),
      t.time('insert', () => this.store.insertNew(manager, candidates)),
    ]);
    const fresh: StoredEvent[] = [];
    const seenBefore: StoredEvent[] = [];
    for (const candidate of candidates) (inserted.has(eventKey(candidate.event)) ? fresh : seenBefore).push(candidate);
    const storedHashes = seenBefore.length > 0 ? await this.store.findHashes(manager, seenBefore.map((c) => c.event)) : new Map<string, string>();
    await this.applyFresh(manager, fresh);
    return { seenBefore, storedHashes };
  }

  /** The rules for the events just inserted (added to the working set first). */
  private async applyFresh(manager: Queryable, fresh: StoredEvent[]): Promise<void> {
    if (fresh.length === 0) return;
    this.rules.added(fresh.map((f) => f.event));
    const seeds = emptyKeys();
    for (const { event } of fresh) keysOf(event, this.rules.isGeneric, seeds);
    await this.rules.recompute(manager, seeds, this.clock.now());
  }

  /**
   * One transaction for a group of parsed batches. `predictFresh`: tell new events from stored ones by the working
   * set, so that the rules run while the insert does (applyPredicted; redone with applyConfirmed when it was wrong).
   */
  private async process(parsedBatches: ParsedBatch[], predictFresh = true): Promise<BatchReport> {
    const started = process.hrtime.bigint();
    const batches = parsedBatches.map((p) => p.batch);
    let deadLetters: DeadLetter[] = parsedBatches.flatMap((p) => p.invalid);
    const firstByKey = new Map<string, { parsed: ParsedMessage; message: InboundMessage }>();
    let duplicates = 0;
    for (const { parsed, message } of parsedBatches.flatMap((p) => p.valid)) {
      const key = eventKey(parsed.event);
      const first = firstByKey.get(key);
      if (!first) firstByKey.set(key, { parsed, message });
      else if (first.parsed.hash === parsed.hash) duplicates++;
      else deadLetters.push(conflict(message));
    }
    let applied: number;
    const txStarted = process.hrtime.bigint();
    try {
      applied = await this.dataSource.transaction(async (transaction) => {
        const manager = directQueryable(transaction);
        await t.time('lock', () => this.rules.enter(manager));
        const candidates: StoredEvent[] = [...firstByKey.values()].map(({ parsed, message }) => ({
          event: parsed.event, hash: parsed.hash, origin: { topic: message.topic, partition: message.partition, offset: message.offset },
        }));
        const { seenBefore, storedHashes } = predictFresh ? await this.applyPredicted(manager, candidates) : await this.applyConfirmed(manager, candidates);
        for (const candidate of seenBefore) {
          if (storedHashes.get(eventKey(candidate.event)) === candidate.hash) duplicates++;
          else deadLetters.push(conflict(firstByKey.get(eventKey(candidate.event))!.message));
        }
        // Dead letters are acknowledged by the broker before the transaction commits: nothing is lost on a crash.
        // The ones recorded by an earlier commit (a redelivery) are not sent again.
        if (deadLetters.length > 0) {
          deadLetters = oncePerCoordinates(deadLetters); // a partition batch delivered twice can sit in one group
          const unsent = await this.deadLetterLog.recordNew(
            manager,
            deadLetters.map(({ message: m, code, reason }) => ({ topic: m.topic, partition: m.partition, offset: m.offset, code, reason: storableText(reason.slice(0, 1000)) })),
          );
          deadLetters = deadLetters.filter((d) => unsent.has(coordinates(d.message)));
          if (deadLetters.length > 0) await (await this.producer()).send(this.topics.dlq, deadLetters.map(toDlqMessage));
        }
        t.add('body', Number(process.hrtime.bigint() - txStarted) / 1e6);
        return candidates.length - seenBefore.length;
      });
    } catch (error) {
      this.rules.failed();
      if (error instanceof FreshnessMispredicted) {
        t.count('mispredicted', 1);
        return this.process(parsedBatches, false);
      }
      throw error;
    }
    this.rules.committed();
    t.add('transaction', Number(process.hrtime.bigint() - txStarted) / 1e6);
    t.count('tx-messages', batches.reduce((sum, b) => sum + b.messages.length, 0));
    t.transactionDone();

    const size = batches.reduce((sum, b) => sum + b.messages.length, 0);
    this.metrics.recordBatch(batches.map((b) => [b.topic, b.messages.length] as const), size, applied, duplicates, deadLetters.map((d) => d.code), started);
    this.afterCommit();
    return { applied, duplicates, deadLetters };
  }
}

/** An error about the data (not the connection): SQLSTATE 22xxx data exception, 23xxx integrity, 54xxx limits. */
function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown; driverError?: { code?: unknown } })?.driverError?.code ?? (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^(22|23|54)/.test(code);
}

function oncePerCoordinates(letters: DeadLetter[]): DeadLetter[] {
  const seen = new Set<string>();
  return letters.filter((letter) => {
    const at = coordinates(letter.message);
    if (seen.has(at)) return false;
    seen.add(at);
    return true;
  });
}

/** The events of a transaction that were stored before, and the payload hashes stored with them. */
interface Stored {
  seenBefore: StoredEvent[];
  storedHashes: Map<string, string>;
}

/**
 * The working set took an event for new that the database already had (a conflicting duplicate with other
 * linking keys): the transaction rolls back and is redone with the database's answer first.
 */
class FreshnessMispredicted extends Error {
  constructor(inserted: number, predicted: number) {
    super(`the event store took ${inserted} new events where the working set predicted ${predicted}`);
  }
}

function conflict(message: InboundMessage): DeadLetter {
  return { message, code: DlqCode.CONFLICTING_DUPLICATE, reason: 'an event with this source and id was already received with a different payload' };
}

function toDlqMessage(letter: DeadLetter): OutboundMessage {
  return {
    key: letter.message.key?.toString('utf8') ?? null,
    value: letter.message.value ?? Buffer.alloc(0),
    headers: {
      [DLQ_HEADERS.code]: letter.code,
      [DLQ_HEADERS.message]: letter.reason,
      [DLQ_HEADERS.topic]: letter.message.topic,
      [DLQ_HEADERS.partition]: String(letter.message.partition),
      [DLQ_HEADERS.offset]: letter.message.offset,
    },
  };
}
