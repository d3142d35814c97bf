import { DLQ_HEADERS, DlqCode, ParsedMessage, storableText, TOPICS, Topics } from '@engine/contracts';
import { Clock } from '@engine/config';
import { eventKey } from '@engine/domain';
import { InboundBatch, InboundMessage, MessageProducer, OutboundMessage } from '@engine/messaging';
import { coordinates, DeadLetterRepository, emptyKeys, EventStoreRepository, keysOf, Queryable, runDirect, StoredEvent } from '@engine/persistence';
import { DataSource } from 'typeorm';
import { EngineMetrics } from '../observability/engine-metrics';
import { phaseTimer as t } from '../observability/phase-timer';
import { InlineParser, MessageParser } from './message-parser';
import { RuleEngine, StaleWorkingSet } from './rule-engine.service';

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

/** How transactions are formed. */
export interface IngestTuning {
  /** messages merged into one transaction (at least one partition batch) */
  maxMessagesPerTransaction: number;
  /** messages accepted ahead of the transactions (back-pressure past it) */
  maxQueuedMessages: number;
  /** begin a transaction on top of the one in flight (see `pump`); false: one transaction at a time */
  pipelined: boolean;
}

const DEFAULT_TUNING: IngestTuning = { maxMessagesPerTransaction: 2_500, maxQueuedMessages: 2_500, pipelined: true };

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
  /** The groups being committed, oldest first: one, or two when the second began on top of the first. */
  private readonly inFlight: Flight[] = [];
  private closed = false;
  private readonly tuning: IngestTuning;

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
    tuning: Partial<IngestTuning> = {},
  ) {
    this.tuning = { ...DEFAULT_TUNING, ...tuning };
  }

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
    while (this.queuedMessages >= this.tuning.maxQueuedMessages && !this.closed) await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
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
    while ((this.inFlight.length > 0 || this.queue.length > 0) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
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

  /**
   * Starts the next group: when nothing is in flight, or on top of the one group in flight once that one has queued
   * its writes and the working set holds their outcome. Then this group's rules run while PostgreSQL still executes
   * the one before; its lock is granted when that one commits, and it commits only if that one did (Flight).
   */
  private pump(): void {
    if (this.queue.length === 0 || this.closed) return;
    const predecessor = this.inFlight.length === 1 ? this.inFlight[0] : null;
    if (this.inFlight.length > 1 || (predecessor && !(this.tuning.pipelined && predecessor.followable && this.rules.canSpeculate()))) return;
    const group: Pending[] = [];
    let size = 0;
    while (this.queue.length > 0 && (group.length === 0 || size + this.queue[0].batch.batch.messages.length <= this.tuning.maxMessagesPerTransaction)) {
      const next = this.queue.shift()!;
      size += next.batch.batch.messages.length;
      group.push(next);
    }
    const flight = new Flight();
    if (predecessor) predecessor.successor = flight;
    this.inFlight.push(flight);
    void this.commitGroup(group, size, flight, predecessor).finally(() => {
      this.inFlight.splice(this.inFlight.indexOf(flight), 1);
      flight.finished();
      this.pump();
    });
  }

  /**
   * Commits one group, retrying with backoff (database down, connection lost…) until it succeeds or we close.
   * When the database refuses the data itself (SQLSTATE classes 22/23/54) twice, the group is applied one
   * message per transaction and a message the database still refuses is dead-lettered (INVALID_DATA): one bad
   * message never stops a partition. Only the first attempt may run on top of the group before (`predecessor`);
   * every later one waits until that group is done, and until this group's successor has given up its attempt.
   */
  private async commitGroup(group: Pending[], size: number, flight: Flight, predecessor: Flight | null): Promise<void> {
    let dataErrors = 0;
    let failures = 0;
    let predictFresh = true;
    for (let attempt = 1; ; attempt++) {
      const onTop = attempt === 1 && predecessor !== null;
      if (attempt > 1) {
        await flight.successor?.attemptSettled();
        await predecessor?.done;
      }
      flight.startAttempt();
      try {
        const batches = group.map((p) => p.batch);
        const written = attempt === 1 ? () => flight.writesQueued(() => this.pump()) : () => undefined;
        const report = dataErrors >= 2
          ? await this.processOneByOne(batches)
          : await this.process(batches, predictFresh, onTop ? predecessor : null, written, () => flight.lockHeld());
        flight.endAttempt(true);
        this.release(size);
        if (failures > 0) this.onRecovered();
        group.forEach((p) => p.resolve(report));
        return;
      } catch (error) {
        flight.endAttempt(false);
        if (error instanceof RedoAlone && !this.closed) {
          predictFresh = error.predictFresh; // no failure: done again at once, as the only transaction in flight
          continue;
        }
        failures++;
        this.onFailure(error, failures);
        if (isDataError(error)) dataErrors++;
        if (this.closed) {
          this.release(size);
          group.forEach((p) => p.reject(error));
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** Math.min(failures, 6), 5_000)));
      }
    }
  }

  private release(size: number): void {
    this.queuedMessages -= size;
    if (this.queuedMessages < this.tuning.maxQueuedMessages) for (const wake of this.spaceWaiters.splice(0)) wake();
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
        report = await this.processAlone([unit]);
      } catch (error) {
        if (!isDataError(error) || unit.valid.length === 0) throw error;
        const reason = `the database refused this event: ${(error as Error).message}`.slice(0, 500);
        report = await this.processAlone([{ batch: unit.batch, valid: [], invalid: [{ message: unit.valid[0].message, code: DlqCode.INVALID_DATA, reason }] }]);
      }
      total.applied += report.applied;
      total.duplicates += report.duplicates;
      total.deadLetters.push(...report.deadLetters);
    }
    return total;
  }

  /** One transaction with nothing else in flight, done again as it asks (RedoAlone). */
  private async processAlone(batches: ParsedBatch[]): Promise<BatchReport> {
    try {
      return await this.process(batches);
    } catch (error) {
      if (!(error instanceof RedoAlone)) throw error;
      return this.process(batches, error.predictFresh);
    }
  }

  /** The contract name of a (possibly prefixed) topic, which decides the event types it may carry. */
  private logicalTopic(topic: string): string {
    const name = (Object.keys(this.topics) as (keyof Topics)[]).find((n) => this.topics[n] === topic);
    return name ? TOPICS[name] : topic;
  }

  /**
   * Stores the candidates and applies the rules to the new ones, telling new from stored by the working set, so that
   * the rules run while PostgreSQL inserts; the insert's count must agree, or FreshnessMispredicted is thrown (the
   * caller redoes the transaction with applyConfirmed). The working-set read goes first on the connection (or on
   * `reads`, outside the transaction): it reads only events stored before this batch.
   */
  private async applyPredicted(tx: Transaction, candidates: StoredEvent[]): Promise<Stored> {
    const { manager } = tx;
    const preloading = this.rules.preload(tx.reads, candidates.map((c) => c.event));
    const inserting = t.time('insert', () => this.store.insertCount(manager, candidates));
    const failure = inserting.then(() => null, (error: unknown) => error);
    const stored = await preloading;
    const fresh: StoredEvent[] = [];
    const seenBefore: StoredEvent[] = [];
    for (const candidate of candidates) (stored.has(eventKey(candidate.event)) ? seenBefore : fresh).push(candidate);
    const hashes = seenBefore.length > 0 ? this.store.findHashes(manager, seenBefore.map((c) => c.event)) : Promise.resolve(new Map<string, string>());
    hashes.catch(() => undefined); // awaited below
    const outcome = await this.applyFresh(tx, fresh).then(() => hashes).then((h) => ({ hashes: h }), (error: unknown) => ({ error }));
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
  private async applyConfirmed(tx: Transaction, candidates: StoredEvent[]): Promise<Stored> {
    const { manager } = tx;
    const [, inserted] = await Promise.all([
      this.rules.preload(manager, candidates.map((c) => c.event)),
      t.time('insert', () => this.store.insertNew(manager, candidates)),
    ]);
    const fresh: StoredEvent[] = [];
    const seenBefore: StoredEvent[] = [];
    for (const candidate of candidates) (inserted.has(eventKey(candidate.event)) ? fresh : seenBefore).push(candidate);
    const storedHashes = seenBefore.length > 0 ? await this.store.findHashes(manager, seenBefore.map((c) => c.event)) : new Map<string, string>();
    await this.applyFresh(tx, fresh);
    return { seenBefore, storedHashes };
  }

  /** The rules for the events just inserted (added to the working set first). */
  private async applyFresh(tx: Transaction, fresh: StoredEvent[]): Promise<void> {
    if (fresh.length === 0) return;
    this.rules.added(fresh.map((f) => f.event));
    const seeds = emptyKeys();
    for (const { event } of fresh) keysOf(event, this.rules.isGeneric, seeds);
    await this.rules.recompute(tx.manager, seeds, this.clock.now(), tx.reads, tx.written);
  }

  /**
   * One transaction for a group of parsed batches. `predictFresh`: tell new events from stored ones by the working
   * set, so that the rules run while the insert does (applyPredicted; done again with applyConfirmed when it was
   * wrong). `predecessor`: the transaction in flight this one begins on top of (see `pump`); it reads what the working
   * set lacks outside its own transaction, and commits only if the predecessor committed and nobody else wrote
   * between the two. `written`: called once this transaction's writes are queued and the working set holds them.
   * Throws RedoAlone when it must be done again on its own.
   */
  private async process(
    parsedBatches: ParsedBatch[], predictFresh = true, predecessor: Flight | null = null, written: () => void = () => undefined, locked: () => void = () => undefined,
  ): Promise<BatchReport> {
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
    await this.rules.admit();
    const txStarted = process.hrtime.bigint();
    try {
      // (the expiry sweep may have run while this one waited to be admitted: then it cannot run on top any more)
      if (predecessor && !this.rules.canSpeculate()) throw new RedoAlone(predictFresh);
      // On top of a transaction, nothing is sent before that one holds the rule-state lock (or has ended): this one
      // then never holds the lock while the one below waits for it (it waits for that one before its COMMIT).
      applied = await this.dataSource.transaction((transaction) => runDirect(transaction, async (manager) => {
        let confirm: (() => Promise<void>) | null = null;
        if (predecessor) {
          const entered = this.rules.enterSpeculatively(manager);
          entered.locking.then(locked, () => undefined);
          confirm = entered.confirm;
        } else {
          await t.time('lock', () => this.rules.enter(manager));
          locked();
        }
        const tx: Transaction = { manager, reads: predecessor ? this.dataSource : manager, written };
        const candidates: StoredEvent[] = [...firstByKey.values()].map(({ parsed, message }) => ({
          event: parsed.event, hash: parsed.hash, origin: { topic: message.topic, partition: message.partition, offset: message.offset },
        }));
        const { seenBefore, storedHashes } = predictFresh ? await this.applyPredicted(tx, candidates) : await this.applyConfirmed(tx, candidates);
        written();
        if (confirm) {
          await t.time('lock', confirm);
          if (!(await predecessor!.attemptSettled())) throw new PredecessorFailed();
        }
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
      }, predecessor?.lockHeldOrEnded()));
    } catch (error) {
      // The working set is dropped once the transaction this one ran on top of has settled (it may still use it).
      const predecessorCommitted = predecessor ? await predecessor.attemptSettled() : true;
      this.rules.failed();
      this.rules.leave();
      if (predecessor) this.metrics.transactionsOnTop.inc({ outcome: 'redone' });
      if (error instanceof FreshnessMispredicted) {
        t.count('mispredicted', 1);
        throw new RedoAlone(false);
      }
      // On top of one that failed, whatever went wrong here may come from that one (it dropped the working set this
      // one was reading): done again on its own, not counted as a failure.
      if (error instanceof StaleWorkingSet || error instanceof PredecessorFailed || !predecessorCommitted) {
        t.count('redone', 1);
        throw new RedoAlone(predictFresh);
      }
      throw error;
    }
    this.rules.committed();
    this.rules.leave();
    if (predecessor) this.metrics.transactionsOnTop.inc({ outcome: 'committed' });
    t.add('transaction', Number(process.hrtime.bigint() - txStarted) / 1e6);
    t.count('tx-messages', batches.reduce((sum, b) => sum + b.messages.length, 0));
    t.transactionDone();

    const size = batches.reduce((sum, b) => sum + b.messages.length, 0);
    this.metrics.recordBatch(batches.map((b) => [b.topic, b.messages.length] as const), size, applied, duplicates, deadLetters.map((d) => d.code), started);
    this.afterCommit();
    return { applied, duplicates, deadLetters };
  }
}

/** A transaction's connection (`manager`), where it reads what the working set lacks, and its `written` signal. */
interface Transaction {
  manager: Queryable;
  reads: Queryable;
  written: () => void;
}

/**
 * A group being committed, as the group after it sees it: whether it may begin on top of this one (its writes are
 * queued), how its current attempt ended, and when it is done for good.
 */
class Flight {
  successor: Flight | null = null;
  followable = false;
  private attempt: Promise<boolean> = Promise.resolve(false);
  private settle: (committed: boolean) => void = () => undefined;
  private locked: Promise<void> = Promise.resolve();
  private lock: () => void = () => undefined;
  private finish!: () => void;
  readonly done = new Promise<void>((resolve) => (this.finish = resolve));

  startAttempt(): void {
    this.followable = false;
    this.attempt = new Promise<boolean>((resolve) => (this.settle = resolve));
    this.locked = new Promise<void>((resolve) => (this.lock = resolve));
  }

  /** The current attempt holds the rule-state lock. */
  lockHeld(): void {
    this.lock();
  }

  /** Settles once the current attempt holds the rule-state lock, or has ended. */
  lockHeldOrEnded(): Promise<void> {
    return this.locked;
  }

  /** Whether the current attempt committed, once it has ended. */
  attemptSettled(): Promise<boolean> {
    return this.attempt;
  }

  endAttempt(committed: boolean): void {
    this.followable = false;
    this.lock();
    this.settle(committed);
  }

  /** The attempt's writes are queued: the next group may begin (`next`, once). */
  writesQueued(next: () => void): void {
    if (this.followable) return;
    this.followable = true;
    next();
  }

  finished(): void {
    this.finish();
  }
}

/** The transaction must be done again on its own (no other in flight), at once: `predictFresh` says how. */
class RedoAlone extends Error {
  constructor(readonly predictFresh: boolean) {
    super('the transaction is done again on its own');
  }
}

/** The transaction this one began on top of did not commit. */
class PredecessorFailed extends Error {
  constructor() {
    super('the transaction this one began on top of did not commit');
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
