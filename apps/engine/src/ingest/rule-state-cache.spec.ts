import { eventKey, InputEvent } from '@engine/domain';
import { ComponentKeys, EventStoreRepository, LedgerRepository, Queryable, ReferralStateRepository } from '@engine/persistence';
import { resetFactory, usage } from '../../../../libs/domain/src/testing/event-factory';
import { RuleStateCache } from './rule-state-cache';

/** A store that answers from a list and counts the keys it was asked for (only the event loads matter here). */
class CountingStore extends EventStoreRepository {
  asked: string[] = [];
  constructor(private readonly events: InputEvent[]) {
    super();
  }

  override async loadLinked(_q: Queryable, keys: ComponentKeys): Promise<InputEvent[]> {
    this.asked.push(...[...keys.customers].map((c) => `c:${c}`));
    return this.events.filter((e) => e.type !== 'referral.submitted' && e.type !== 'customer.signed_up' && keys.customers.has(e.customerId));
  }
}

const noDatabase = {} as Queryable;
const seeds = (customerId: string): ComponentKeys => ({ referrals: new Set(), customers: new Set([customerId]), domains: new Set() });

describe('RuleStateCache (working set) past its bound', () => {
  beforeEach(() => resetFactory());

  it('evicts the least recently used keys between transactions and keeps a hot one', async () => {
    // A hot customer with 40 lines, and 40 others with 2 lines each: 120 cached events, bound 100.
    const events = [
      ...Array.from({ length: 40 }, () => usage({ customerId: 'HOT' })),
      ...Array.from({ length: 40 }, (_, i) => [usage({ customerId: `C${i}` }), usage({ customerId: `C${i}` })]).flat(),
    ];
    const store = new CountingStore(events);
    const cache = new RuleStateCache(() => false, 100, store, new ReferralStateRepository(), new LedgerRepository());
    let version = 0n;
    const transaction = async (customerId: string) => {
      cache.begin(++version);
      const component = await cache.component(noDatabase, seeds(customerId));
      cache.commit();
      return component.length;
    };

    expect(await transaction('HOT')).toBe(40);
    for (let i = 0; i < 40; i++) {
      expect(await transaction(`C${i}`)).toBe(2);
      if (i % 5 === 0) await transaction('HOT'); // in use all along
    }
    expect(store.asked.filter((k) => k === 'c:HOT')).toHaveLength(1);
    expect(cache.size).toBeLessThanOrEqual(100 + 2); // evicted down to half at each begin past the bound

    store.asked = [];
    expect(await transaction('HOT')).toBe(40); // still in memory: no read
    expect(await transaction('C39')).toBe(2); // the most recent others too
    expect(store.asked).toEqual([]);
    expect(await transaction('C0')).toBe(2); // the least recently used were evicted: read again, same answer
    expect(store.asked).toEqual(['c:C0']);
  });

  it('drops everything when another writer committed in between (the version skipped one)', async () => {
    const store = new CountingStore([usage({ customerId: 'A' })]);
    const cache = new RuleStateCache(() => false, 60, store, new ReferralStateRepository(), new LedgerRepository());
    cache.begin(1n);
    await cache.component(noDatabase, seeds('A'));
    cache.commit();
    cache.begin(3n); // version 2 was someone else's
    await cache.component(noDatabase, seeds('A'));
    cache.commit();
    expect(store.asked).toEqual(['c:A', 'c:A']);
  });
});

describe('RuleStateCache.preload (what runs the rules during the insert)', () => {
  beforeEach(() => resetFactory());

  it('loads the components of the events about to be stored, and tells which of them are stored already', async () => {
    const storedA = usage({ customerId: 'A' });
    const store = new CountingStore([storedA, usage({ customerId: 'A' }), usage({ customerId: 'B' })]);
    const cache = new RuleStateCache(() => false, 100, store, new ReferralStateRepository(), new LedgerRepository());
    cache.begin(1n);
    const newA = usage({ customerId: 'A' });
    const conflictingElsewhere = { ...storedA, customerId: 'C' }; // same source and id, other linking key
    const stored = await cache.preload(noDatabase, [storedA, newA, conflictingElsewhere]);
    // The redelivered copy is seen as stored; the new line is not, nor (by design) the copy that links elsewhere:
    // the insert's count is what catches that one.
    expect([...stored]).toEqual([eventKey(storedA)]);
    expect(store.asked.sort()).toEqual(['c:A', 'c:C']);
    store.asked = [];
    expect(await cache.component(noDatabase, seeds('A'))).toHaveLength(2); // in memory: no read after the insert
    expect(store.asked).toEqual([]);
  });
});

describe('RuleStateCache.component after a preload of the same seeds', () => {
  beforeEach(() => resetFactory());

  it('is the preloaded closure plus the events added since, without walking again; other seeds are walked', async () => {
    const stored = [usage({ customerId: 'A' }), usage({ customerId: 'A' }), usage({ customerId: 'B' })];
    const cache = new RuleStateCache(() => false, 100, new CountingStore(stored), new ReferralStateRepository(), new LedgerRepository());
    const walk = jest.spyOn(cache as unknown as { walk: (...args: unknown[]) => Promise<void> }, 'walk');
    cache.begin(1n);
    const fresh = [usage({ customerId: 'A' }), usage({ customerId: 'A' })];
    await cache.preload(noDatabase, fresh);
    cache.addEvents(fresh);
    const ids = (events: InputEvent[]) => events.map(eventKey).sort();
    expect(ids(await cache.component(noDatabase, seeds('A')))).toEqual(ids([stored[0], stored[1], ...fresh]));
    expect(walk).toHaveBeenCalledTimes(1); // the preload's only

    // Used once: the next read of the same seeds walks (and finds the same events in memory).
    expect(ids(await cache.component(noDatabase, seeds('A')))).toEqual(ids([stored[0], stored[1], ...fresh]));
    expect(walk).toHaveBeenCalledTimes(2);

    // Seeds other than the preload's are walked.
    cache.commit();
    cache.begin(2n);
    await cache.preload(noDatabase, [usage({ customerId: 'A' }), usage({ customerId: 'B' })]);
    expect(ids(await cache.component(noDatabase, seeds('B')))).toEqual(ids([stored[2]]));
    expect(walk).toHaveBeenCalledTimes(4);
  });
});

describe('RuleStateCache: a transaction begun on top of the one in flight', () => {
  beforeEach(() => resetFactory());

  const warmCache = async (maxEntries = 100) => {
    const store = new CountingStore([usage({ customerId: 'A' })]);
    const cache = new RuleStateCache(() => false, maxEntries, store, new ReferralStateRepository(), new LedgerRepository());
    cache.begin(1n);
    await cache.component(noDatabase, seeds('A'));
    cache.commit();
    return { store, cache };
  };

  it('expects the version after the one in flight, and keeps what both wrote when they commit in order', async () => {
    const { store, cache } = await warmCache();
    expect(cache.canSpeculate()).toBe(false); // nothing in flight
    cache.begin(2n);
    expect(cache.canSpeculate()).toBe(true);
    expect(cache.beginSpeculative()).toBe(3n);
    expect(cache.canSpeculate()).toBe(false); // two in flight at most
    expect(() => cache.beginSpeculative()).toThrow();
    cache.commit(); // version 2
    cache.commit(); // version 3
    cache.begin(4n); // the version after the last commit: the working set is kept
    await cache.component(noDatabase, seeds('A'));
    expect(store.asked).toEqual(['c:A']);
  });

  it('is not allowed past the bound (an eviction could drop what the one in flight has not committed)', async () => {
    const { cache } = await warmCache(0);
    cache.begin(2n); // evicted down to nothing
    expect(cache.canSpeculate()).toBe(true);
    await cache.component(noDatabase, seeds('A')); // past the bound again
    expect(cache.canSpeculate()).toBe(false);
  });

  it('drops everything when the one in flight fails, and when a transaction begins beside one in flight', async () => {
    const { store, cache } = await warmCache();
    cache.begin(2n);
    cache.beginSpeculative();
    cache.abort(); // the one in flight failed
    cache.commit(); // (a commit after the drop restores no version)
    cache.begin(3n);
    await cache.component(noDatabase, seeds('A'));
    expect(store.asked).toEqual(['c:A', 'c:A']);

    cache.begin(4n); // 3 still in flight: a begin beside it cannot trust the working set
    await cache.component(noDatabase, seeds('A'));
    expect(store.asked).toEqual(['c:A', 'c:A', 'c:A']);
  });
});
