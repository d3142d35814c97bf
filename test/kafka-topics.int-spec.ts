import { KafkaGateway } from '@engine/messaging';
import { Kafka } from 'kafkajs';

const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

/** Topic housekeeping of the gateway (the benchmark deletes the topics of its run, so a broker does not fill up run after run). */
describe('KafkaGateway topics', () => {
  const gateway = new KafkaGateway({ brokers: BROKERS, clientId: 'test-topics' });
  const prefix = `topics${Date.now().toString(36)}.`;
  const independent = new Kafka({ brokers: BROKERS, clientId: 'test-topics-check', logLevel: 0 }).admin();

  beforeAll(() => independent.connect());
  afterAll(async () => {
    await independent.disconnect();
    await gateway.close();
  });

  it('creates missing topics and deletes those named (one that does not exist is no error)', async () => {
    const [kept, doomed] = [`${prefix}kept`, `${prefix}doomed`];
    await gateway.ensureTopics([{ topic: kept, numPartitions: 2 }, { topic: doomed, numPartitions: 2 }]);
    expect(await independent.listTopics()).toEqual(expect.arrayContaining([kept, doomed]));
    await gateway.deleteTopics([doomed, `${prefix}never-created`]);
    const after = await independent.listTopics();
    expect(after).toContain(kept);
    expect(after).not.toContain(doomed);
    await gateway.deleteTopics([kept]);
  });
});
