import { inputTopics } from '@engine/contracts';
import { PartitionOffset } from '@engine/messaging';
import { FaultContext } from './fault-context';

export interface PartitionAccount {
  partition: string;
  /** the group's committed offset (-1: none) */
  committed: number;
  /** events stored from this partition, and the highest offset among them (-1: none) */
  stored: number;
  highestStored: number;
  /** stored events below the committed offset (= committed when the offsets below it are all stored) */
  storedBelowCommitted: number;
}

/**
 * The consumer group's committed offsets next to the event store, per input partition. For a load in which every
 * message is one distinct valid event (no redeliveries, no bad messages), "committed = highest stored + 1" says
 * the offsets of everything applied were committed and nothing beyond, and "stored below committed = committed"
 * says no offset was committed ahead of the database.
 */
export async function offsetsAgainstStore(context: FaultContext, offsets?: PartitionOffset[]): Promise<PartitionAccount[]> {
  const committed = offsets ?? (await context.kafka.committedOffsets(context.groupId, inputTopics(context.topics)));
  const rows = await context.query<{ topic: string; kafka_partition: number; kafka_offset: string }>(
    'SELECT topic, kafka_partition, kafka_offset::text FROM input_event',
  );
  const stored = new Map<string, number[]>();
  for (const row of rows) {
    const key = `${row.topic}/${row.kafka_partition}`;
    const list = stored.get(key) ?? [];
    list.push(Number(row.kafka_offset));
    stored.set(key, list);
  }
  const keys = new Set([...stored.keys(), ...committed.map((c) => `${c.topic}/${c.partition}`)]);
  return [...keys].sort().map((key) => {
    const list = stored.get(key) ?? [];
    const c = Number(committed.find((p) => `${p.topic}/${p.partition}` === key)?.offset ?? -1);
    return {
      partition: key,
      committed: c,
      stored: list.length,
      highestStored: list.length > 0 ? Math.max(...list) : -1,
      storedBelowCommitted: list.filter((o) => o < c).length,
    };
  });
}
