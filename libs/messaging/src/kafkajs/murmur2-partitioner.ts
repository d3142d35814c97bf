/**
 * kafkajs' DefaultPartitioner (the Java client's murmur2 partitioning, so keys land where Java producers put
 * them) with 32-bit integer arithmetic instead of kafkajs' Long objects, which allocated per 4 key bytes.
 */
const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's murmur2 of the key's bytes, as a signed 32-bit integer (org.apache.kafka.common.utils.Utils#murmur2). */
export function murmur2(key: Buffer | string): number {
  const data = Buffer.isBuffer(key) ? key : Buffer.from(String(key));
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const length4 = length >> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4] | (data[i4 + 1] << 8) | (data[i4 + 2] << 16) | (data[i4 + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length & ~3;
  switch (length % 4) {
    case 3:
      h ^= data[tail + 2] << 16;
    // falls through
    case 2:
      h ^= data[tail + 1] << 8;
    // falls through
    case 1:
      h ^= data[tail];
      h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

interface PartitionMetadata {
  partitionId: number;
  leader: number;
}

interface PartitionerArgs {
  topic: string;
  partitionMetadata: PartitionMetadata[];
  message: { partition?: number | null; key?: Buffer | string | null };
}

/** The kafkajs `createPartitioner` contract: explicit partition, else murmur2 of the key, else round robin. */
export function createMurmur2Partitioner(): () => (args: PartitionerArgs) => number {
  return () => {
    const counters = new Map<string, number>();
    return ({ topic, partitionMetadata, message }) => {
      if (message.partition !== null && message.partition !== undefined) return message.partition;
      if (message.key !== null && message.key !== undefined) return (murmur2(message.key) & 0x7fffffff) % partitionMetadata.length;
      const next = ((counters.get(topic) ?? Math.floor(Math.random() * 2 ** 31)) + 1) & 0x7fffffff;
      counters.set(topic, next);
      const available = partitionMetadata.filter((p) => p.leader >= 0);
      return available.length > 0 ? available[next % available.length].partitionId : next % partitionMetadata.length;
    };
  };
}
