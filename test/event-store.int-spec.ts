import { eventKey, factsKey, InputEvent, partnerKey, payoutKey, referralKey, signupsKey, submittedByKey } from '@engine/domain';
import { EventStoreRepository, openMigratedDataSource, runDirect, StoredEvent } from '@engine/persistence';
import { parseMessage } from '@engine/contracts';
import { cloudEvents, dropDatabase, testDatabaseUrl } from '@engine/testing';
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
    { type: 'referral.submitted', source, id: 'e1', time: TIME, referralId: `R-${odd}`, partnerId: 'P\t1', partnerDomain: 'partner.example', prospectDomain: 'acme.example', region: `eu-${odd}`, channel: 'web' },
    { type: 'customer.signed_up', source, id: 'e2', time: TIME + 1, customerId: 'C\\1', emailDomain: 'acme.example', referralCode: null, priorAccount: true },
    { type: 'customer.signed_up', source, id: 'e3', time: TIME + 2, customerId: 'C2', emailDomain: 'acme.example', referralCode: `R-${odd}`, priorAccount: false },
    { type: 'customer.activated', source, id: 'e4', time: TIME + 3, customerId: 'C\n1' },
    { type: 'billing.usage_billed', source, id: 'e5', time: TIME + 4, customerId: 'C\\1', invoiceLineId: `L-${odd}`, productCode: 'compute.vm', amount: 999_999_999_999_999n, currency: 'JPY' },
    { type: 'billing.refunded', source, id: 'e6', time: TIME + 5, customerId: 'C\\1', refundId: 'F\r1', invoiceLineId: `L-${odd}`, amount: 1n, currency: 'EUR' },
    { type: 'partner.approved', source, id: 'e7', time: TIME + 6, partnerId: 'P\t1', group: `G-${odd}` },
    { type: 'partner.group_changed', source, id: 'e8', time: TIME + 7, partnerId: 'P\t1', group: 'default' },
    { type: 'partner.suspended', source, id: 'e9', time: TIME + 8, partnerId: 'P\t1', reason: odd },
    { type: 'partner.reinstated', source, id: 'e10', time: TIME + 9, partnerId: 'P\t1', reason: null },
    { type: 'partner.terminated', source, id: 'e11', time: TIME + 10, partnerId: 'P\t1', reason: '' },
    { type: 'payout.paid', source, id: 'e12', time: TIME + 11, payoutId: '2026-10:P\t1:USD', reference: `TRX-${odd}` },
    { type: 'payout.paid', source, id: 'e13', time: TIME + 12, payoutId: '2026-10:P\t1:JPY', reference: null },
    { type: 'payout.failed', source, id: 'e14', time: TIME + 13, payoutId: '2026-10:P\t1:USD', reason: odd },
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
      referralKey((events[0].event as { referralId: string }).referralId), ...customers.map(signupsKey), ...customers.map(factsKey), partnerKey('P\t1'),
      payoutKey('2026-10:P\t1:USD'), payoutKey('2026-10:P\t1:JPY'),
    ]);
    const byId = (list: InputEvent[]) => [...list].sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
    expect(byId(loaded.filter((e) => e.source === 'types'))).toEqual(events.map((s) => s.event));
    const origins = await dataSource.query(`SELECT payload_hash, topic, kafka_partition, kafka_offset::text FROM input_event WHERE source = 'types' ORDER BY time_ms`);
    expect(origins).toEqual(events.map((s) => ({ payload_hash: s.hash, topic: s.origin.topic, kafka_partition: s.origin.partition, kafka_offset: s.origin.offset })));
  });

  it('reads every event back with the fields in the order parseMessage gives them (the same object shapes)', async () => {
    const time = '2026-10-01T00:00:00Z';
    const messages = [
      cloudEvents.submitted({ referralId: 'R-shape', partnerId: 'P-shape', domain: 'shape.example', region: 'eu-west-1', time, id: 'shape-1' }),
      cloudEvents.signedUp({ customerId: 'C-shape', domain: 'shape.example', referralCode: 'R-shape', time, id: 'shape-2' }),
      cloudEvents.activated({ customerId: 'C-shape', time, id: 'shape-3' }),
      cloudEvents.usage({ customerId: 'C-shape', invoiceLineId: 'L-shape', amount: '10.00', time, id: 'shape-4' }),
      cloudEvents.refunded({ customerId: 'C-shape', refundId: 'F-shape', invoiceLineId: 'L-shape', amount: '1.00', time, id: 'shape-5' }),
      cloudEvents.partnerApproved({ partnerId: 'P-shape', time, id: 'shape-6' }),
      cloudEvents.partnerGroupChanged({ partnerId: 'P-shape', group: 'gold', time, id: 'shape-7' }),
      cloudEvents.partnerSuspended({ partnerId: 'P-shape', reason: 'review', time, id: 'shape-8' }),
      cloudEvents.partnerReinstated({ partnerId: 'P-shape', time, id: 'shape-9' }),
      cloudEvents.partnerTerminated({ partnerId: 'P-shape', time, id: 'shape-10' }),
      cloudEvents.payoutPaid({ payoutId: '2026-10:P-shape:USD', reference: 'TRX-shape', time, id: 'shape-11' }),
      cloudEvents.payoutPaid({ payoutId: '2026-10:P-shape:EUR', time, id: 'shape-12' }),
      cloudEvents.payoutFailed({ payoutId: '2026-10:P-shape:USD', reason: 'account closed', time, id: 'shape-13' }),
    ];
    const parsed = messages.map((m) => parseMessage(m.topic, m.value).event);
    const events = parsed.map((event, i): StoredEvent => ({ event, hash: `h-${i}`, origin: { topic: messages[i].topic, partition: 0, offset: String(i) } }));
    await dataSource.transaction((m) => runDirect(m, (q) => store.insertNew(q, events)));
    const loaded = await store.loadLinked(dataSource, [
      referralKey('R-shape'), signupsKey('C-shape'), factsKey('C-shape'), partnerKey('P-shape'), payoutKey('2026-10:P-shape:USD'), payoutKey('2026-10:P-shape:EUR'),
    ]);
    const byId = new Map(loaded.map((e) => [e.id, e]));
    for (const event of parsed) {
      expect(byId.get(event.id)).toEqual(event);
      expect(Object.keys(byId.get(event.id)!)).toEqual(Object.keys(event));
    }
  });

  it("reads a partner's partner events and a partner's submissions by partner, and a submission's region as stored (null included)", async () => {
    const stored = (event: InputEvent): StoredEvent => ({ event, hash: `hash-${event.id}`, origin: { topic: 't', partition: 0, offset: '0' } });
    const submission = (id: string, partnerId: string, region: string | null): InputEvent => ({
      type: 'referral.submitted', source: 'partners', id, time: TIME, referralId: `R-${id}`, partnerId, partnerDomain: 'p.example', prospectDomain: `${id}.example`, region, channel: 'web',
    });
    const s1 = submission('s1', 'PA', 'us-east-1'), s2 = submission('s2', 'PA', null), s3 = submission('s3', 'PB', 'eu-west-1');
    const approvedA: InputEvent = { type: 'partner.approved', source: 'partners', id: 'a1', time: TIME, partnerId: 'PA', group: 'gold' };
    const suspendedA: InputEvent = { type: 'partner.suspended', source: 'partners', id: 'a2', time: TIME + 1, partnerId: 'PA', reason: null };
    const approvedB: InputEvent = { type: 'partner.approved', source: 'partners', id: 'b1', time: TIME, partnerId: 'PB', group: 'default' };
    await dataSource.transaction((m) => runDirect(m, (q) => store.insertNew(q, [s1, s2, s3, approvedA, suspendedA, approvedB].map(stored))));

    const ids = async (keys: string[]) => (await store.loadLinked(dataSource, keys)).filter((e) => e.source === 'partners').map((e) => e.id).sort();
    expect(await ids([partnerKey('PA')])).toEqual(['a1', 'a2']); // its partner events, not its submissions
    expect(await ids([submittedByKey('PA')])).toEqual(['s1', 's2']); // its submissions, not its partner events
    expect(await ids([partnerKey('PB'), submittedByKey('PB')])).toEqual(['b1', 's3']);
    expect(await ids([partnerKey('PC'), submittedByKey('PC')])).toEqual([]);
    const loaded = await store.loadLinked(dataSource, [submittedByKey('PA'), partnerKey('PA')]);
    expect(loaded.filter((e) => e.source === 'partners').sort((a, b) => a.id.localeCompare(b.id))).toEqual([approvedA, suspendedA, s1, s2]);
  });

  it("reads a payout order's outcomes by payoutId (key o:), and nothing else under that key", async () => {
    const stored = (event: InputEvent): StoredEvent => ({ event, hash: `hash-${event.id}`, origin: { topic: 't', partition: 0, offset: '0' } });
    const usd = '2026-10:P-001:USD', eur = '2026-10:P-001:EUR';
    const paidUsd: InputEvent = { type: 'payout.paid', source: 'payouts', id: 'o1', time: TIME, payoutId: usd, reference: 'TRX-1' };
    const failedUsd: InputEvent = { type: 'payout.failed', source: 'payouts', id: 'o2', time: TIME + 1, payoutId: usd, reason: 'account closed' };
    const paidEur: InputEvent = { type: 'payout.paid', source: 'payouts', id: 'o3', time: TIME, payoutId: eur, reference: null };
    // other events whose ids happen to equal the payoutId: never listed under its key
    const partner: InputEvent = { type: 'partner.approved', source: 'payouts', id: 'x1', time: TIME, partnerId: usd, group: 'default' };
    const customer: InputEvent = { type: 'customer.activated', source: 'payouts', id: 'x2', time: TIME, customerId: usd };
    await dataSource.transaction((m) => runDirect(m, (q) => store.insertNew(q, [paidUsd, failedUsd, paidEur, partner, customer].map(stored))));

    const ids = async (keys: string[]) => (await store.loadLinked(dataSource, keys)).filter((e) => e.source === 'payouts').map((e) => e.id).sort();
    expect(await ids([payoutKey(usd)])).toEqual(['o1', 'o2']);
    expect(await ids([payoutKey(eur)])).toEqual(['o3']);
    expect(await ids([payoutKey(usd), payoutKey(eur)])).toEqual(['o1', 'o2', 'o3']);
    expect(await ids([payoutKey('2026-11:P-001:USD')])).toEqual([]);
    expect(await ids([partnerKey(usd), factsKey(usd)])).toEqual(['x1', 'x2']); // the payout events are under no other key
    const loaded = await store.loadLinked(dataSource, [payoutKey(usd), payoutKey(eur)]);
    expect(loaded.filter((e) => e.source === 'payouts').sort((a, b) => a.id.localeCompare(b.id))).toEqual([paidUsd, failedUsd, paidEur]);
  });

});
