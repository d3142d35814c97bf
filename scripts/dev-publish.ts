import { KafkaGateway } from '@engine/messaging';
import { loadScenario, publishMessages } from '@engine/testing';
(async () => {
  const k = new KafkaGateway({ brokers: ['127.0.0.1:9092'], clientId: 'pub' });
  const s = loadScenario(process.argv[2]);
  await publishMessages(k, s.messages);
  await k.close();
  console.log('published', s.messages.length);
})();
