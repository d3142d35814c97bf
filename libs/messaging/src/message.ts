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

/**
 * The consumer-group membership a batch was fetched under (one per consumer, shared by its batches). The group
 * evicts a member that sends no heartbeat for a session timeout (30 s), and the client sends them only between
 * batches: a handler that holds a batch longer (waiting for room, or for the database) calls `heartbeat()` at
 * least every `heartbeatIntervalMs`. `active` turns false when the member must hand its batches back: the group
 * is rebalancing (a heartbeat was answered so), or the consumer is stopping.
 */
export interface ConsumerLease {
  /** Tells the group this member is alive (at most one request per interval; never throws). */
  heartbeat(): Promise<void>;
  readonly active: boolean;
  readonly heartbeatIntervalMs: number;
}

export interface BatchConsumerOptions {
  groupId: string;
  topics: string[];
  partitionsConsumedConcurrently: number;
  maxBytes: number;
  /**
   * Called once per fetched partition batch. Resolves when the batch is taken (the consumer then fetches on);
   * `applied` resolves once it is durably applied, and only then is its offset committed to Kafka. A handler may
   * also refuse a batch (reject) while `lease.active` is false: the batch is given back, uncommitted, and read
   * again by whoever owns the partition next.
   */
  handle: (batch: InboundBatch, lease: ConsumerLease) => Promise<{ applied: Promise<unknown> }>;
  /** Called when `handle` fails; the batch is retried after `retryDelayMs(attempt)`. */
  onError?: (error: unknown, attempt: number) => void;
  onRecovered?: () => void;
  /** An offset commit failed (e.g. after a rebalance); the batch will be re-read and deduplicated. */
  onCommitError?: (error: unknown) => void;
}

export interface RunningConsumer {
  /**
   * Stops fetching. Batches fetched and not yet taken are given back (their offsets stay uncommitted); the ones
   * taken are left to finish (see `drain`).
   */
  pause(): void;
  /**
   * Waits until every batch taken is settled (applied or refused) and the offsets of the applied ones are
   * committed, or until `timeoutMs` passed. Says what was still waiting.
   */
  drain(timeoutMs: number): Promise<DrainReport>;
  /** pause, drain (at most `drainTimeoutMs`, 10 s by default), then leave the group and disconnect; once (a second call waits for the first) */
  stop(drainTimeoutMs?: number): Promise<DrainReport>;
}

export interface DrainReport {
  /** batches taken whose `applied` had not settled (their offsets are not committed) */
  unsettled: number;
  /** offsets whose commit request had not completed */
  uncommitted: number;
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

/** A consumer group as the coordinator describes it (tests and operators: who holds which partitions). */
export interface GroupDescription {
  groupId: string;
  /** Stable, PreparingRebalance, CompletingRebalance, Empty or Dead */
  state: string;
  members: { memberId: string; clientId: string; host: string; assignment: Record<string, number[]> }[];
}
