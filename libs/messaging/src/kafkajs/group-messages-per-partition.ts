/**
 * Drop-in for kafkajs/src/producer/groupMessagesPerPartition: the same result (partition → messages, in order),
 * in linear time. kafkajs 2.2.4 copies the partition's array for every message (`[...current, message]`), which
 * is quadratic and allocated ~0.6 GB per 200,000 published events in the benchmark.
 */
function groupMessagesPerPartition<M>({ topic, partitionMetadata, messages, partitioner }: {
  topic: string;
  partitionMetadata: unknown[];
  messages: M[];
  partitioner: (args: { topic: string; partitionMetadata: unknown[]; message: M }) => number;
}): Record<number, M[]> {
  if (partitionMetadata.length === 0) return {};
  const result: Record<number, M[]> = {};
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    (result[partition] ??= []).push(message);
  }
  return result;
}

export = groupMessagesPerPartition;
