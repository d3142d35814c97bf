import { AttributionEvent, Catalogue, InputEvent, LinkKey, listedUnder, PostedCell, ReferralWrite, StoredReferral, walkFamily } from '@engine/domain';
import { EventStoreRepository, LedgerRepository, NewLedgerEntry, ProgramCatalogueRepository, Queryable, ReferralStateRepository } from '@engine/persistence';

const cellKey = (c: PostedCell) => `${c.partnerId}\u0000${c.slot}\u0000${c.currency}\u0000${c.effectiveAt}`;

/** Moves a map's entry to the end (most recently used); returns it. */
function touch<K, V>(map: Map<K, V>, key: K): V | undefined {
  const value = map.get(key);
  if (value !== undefined) {
    map.delete(key);
    map.set(key, value);
  }
  return value;
}

/**
 * The values of `keys` in `cache` (most recently used), loading the missing ones first; a key the loader does not
 * answer is remembered as having none (null) and left out of the result.
 */
async function readThrough<V>(cache: Map<string, V | null>, keys: string[], load: (missing: string[]) => Promise<Map<string, V>>): Promise<Map<string, V>> {
  const missing = keys.filter((key) => !cache.has(key));
  if (missing.length > 0) {
    const loaded = await load(missing);
    for (const key of missing) cache.set(key, loaded.get(key) ?? null);
  }
  const out = new Map<string, V>();
  for (const key of keys) {
    const value = touch(cache, key);
    if (value) out.set(key, value);
  }
  return out;
}

/**
 * What the rules read, kept in memory between transactions and read through from the database: stored events by link
 * key (each loaded key lists every stored event under it), the referral each customer claimed, referral rows and
 * their posted ledger cells, the program catalogue (adding to it takes the rule-state lock, so it is reread then). It is trusted only while this instance is the last writer: the rule-state version its
 * lock returns is the one after its own last commit. Otherwise, and after a failed transaction, it is dropped and
 * read again. Past `maxEntries` the least recently used half is dropped between transactions.
 */
export class WorkingSet {
  private committedVersion: bigint | null = null;
  private pendingVersion: bigint | null = null;
  private readonly events = new Map<LinkKey, InputEvent[]>();
  private eventEntries = 0;
  /** customer → the referral it claimed (null: none) */
  private readonly claims = new Map<string, string | null>();
  private readonly referrals = new Map<string, StoredReferral | null>();
  private readonly posted = new Map<string, Map<string, PostedCell>>();
  private closed: Set<string> | null = null;
  private programs: Catalogue | null = null;

  constructor(
    private readonly isGeneric: (domain: string) => boolean,
    private readonly maxEntries = 20_000,
    private readonly store = new EventStoreRepository(),
    private readonly referralRows = new ReferralStateRepository(),
    private readonly ledger = new LedgerRepository(),
    private readonly catalogues = new ProgramCatalogueRepository(),
  ) {}

  /** Entries held: keys, and events once per key they are listed under; claims; referral rows; referrals with their cells. */
  get size(): number {
    return this.events.size + this.eventEntries + this.claims.size + this.referrals.size + this.posted.size;
  }

  /** Call in the transaction, right after taking the rule-state lock, with the version it returned. */
  begin(version: bigint): void {
    if (this.committedVersion === null || version !== this.committedVersion + 1n) this.clear();
    else if (this.size > this.maxEntries) this.evict(this.maxEntries / 2);
    this.pendingVersion = version;
  }

  /** The transaction committed: what it wrote is the database's state too. */
  committed(): void {
    this.committedVersion = this.pendingVersion;
    this.pendingVersion = null;
  }

  /** The transaction failed: forget everything. */
  failed(): void {
    this.clear();
  }

  /** Events this transaction stored: listed under every key already loaded (a key loaded later reads them back). */
  added(events: readonly InputEvent[]): void {
    for (const event of events) {
      for (const key of listedUnder(event, this.isGeneric)) {
        const list = this.events.get(key);
        if (list) {
          list.push(event);
          this.eventEntries++;
        }
      }
    }
  }

  /** The stored events listed under `keys` (an event listed under two of them comes twice). */
  async eventsUnder(q: Queryable, keys: Iterable<LinkKey>): Promise<InputEvent[]> {
    const wanted = [...keys];
    await this.load(q, wanted);
    return wanted.flatMap((key) => touch(this.events, key)!);
  }

  /** Every stored submission and signup linked to `seeds`, directly or through each other: whole families, one query per hop. */
  async family(q: Queryable, seeds: Iterable<LinkKey>): Promise<AttributionEvent[]> {
    return walkFamily(seeds, async (keys) => {
      await this.load(q, keys);
      return new Map(keys.map((key) => [key, touch(this.events, key)!]));
    }, this.isGeneric);
  }

  private async load(q: Queryable, keys: LinkKey[]): Promise<void> {
    const missing = keys.filter((key) => !this.events.has(key));
    if (missing.length === 0) return;
    for (const key of missing) this.events.set(key, []);
    const wanted = new Set(missing);
    for (const event of await this.store.loadLinked(q, missing)) {
      for (const key of listedUnder(event, this.isGeneric)) {
        if (!wanted.has(key)) continue;
        this.events.get(key)!.push(event);
        this.eventEntries++;
      }
    }
  }

  /** The referral each of these customers claimed, for those that claimed one. */
  async claimsOf(q: Queryable, customerIds: Iterable<string>): Promise<Map<string, string>> {
    return readThrough(this.claims, [...customerIds], (missing) => this.referralRows.claimsOf(q, missing));
  }

  async storedReferrals(q: Queryable, referralIds: string[]): Promise<Map<string, StoredReferral>> {
    return readThrough(this.referrals, referralIds, (missing) => this.referralRows.load(q, missing));
  }

  async postedCells(q: Queryable, referralIds: string[]): Promise<PostedCell[]> {
    const missing = referralIds.filter((id) => !this.posted.has(id));
    if (missing.length > 0) {
      for (const id of missing) this.posted.set(id, new Map());
      for (const cell of await this.ledger.postedCells(q, missing)) this.posted.get(cell.referralId)!.set(cellKey(cell), cell);
    }
    return referralIds.flatMap((id) => [...(touch(this.posted, id)?.values() ?? [])]);
  }

  async catalogue(q: Queryable): Promise<Catalogue> {
    return (this.programs ??= await this.catalogues.load(q));
  }

  async closedPeriods(q: Queryable): Promise<Set<string>> {
    if (!this.closed) this.closed = await this.ledger.closedPeriods(q);
    return this.closed;
  }

  /** The referral rows and ledger entries this transaction writes (read by `storedReferrals`/`postedCells` first). */
  remember(writes: readonly ReferralWrite[], entries: readonly NewLedgerEntry[]): void {
    for (const { outcome, sequence, qualifiedVersion } of writes) {
      const before = this.referrals.get(outcome.referralId);
      if (before?.customerId && before.customerId !== outcome.customerId && this.claims.get(before.customerId) === outcome.referralId) {
        this.claims.set(before.customerId, null);
      }
      if (outcome.customerId !== null) this.claims.set(outcome.customerId, outcome.referralId);
      this.referrals.set(outcome.referralId, { ...outcome, sequence, qualifiedVersion });
    }
    for (const entry of entries) {
      if (entry.referralId === null || entry.slot === null) continue;
      const cells = this.posted.get(entry.referralId);
      if (!cells) continue; // not loaded: read from the database when needed
      const next: PostedCell = {
        referralId: entry.referralId, partnerId: entry.partnerId, customerId: entry.customerId, slot: entry.slot, currency: entry.currency,
        effectiveAt: entry.effectiveAt, amount: entry.amount, sourceEventId: entry.sourceEventId,
      };
      const cell = cells.get(cellKey(next));
      if (cell) {
        cell.amount += entry.amount;
        cell.customerId = entry.customerId;
        cell.sourceEventId = entry.sourceEventId;
      } else {
        cells.set(cellKey(next), next);
      }
    }
  }

  private clear(): void {
    this.committedVersion = null;
    this.pendingVersion = null;
    this.events.clear();
    this.eventEntries = 0;
    this.claims.clear();
    this.referrals.clear();
    this.posted.clear();
    this.closed = null;
    this.programs = null;
  }

  /** Drops the least recently used entries of each map, in proportion, until about `target` remain. */
  private evict(target: number): void {
    const keep = target / this.size;
    const eventsTarget = this.eventEntries * keep;
    for (const [key, list] of this.events) {
      if (this.eventEntries <= eventsTarget) break;
      this.events.delete(key);
      this.eventEntries -= list.length;
    }
    for (const map of [this.claims, this.referrals, this.posted] as Map<string, unknown>[]) {
      const mapTarget = map.size * keep;
      for (const id of map.keys()) {
        if (map.size <= mapTarget) break;
        map.delete(id);
      }
    }
  }
}
