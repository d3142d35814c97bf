/**
 * Our own message shapes. Nothing outside libs/messaging imports kafkajs, so the client can be swapped
 * (kafkajs is in maintenance mode) by rewriting kafka-gateway.ts alone.
 */
export interface InboundMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: string;
  /** decoded headers; left empty on the engine's hot path, which does not read them */
  headers: Record<string, string>;
}

export interface InboundBatch {
  topic: string;
  partition: number;
  highWatermark: string;
  messages: InboundMessage[];
}

export interface OutboundMessage {
  key: string | null;
  value: string | Buffer;
  headers?: Record<string, string>;
}

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  /** topic-level configs applied when the topic is created, e.g. `{ 'max.message.bytes': '2097152' }` */
  configEntries?: Record<string, string>;
}

export interface MessageProducer {
  /** Sends and waits for the broker's acknowledgement from all in-sync replicas. */
  send(topic: string, messages: OutboundMessage[]): Promise<void>;
  sendMany(batches: { topic: string; messages: OutboundMessage[] }[]): Promise<void>;
}

export interface BatchConsumerOptions {
  groupId: string;
  topics: string[];
  partitionsConsumedConcurrently: number;
  maxBytes: number;
  /**
   * Called once per fetched partition batch. Resolves when the batch is taken (the consumer then fetches on);
   * `applied` resolves once it is durably applied, and only then is its offset committed to Kafka.
   */
  handle: (batch: InboundBatch) => Promise<{ applied: Promise<unknown> }>;
  /** Called when `handle` fails; the batch is retried after `retryDelayMs(attempt)`. */
  onError?: (error: unknown, attempt: number) => void;
  onRecovered?: () => void;
  /** An offset commit failed (e.g. after a rebalance); the batch will be re-read and deduplicated. */
  onCommitError?: (error: unknown) => void;
}

export interface RunningConsumer {
  stop(): Promise<void>;
}

export interface PartitionOffset {
  topic: string;
  partition: number;
  /** the next offset to consume; -1 when the group has committed nothing for the partition */
  offset: string;
}

export interface PartitionLag {
  topic: string;
  partition: number;
  lag: number;
}
