import { KafkaGateway } from '@engine/messaging';
import { ScenarioMessage } from './scenario';

/**
 * Publishes raw scenario messages to their topics (order kept per topic), in chunks; `onProgress` hears how many are
 * published after each chunk.
 */
export async function publishMessages(kafka: KafkaGateway, messages: ScenarioMessage[], chunk = 500, onProgress?: (published: number) => void): Promise<void> {
  const producer = await kafka.getProducer();
  for (let i = 0; i < messages.length; i += chunk) {
    const byTopic = new Map<string, { key: string | null; value: string }[]>();
    for (const m of messages.slice(i, i + chunk)) {
      const list = byTopic.get(m.topic) ?? [];
      list.push({ key: m.key, value: m.value });
      byTopic.set(m.topic, list);
    }
    await producer.sendMany([...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })));
    onProgress?.(Math.min(i + chunk, messages.length));
  }
}
