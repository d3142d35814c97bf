import { eventKey, InputEvent } from '@engine/domain';
import { EventStoreRepository, openMigratedDataSource, StoredEvent } from '@engine/persistence';
import { dropDatabase, testDatabaseUrl } from '@engine/testing';
import { DataSource } from 'typeorm';

/** The event store's multi-row insert reports exactly the events that were new, whatever the mix. */
describe('event store insert', () => {
  const url = testDatabaseUrl('eventstore');
  const store = new EventStoreRepository();
  let dataSource: DataSource;

  const stored = (id: string): StoredEvent => {
    const event: InputEvent = { type: 'customer.activated', source: 'test', id, time: Date.parse('2026-10-01T00:00:00Z'), customerId: `C-${id}` };
    return { event, hash: `hash-${id}`, origin: { topic: 't', partition: 0, offset: '0' } };
  };

  beforeAll(async () => {
    dataSource = await openMigratedDataSource(url, 2);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await dropDatabase(url);
  });

  it('returns every key when all are new, none when all were stored, and only the new ones of a mix', async () => {
    const first = ['a', 'b', 'c'].map(stored);
    const all = await dataSource.transaction((m) => store.insertNew(m, first));
    expect([...all].sort()).toEqual(first.map((s) => eventKey(s.event)).sort());

    const none = await dataSource.transaction((m) => store.insertNew(m, first));
    expect(none.size).toBe(0);

    const mix = ['b', 'd', 'a', 'e'].map(stored);
    const fresh = await dataSource.transaction((m) => store.insertNew(m, mix));
    expect([...fresh].sort()).toEqual([eventKey(stored('d').event), eventKey(stored('e').event)].sort());
    const [{ n }] = await dataSource.query('SELECT count(*)::int AS n FROM input_event');
    expect(n).toBe(5);
  });
});
