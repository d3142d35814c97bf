import { eventKey, InputEvent, PostedCell } from '@engine/domain';
import { phaseTimer as t } from '../observability/phase-timer';
import { ComponentKeys, emptyKeys, EventStoreRepository, LedgerRepository, NewLedgerEntry, Queryable, ReferralStateRepository, LinkKind, ReferralWrite, StoredReferral, visitLinks } from '@engine/persistence';

type Key = string; // 'r:<referralId>' | 'c:<customerId>' | 'd:<domain>'

/** An event with its identity and linking keys computed once. */
interface Linked {
  id: string;
  event: InputEvent;
  keys: Key[];
}

const cellKey = (c: PostedCell) => `${c.partnerId}\u0000${c.slot}\u0000${c.currency}\u0000${c.effectiveAt}`;

const linkKey = (kind: LinkKind, value: string): Key => `${kind}:${value}`;

function flatten(keys: ComponentKeys): Key[] {
  return [...[...keys.referrals].map((k) => linkKey('r', k)), ...[...keys.customers].map((k) => linkKey('c', k)), ...[...keys.domains].map((k) => linkKey('d', k))];
}

function group(keys: Key[]): ComponentKeys {
  const out = emptyKeys();
  for (const key of keys) {
    const value = key.slice(2);
    if (key[0] === 'r') out.referrals.add(value);
    else if (key[0] === 'c') out.customers.add(value);
    else out.domains.add(value);
  }
  return out;
}

/**
 * The engine's working set, read through from the database: events by linking key, referral rows and posted
 * ledger cells. It is only trusted while this instance is the last writer (the rule-state version it sees at
 * lock time is the one it committed last); otherwise, or after a failed transaction, it is dropped and refilled
 * from the database. The database stays the source of truth. Past its bound, the least recently used half is
 * evicted between transactions (each map keeps its entries in use order: an entry used is moved to the end), so
 * a hot component, such as a customer with 10,000 lines receiving a late one, stays in memory.
 */
export class RuleStateCache {
  private committedVersion: bigint | null = null;
  /** Versions of the transactions in flight, oldest first: one, or two when the second was begun speculatively. */
  private pendingVersions: bigint[] = [];
  private events = new Map<Key, Linked[]>();
  private referrals = new Map<string, StoredReferral | null>();
  private posted = new Map<string, Map<string, PostedCell>>();
  private closed: Set<string> | null = null;
  private cachedEvents = 0;
  /**
   * The closure the last preload walked (its seed keys, and its events by eventKey, with the new events added since),
   * for the transaction's component read: when that asks for the same seeds, the walk is not done a second time.
   */
  private preloaded: { seeds: Set<Key>; events: Map<string, InputEvent> } | null = null;

  constructor(
    private readonly isGeneric: (domain: string) => boolean,
    private readonly maxEntries = 60_000,
    private readonly store = new EventStoreRepository(),
    private readonly referralRepository = new ReferralStateRepository(),
    private readonly ledger = new LedgerRepository(),
  ) {}

  /** Call right after lockRuleState with the version it returned (no other transaction in flight). */
  begin(version: bigint): void {
    this.preloaded = null;
    if (this.committedVersion === null || version !== this.committedVersion + 1n || this.pendingVersions.length > 0) this.clear();
    else if (this.size > this.maxEntries) this.evict(this.maxEntries / 2);
    this.pendingVersions = [version];
  }

  /**
   * Whether the next transaction may begin before the one in flight commits (beginSpeculative): the working set
   * holds what that one wrote, and no eviction is due (evicting could drop what is not in the database yet).
   */
  canSpeculate(): boolean {
    return this.pendingVersions.length === 1 && this.size <= this.maxEntries;
  }

  /**
   * Begins a transaction on top of the one in flight, before its lock is granted: returns the version its lock must
   * return. Another value means another writer came between (or the one in flight rolled back): it must not commit.
   */
  beginSpeculative(): bigint {
    if (!this.canSpeculate()) throw new Error('the working set cannot begin a transaction speculatively now');
    this.preloaded = null;
    const expected = this.pendingVersions[0] + 1n;
    this.pendingVersions.push(expected);
    return expected;
  }

  /** Entries held: events counted once per key they are listed under, referral rows, referrals' ledger cells. */
  get size(): number {
    return this.cachedEvents + this.referrals.size + this.posted.size;
  }

  /** Drops the least recently used entries of each map, in proportion, until at most `target` remain. */
  private evict(target: number): void {
    const keep = target / this.size;
    const eventsTarget = this.cachedEvents * keep;
    for (const [key, list] of this.events) {
      if (this.cachedEvents <= eventsTarget) break;
      this.events.delete(key);
      this.cachedEvents -= list.length;
    }
    for (const map of [this.referrals, this.posted] as Map<string, unknown>[]) {
      const mapTarget = map.size * keep;
      for (const id of map.keys()) {
        if (map.size <= mapTarget) break;
        map.delete(id);
      }
    }
  }

  /** The transaction committed: what was written in it is now the database's state too. */
  commit(): void {
    const version = this.pendingVersions.shift();
    if (version !== undefined) this.committedVersion = version; // (none: dropped by an abort meanwhile)
  }

  /** The transaction failed: forget everything. */
  abort(): void {
    this.clear();
  }

  /** Moves a map's entry to the end (most recently used); returns it. */
  private static touch<K, V>(map: Map<K, V>, key: K): V | undefined {
    const value = map.get(key);
    if (value !== undefined) {
      map.delete(key);
      map.set(key, value);
    }
    return value;
  }

  clear(): void {
    this.preloaded = null;
    this.committedVersion = null;
    this.pendingVersions = [];
    this.events.clear();
    this.referrals.clear();
    this.posted.clear();
    this.closed = null;
    this.cachedEvents = 0;
  }

  private link(event: InputEvent): Linked {
    return { id: eventKey(event), event, keys: this.keysOf(event) };
  }

  /** The event's linking keys as working-set keys ('r:…', 'c:…', 'd:…'). */
  private keysOf(event: InputEvent): Key[] {
    const keys: Key[] = [];
    visitLinks(event, this.isGeneric, (kind, value) => keys.push(linkKey(kind, value)));
    return keys;
  }

  /** New events just inserted in this transaction: add them to every key already loaded. */
  addEvents(events: InputEvent[]): void {
    for (const event of events) {
      const linked = this.link(event);
      this.preloaded?.events.set(linked.id, event);
      for (const key of linked.keys) {
        const list = this.events.get(key);
        if (list) {
          list.push(linked);
          this.cachedEvents++;
        }
      }
    }
  }

  /**
   * Loads what the rules will need about events about to be inserted: their keys and every stored event reachable
   * from them (the component as stored), so that the component walk after the insert finds everything in memory
   * and the rules can run while PostgreSQL is still inserting. The first hop, the events' own keys, is queued
   * BEFORE the insert and reads only older events; later hops may run after it, but every key of a new event is a
   * first-hop key, so no later hop lists one. `addEvents` then appends the new events: none is read back.
   *
   * Returns the keys (`eventKey`) of those events that are stored already: an event is stored when it is listed
   * under one of its keys, and a loaded key lists every stored event that has it. (A stored event with the same
   * source and id but other keys, a conflicting duplicate, is not seen here; the caller checks this answer against
   * the database's.)
   */
  async preload(q: Queryable, events: InputEvent[]): Promise<Set<string>> {
    const seeds = new Set<Key>();
    const wanted = new Set<string>();
    for (const event of events) {
      wanted.add(eventKey(event));
      for (const key of this.keysOf(event)) seeds.add(key);
    }
    const closure = new Map<string, InputEvent>();
    await this.walk(q, [...seeds], closure);
    this.preloaded = { seeds, events: closure };
    const stored = new Set<string>();
    for (const key of seeds) for (const linked of this.events.get(key)!) if (wanted.has(linked.id)) stored.add(linked.id);
    return stored;
  }

  private async load(q: Queryable, keys: Key[]): Promise<void> {
    const missing = keys.filter((key) => !this.events.has(key));
    if (missing.length === 0) return;
    const missingSet = new Set(missing);
    for (const key of missing) this.events.set(key, []);
    const loaded = await t.time('load-query', () => this.store.loadLinked(q, group(missing)));
    t.count('load-rows', loaded.length);
    t.count('load-keys', missing.length);
    for (const event of loaded) {
      const linked = this.link(event);
      for (const key of linked.keys) {
        if (missingSet.has(key)) {
          this.events.get(key)!.push(linked);
          this.cachedEvents++;
        }
      }
    }
    // No stored event names this referral id: it has no referral row and no ledger entries yet (both only ever
    // come from a stored submission), so there is nothing to read for it.
    for (const key of missing) {
      if (key[0] !== 'r' || this.events.get(key)!.length > 0) continue;
      const referralId = key.slice(2);
      if (!this.referrals.has(referralId)) this.referrals.set(referralId, null);
      if (!this.posted.has(referralId)) this.posted.set(referralId, new Map());
    }
  }

  /** Every event of the component(s) reachable from `seeds`, loading missing keys one hop (one query) at a time. */
  async component(q: Queryable, seeds: ComponentKeys): Promise<InputEvent[]> {
    const keys = flatten(seeds);
    const preloaded = this.preloaded;
    this.preloaded = null;
    // The same seeds as the preload of this transaction: the same closure, plus the new events (whose keys are all
    // seeds, so they reach no further). Seeds that differ (some events were stored before) are walked again.
    if (preloaded && keys.length === preloaded.seeds.size && keys.every((key) => preloaded.seeds.has(key))) return [...preloaded.events.values()];
    const result = new Map<string, InputEvent>();
    await this.walk(q, keys, result);
    return [...result.values()];
  }

  /** Walks the closure of `frontier` over shared keys, loading missing keys a hop at a time; collects its events into `into`. */
  private async walk(q: Queryable, frontier: Key[], into: Map<string, InputEvent> | null): Promise<void> {
    const visited = new Set<Key>();
    const seen = into ?? new Map<string, InputEvent>();
    while (frontier.length > 0) {
      for (const key of frontier) visited.add(key);
      await this.load(q, frontier);
      const next = new Set<Key>();
      for (const key of frontier) {
        for (const linked of RuleStateCache.touch(this.events, key)!) {
          if (seen.has(linked.id)) continue;
          seen.set(linked.id, linked.event);
          for (const other of linked.keys) if (!visited.has(other)) next.add(other);
        }
      }
      frontier = [...next];
    }
  }

  async storedReferrals(q: Queryable, referralIds: string[]): Promise<Map<string, StoredReferral>> {
    const missing = referralIds.filter((id) => !this.referrals.has(id));
    if (missing.length > 0) {
      const loaded = await this.referralRepository.load(q, missing);
      for (const id of missing) this.referrals.set(id, loaded.get(id) ?? null);
    }
    const out = new Map<string, StoredReferral>();
    for (const id of referralIds) {
      const stored = RuleStateCache.touch(this.referrals, id);
      if (stored) out.set(id, stored);
    }
    return out;
  }

  rememberReferrals(writes: ReferralWrite[]): void {
    // (an object literal in the field order of ReferralStateRepository.load, not a spread: one shape, no slow copy)
    for (const { outcome: o, sequence, qualifiedVersion } of writes) {
      this.referrals.set(o.referralId, {
        referralId: o.referralId, status: o.status, reason: o.reason, customerId: o.customerId, signedUpAt: o.signedUpAt, activatedAt: o.activatedAt,
        qualifiedAt: o.qualifiedAt, qualifyingCurrency: o.qualifyingCurrency, qualifyingSpend: o.qualifyingSpend, expiresAt: o.expiresAt, sequence, qualifiedVersion,
      });
    }
  }

  async postedCells(q: Queryable, referralIds: string[]): Promise<PostedCell[]> {
    const missing = referralIds.filter((id) => !this.posted.has(id));
    if (missing.length > 0) {
      for (const id of missing) this.posted.set(id, new Map());
      for (const cell of await this.ledger.postedCells(q, missing)) this.posted.get(cell.referralId)!.set(cellKey(cell), cell);
    }
    return referralIds.flatMap((id) => [...(RuleStateCache.touch(this.posted, id)?.values() ?? [])]);
  }

  /** Ledger entries this transaction writes (as planned: the cells need no entry ids). */
  rememberEntries(entries: readonly NewLedgerEntry[]): void {
    for (const entry of entries) {
      if (entry.referralId === null || entry.slot === null) continue;
      const cells = this.posted.get(entry.referralId);
      if (!cells) continue; // not loaded: the next load reads it from the database
      const next: PostedCell = {
        referralId: entry.referralId, partnerId: entry.partnerId, customerId: entry.customerId, slot: entry.slot, currency: entry.currency,
        effectiveAt: entry.effectiveAt, amount: entry.amount, sourceEventId: entry.sourceEventId,
      };
      const key = cellKey(next);
      const cell = cells.get(key);
      if (cell) {
        cell.amount += entry.amount;
        cell.customerId = entry.customerId;
        cell.sourceEventId = entry.sourceEventId;
      } else {
        cells.set(key, next);
      }
    }
  }

  async closedPeriods(q: Queryable): Promise<Set<string>> {
    if (!this.closed) this.closed = await this.ledger.closedPeriods(q);
    return this.closed;
  }
}
