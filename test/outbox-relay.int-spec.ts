import { OutboxRepository } from '@engine/persistence';
import { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../apps/engine/src/engine.tokens';
import { OutboxRelay } from '../apps/engine/src/outbox/outbox-relay';
import { EngineHarness } from './support/engine-harness';

/**
 * The relay publishes exactly the committed outbox batches, in order: the ones this process wrote (kept in
 * memory) and the ones it finds in the table (another instance's, a crashed run's), never a rolled-back one.
 */
describe('outbox relay', () => {
  let harness: EngineHarness;
  let relay: OutboxRelay;
  let dataSource: DataSource;

  const event = (id: string) => ({ eventId: id, topic: harness.config.topics.status, key: 'R-OUT', event: { specversion: '1.0', id, data: { n: id } } });

  beforeAll(async () => {
    harness = await EngineHarness.create({ label: 'outbox', engineNow: '2026-11-01T00:00:00Z' });
    await harness.start();
    relay = harness.app!.get(OutboxRelay);
    dataSource = harness.app!.get(DATA_SOURCE);
  });

  afterAll(async () => {
    await harness?.dispose();
  });

  it('publishes committed batches from memory and from the table, in id order, and never a rolled-back one', async () => {
    const remembering = new OutboxRepository((batch) => relay.remember(batch));
    const silent = new OutboxRepository(); // stands for another instance: its batches are only in the table
    await dataSource.transaction(async (m) => remembering.add(m, [event('out-1'), event('out-2')]));
    await dataSource.transaction(async (m) => silent.add(m, [event('out-3')]));
    await dataSource
      .transaction(async (m) => {
        await remembering.add(m, [event('rolled-back')]);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    await dataSource.transaction(async (m) => remembering.add(m, [event('out-4')]));
    relay.kick();
    await relay.idle();
    await harness.settled();

    const published = await harness.kafka.readTopic(harness.config.topics.status);
    expect(published.map((m) => JSON.parse(m.value!.toString()).id)).toEqual(['out-1', 'out-2', 'out-3', 'out-4']);
    expect(published.map((m) => m.headers['content-type'])).toEqual(Array(4).fill('application/cloudevents+json'));
    expect(published[0].value!.toString()).toBe(JSON.stringify(event('out-1').event));
    expect(await harness.query('SELECT id FROM outbox')).toEqual([]);
  });
});
