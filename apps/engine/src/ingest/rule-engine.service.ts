import { Topics } from '@engine/contracts';
import { evaluate, InputEvent, isGenericDomain, planLedgerEntries, Program } from '@engine/domain';
import { AnomalyRepository, ComponentKeys, LedgerRepository, lockRuleState, OutboxRepository, Queryable, ReferralStateRepository } from '@engine/persistence';
import { phaseTimer as t } from '../observability/phase-timer';
import { accruedMessage } from './output-events';
import { diffReferrals } from './referral-changes';
import { RuleStateCache } from './rule-state-cache';

export interface RecomputeResult {
  events: number;
  referrals: number;
  statusChanges: number;
  ledgerEntries: number;
}

/**
 * Brings the stored state of every referral connected to `seeds` to what the rules say for the stored events
 * and `now`: referral rows, status history, correcting ledger entries and the outbox, all on the caller's
 * transaction. The rules run on the whole connected component, so the result never depends on arrival order.
 * Reads go through an in-memory working set that is valid only while this instance is the last writer.
 */
export class RuleEngine {
  readonly isGeneric = (domain: string): boolean => isGenericDomain(this.program, domain);
  readonly cache: RuleStateCache;

  private readonly referrals = new ReferralStateRepository();
  private readonly ledger = new LedgerRepository();
  private readonly anomalies = new AnomalyRepository();
  private active = 0;
  private exclusive: Promise<void> | null = null;
  private readonly idleWaiters: (() => void)[] = [];

  /** `outbox` may announce the batches it writes (to a relay that publishes them without reading them back). */
  constructor(
    private readonly program: Program,
    private readonly topics: Topics,
    private readonly outbox = new OutboxRepository(),
    workingSetMaxEntries?: number,
  ) {
    this.cache = new RuleStateCache(this.isGeneric, workingSetMaxEntries);
  }

  /**
   * Runs `work` in the rule-state critical section of transaction `q` (lock + version) and keeps the working
   * set in step with the outcome: the caller must call the returned `committed()` after the COMMIT.
   */
  async enter(q: Queryable): Promise<void> {
    this.cache.begin(await lockRuleState(q));
  }

  /** Whether a transaction may begin now on top of the one in flight (enterSpeculatively). */
  canSpeculate(): boolean {
    return this.exclusive === null && this.cache.canSpeculate();
  }

  /**
   * Begins a transaction on top of the one in flight, before that one commits: its lock is requested now (PostgreSQL
   * grants it when the one in flight ends) and not awaited. `confirm` must be awaited before this transaction
   * commits: it throws StaleWorkingSet unless the lock's version is the one after the transaction in flight's, i.e.
   * nobody else wrote in between.
   */
  enterSpeculatively(q: Queryable): { locking: Promise<bigint>; confirm: () => Promise<void> } {
    // (the one in flight may have committed meanwhile: then this one is done again as usual)
    if (!this.canSpeculate()) throw new StaleWorkingSet('the transaction in flight is no longer in flight');
    const expected = this.cache.beginSpeculative();
    const locking = lockRuleState(q);
    locking.catch(() => undefined); // awaited by confirm
    return {
      locking,
      confirm: async () => {
        const version = await locking;
        if (version !== expected) throw new StaleWorkingSet(`the rule-state lock returned version ${version} where ${expected} was expected`);
      },
    };
  }

  /** Counts an ingest transaction in; waits while an exclusive one (the expiry sweep) runs. Pair with `leave`. */
  async admit(): Promise<void> {
    while (this.exclusive) await this.exclusive;
    this.active++;
  }

  leave(): void {
    this.active--;
    if (this.active === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  /** Runs `work` (a transaction using the working set) with no ingest transaction in flight beside it. */
  async exclusively<T>(work: () => Promise<T>): Promise<T> {
    while (this.exclusive) await this.exclusive;
    let release!: () => void;
    this.exclusive = new Promise<void>((resolve) => (release = resolve));
    try {
      while (this.active > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      return await work();
    } finally {
      this.exclusive = null;
      release();
    }
  }

  committed(): void {
    this.cache.commit();
  }

  failed(): void {
    this.cache.abort();
  }

  /**
   * Reads what the working set lacks about these events' components, before they are inserted; returns the keys of
   * those it already holds as stored (see RuleStateCache.preload).
   */
  async preload(q: Queryable, events: InputEvent[]): Promise<Set<string>> {
    return t.time('preload', () => this.cache.preload(q, events));
  }

  /** Makes events inserted in this transaction visible to the working set. */
  added(events: InputEvent[]): void {
    this.cache.addEvents(events);
  }

  /**
   * `q` should run queries in call order without waiting for results (`directQueryable`): writes are queued.
   * `reads` answers what the working set lacks: `q` itself, or, for a transaction begun before the one in flight
   * committed (beginSpeculative), a connection outside it (what it lacks, the one in flight did not write).
   * `written` is called once the writes are queued and the working set holds their outcome: from then on, the next
   * transaction may begin on top of this one.
   */
  async recompute(q: Queryable, seeds: ComponentKeys, now: number, reads: Queryable = q, written: () => void = () => undefined): Promise<RecomputeResult> {
    const events = await t.time('component', () => this.cache.component(reads, seeds));
    const e0 = process.hrtime.bigint();
    const evaluation = evaluate(events, now, this.program);
    t.add('evaluate', Number(process.hrtime.bigint() - e0) / 1e6);
    const referralIds = evaluation.referrals.map((r) => r.referralId);
    const stored = await t.time('referrals', () => this.cache.storedReferrals(reads, referralIds));
    const posted = await t.time('posted', () => this.cache.postedCells(reads, referralIds));

    const p0 = process.hrtime.bigint();
    const changes = diffReferrals(evaluation.referrals, stored, now, this.topics);
    const planned = planLedgerEntries(evaluation.amounts, posted);
    t.add('plan', Number(process.hrtime.bigint() - p0) / 1e6);
    const closed = planned.length > 0 ? await this.cache.closedPeriods(reads) : new Set<string>();
    // The writes are queued back to back (with a direct Queryable they run in call order while the next one is
    // prepared); only the outbox waits, for the ids of the new ledger entries.
    const appending = t.time('ledger', () => this.ledger.append(q, planned, closed));
    const others = [
      t.time('upsert', () => this.referrals.upsert(q, changes.writes, now)),
      t.time('history', () => this.referrals.appendHistory(q, changes.history)),
      t.time('anomalies', () => this.anomalies.record(q, evaluation.anomalies)),
    ];
    appending.catch(() => undefined);
    for (const write of others) write.catch(() => undefined); // awaited below; a failure must not be unhandled meanwhile
    this.cache.rememberEntries(planned);
    this.cache.rememberReferrals(changes.writes);
    written();
    const entries = await appending;
    await t.time('outbox', () => this.outbox.add(q, [...changes.messages, ...entries.map((entry) => accruedMessage(entry, this.topics))]));
    await Promise.all(others);
    return { events: events.length, referrals: referralIds.length, statusChanges: changes.history.length, ledgerEntries: entries.length };
  }
}

/**
 * A transaction begun on top of another cannot rest on the working set: its lock came with another version (someone
 * else wrote in between), or the one it was to run on top of is no longer in flight.
 */
export class StaleWorkingSet extends Error {}
