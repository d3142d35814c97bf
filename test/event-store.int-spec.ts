import { eventKey, factsKey, InputEvent, referralKey, signupsKey } from '@engine/domain';
import { EventStoreRepository, openMigratedDataSource, runDirect, StoredEvent } from '@engine/persistence';
import { dropDatabase, testDatabaseUrl } from '@engine/testing';
import { DataSource } from 'typeorm';

const TIME = Date.parse('2026-10-01T00:00:00Z');

const activation = (source: string, id: string): StoredEvent => {
  const event: InputEvent = { type: 'customer.activated', source, id, time: TIME, customerId: `C-${id}` };
  return { event, hash: `hash-${id}`, origin: { topic: 't', partition: 0, offset: '0' } };
};

/** One event of every type, with text JSON must escape (tab, newline, CR, backslash, quotes) and non-ASCII. */
function everyType(source: string): StoredEvent[] {
  const odd = 'tab\there, line\nbreak, cr\r, back\\slash \\N, "quoted", ünïcødé 💶';
  const events: InputEvent[] = [
    { type: 'referral.submitted', source, id: 'e1', time: TIME, referralId: `R-${odd}`, partnerId: 'P\t1', partnerDomain: 'partner.example', prospectDomain: 'acme.example', channel: 'web' },
    { type: 'customer.signed_up', source, id: 'e2', time: TIME + 1, customerId: 'C\\1', emailDomain: 'acme.example', referralCode: null, priorAccount: true },
    { type: 'customer.signed_up', source, id: 'e3', time: TIME + 2, customerId: 'C2', emailDomain: 'acme.example', referralCode: `R-${odd}`, priorAccount: false },
    { type: 'customer.activated', source, id: 'e4', time: TIME + 3, customerId: 'C\n1' },
    { type: 'billing.usage_billed', source, id: 'e5', time: TIME + 4, customerId: 'C\\1', invoiceLineId: `L-${odd}`, productCode: 'compute.vm', amount: 999_999_999_999_999n, currency: 'JPY' },
    { type: 'billing.refunded', source, id: 'e6', time: TIME + 5, customerId: 'C\\1', refundId: 'F\r1', invoiceLineId: `L-${odd}`, amount: 1n, currency: 'EUR' },
  ];
  return events.map((event, i) => ({ event, hash: `h\t${i}`, origin: { topic: 'in\\topic', partition: 3, offset: String(9_007_199_254_740_993n + BigInt(i)) } }));
}

/** The event store's multi-row insert reports exactly the events that were new, whatever the mix, and stores them exactly. */
describe('event store insert', () => {
  const url = testDatabaseUrl('eventstore');
  const store = new EventStoreRepository();
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = await openMigratedDataSource(url, 2);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await dropDatabase(url);
  });

  it('returns every key when all are new, none when all were stored, and only the new ones of a mix', async () => {
    const stored = (id: string) => activation('test', id);
    const first = ['a', 'b', 'c'].map(stored);
    const all = await dataSource.transaction((m) => store.insertNew(m, first));
    expect([...all].sort()).toEqual(first.map((s) => eventKey(s.event)).sort());

    const none = await dataSource.transaction((m) => store.insertNew(m, first));
    expect(none.size).toBe(0);

    const mix = ['b', 'd', 'a', 'e'].map(stored);
    const fresh = await dataSource.transaction((m) => runDirect(m, (q) => store.insertNew(q, mix)));
    expect([...fresh].sort()).toEqual([eventKey(stored('d').event), eventKey(stored('e').event)].sort());
    const [{ n }] = await dataSource.query('SELECT count(*)::int AS n FROM input_event WHERE source = $1', ['test']);
    expect(n).toBe(5);
  });

  it('stores every event type so that it reads back as it was, awkward text and large numbers included', async () => {
    const events = everyType('types');
    const inserted = await dataSource.transaction((m) => runDirect(m, (q) => store.insertNew(q, events)));
    expect(inserted.size).toBe(events.length);
    const customers = ['C\\1', 'C2', 'C\n1'];
    const loaded = await store.loadLinked(dataSource, [
      referralKey((events[0].event as { referralId: string }).referralId), ...customers.map(signupsKey), ...customers.map(factsKey),
    ]);
    expect(loaded.filter((e) => e.source === 'types').sort((a, b) => a.id.localeCompare(b.id))).toEqual(events.map((s) => s.event));
    const origins = await dataSource.query(`SELECT payload_hash, topic, kafka_partition, kafka_offset::text FROM input_event WHERE source = 'types' ORDER BY event_id`);
    expect(origins).toEqual(events.map((s) => ({ payload_hash: s.hash, topic: s.origin.topic, kafka_partition: s.origin.partition, kafka_offset: s.origin.offset })));
  });

});
