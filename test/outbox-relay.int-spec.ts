import { openMigratedDataSource, OutboxRepository } from '@engine/persistence';
import { DataSource } from 'typeorm';
import { EngineMetrics } from '../apps/engine/src/observability/engine-metrics';
import { OutboxRelay } from '../apps/engine/src/outbox/outbox-relay';
import { EngineHarness } from './support/engine-harness';

/**
 * The relay publishes exactly the committed outbox batches, in order: the ones this process wrote (from memory,
 * never read back) and the ones it finds in the table (another instance's, a crashed run's), never a rolled-back
 * one. The engine is not started: the relay under test is the only one.
 */
describe('outbox relay', () => {
  let harness: EngineHarness;
  let dataSource: DataSource;
  let relay: OutboxRelay;
  const errors: unknown[] = [];

  const event = (id: string) => ({ eventId: id, topic: harness.config.topics.status, key: 'R-OUT', event: { specversion: '1.0', id, data: { n: id } } });

  beforeAll(async () => {
    harness = await EngineHarness.create({ label: 'outbox', engineNow: '2026-11-01T00:00:00Z' });
    dataSource = await openMigratedDataSource(harness.config, 2); // the runtime role, as the engine
    relay = new OutboxRelay(dataSource, () => harness.kafka.getProducer(), new EngineMetrics(), (e) => errors.push(e));
  });

  afterAll(async () => {
    await dataSource?.destroy();
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
    // A row in the format of the previous release (the event as a JSON string), e.g. waiting across an upgrade.
    const old = event('out-5');
    await dataSource.query('INSERT INTO outbox (message_count, messages) VALUES (1, $1)', [JSON.stringify([[old.eventId, old.topic, old.key, JSON.stringify(old.event)]])]);
    // A remembered batch is published from memory: what the row says is not read (here it would say 'tampered'; the
    // engine's role may not UPDATE the outbox, the superuser of the test may).
    const [{ n: tampered }] = await harness.query(
      `WITH t AS (UPDATE outbox SET messages = replace(messages, 'out-4', 'tampered') WHERE messages LIKE '%out-4%' RETURNING id) SELECT count(*)::int AS n FROM t`,
    );
    expect(tampered).toBe(1);

    await relay.drain();

    const published = await harness.kafka.readTopic(harness.config.topics.status);
    expect(published.map((m) => JSON.parse(m.value!.toString()).id)).toEqual(['out-1', 'out-2', 'out-3', 'out-4', 'out-5']);
    expect(published.map((m) => m.value!.toString())).toEqual(['out-1', 'out-2', 'out-3', 'out-4', 'out-5'].map((id) => JSON.stringify(event(id).event)));
    expect(published.map((m) => m.headers['content-type'])).toEqual(Array(5).fill('application/cloudevents+json'));
    expect(await dataSource.query('SELECT id FROM outbox')).toEqual([]);
    expect(errors).toEqual([]);
  });
});
