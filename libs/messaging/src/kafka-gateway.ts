import { assertKafkajsDropIns } from './kafkajs/install-fast-paths'; // before kafkajs itself is loaded
import { Admin, AssignerProtocol, Kafka, logLevel, Producer } from 'kafkajs';
import { createMurmur2Partitioner } from './kafkajs/murmur2-partitioner';
import { CoalescedOffsetCommits } from './offset-commits';
import {
  BatchConsumerOptions, ConsumerLease, DrainReport, GroupDescription, InboundBatch, InboundMessage, MessageProducer, OutboundMessage, PartitionLag,
  PartitionOffset, RunningConsumer, TopicSpec,
} from './message';

export interface KafkaGatewayOptions {
  brokers: string[];
  clientId: string;
  logger?: { warn(message: string): void; error(message: string): void };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Consumer-group timing. The coordinator evicts a member that sent no heartbeat for SESSION_TIMEOUT_MS (its
 * partitions move); kafkajs sends heartbeats only between batches and when `eachBatch` asks, so whatever holds a
 * batch longer than that (the scheduler waiting for the database) heartbeats through the ConsumerLease. In a
 * rebalance, each member has REBALANCE_TIMEOUT_MS to rejoin, i.e. to hand back what it holds and return from
 * `eachBatch`: the lease turns inactive as soon as a heartbeat is answered "rebalancing".
 */
const SESSION_TIMEOUT_MS = 30_000;
const HEARTBEAT_INTERVAL_MS = 1_000;
const REBALANCE_TIMEOUT_MS = 60_000;
/** Heartbeat answers meaning this member must rejoin the group before it goes on. */
const REJOIN_ERRORS = new Set(['REBALANCE_IN_PROGRESS', 'NOT_COORDINATOR_FOR_GROUP', 'NOT_COORDINATOR', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID']);

/** Resolves when `work` settles or at `deadline` (epoch ms), whichever comes first. */
async function until(deadline: number, work: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work.then(() => undefined, () => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))))]);
  clearTimeout(timer);
}

/**
 * Bytes of messages per produce request. kafkajs writes one record batch per partition and never splits it, and
 * the broker refuses a batch larger than the topic's max.message.bytes (1 MiB by default) with MESSAGE_TOO_LARGE.
 * Without a cap, a burst of one key (commission.accrued is keyed by partner: ~2,000 outbox rows of one partner)
 * or the dead letters of one transaction would be refused on every retry, forever. A bigger message goes alone.
 */
const MAX_REQUEST_BYTES = 512 * 1024;

const bytes = (value: string | Buffer | null | undefined) => (value == null ? 0 : typeof value === 'string' ? Buffer.byteLength(value) : value.length);

function sizeOf(message: OutboundMessage): number {
  let size = 64 + bytes(message.key) + bytes(message.value);
  const headers = message.headers;
  if (headers) for (const name in headers) size += bytes(name) + bytes(headers[name]); // no entry arrays per message
  return size;
}

/** Splits batches into consecutive produce requests of at most MAX_REQUEST_BYTES, keeping the order per topic. */
function byRequest(batches: { topic: string; messages: OutboundMessage[] }[]): { topic: string; messages: OutboundMessage[] }[][] {
  const requests: { topic: string; messages: OutboundMessage[] }[][] = [];
  let current = new Map<string, OutboundMessage[]>();
  let size = 0;
  const flush = () => {
    if (current.size > 0) requests.push([...current].map(([topic, messages]) => ({ topic, messages })));
    current = new Map();
    size = 0;
  };
  for (const { topic, messages } of batches) {
    for (const message of messages) {
      const messageSize = sizeOf(message);
      if (size > 0 && size + messageSize > MAX_REQUEST_BYTES) flush();
      const list = current.get(topic) ?? [];
      list.push(message);
      current.set(topic, list);
      size += messageSize;
    }
  }
  flush();
  return requests;
}

/** The one place that speaks kafkajs: topics, a producer, batch consumers, lag. */
export class KafkaGateway {
  private readonly kafka: Kafka;
  private admin?: Admin;
  private producer?: Producer;
  private readonly consumers = new Set<RunningConsumer>();

  constructor(private readonly options: KafkaGatewayOptions) {
    assertKafkajsDropIns(); // refuses to run kafkajs without our drop-ins, or another kafkajs version
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      logLevel: logLevel.ERROR,
      retry: { initialRetryTime: 200, retries: 10 },
      logCreator: () => ({ level, log }) => {
        const text = `kafka ${log.message}${log.error ? `: ${log.error}` : ''}`;
        // kafkajs logs retried, recoverable conditions (leader elections, rebalances) at ERROR: report them as warnings.
        if (level <= logLevel.WARN) options.logger?.warn(text);
      },
    });
  }

  private async getAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }

  /** Creates the topics that are missing (existing ones are left as they are). */
  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    const admin = await this.getAdmin();
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length === 0) return;
    const created = await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((s) => ({
        topic: s.topic, numPartitions: s.numPartitions, replicationFactor: 1,
        configEntries: Object.entries(s.configEntries ?? {}).map(([name, value]) => ({ name, value })),
      })),
    })
      .then(() => true)
      .catch((error: { type?: string }) => {
        // kafkajs' wait for leaders gives up on UNKNOWN_TOPIC_OR_PARTITION, which a broker that has just started
        // can answer for a topic it created a moment ago: the topics exist, only the wait is left to do
        if (error.type === 'UNKNOWN_TOPIC_OR_PARTITION') return false;
        if (error.type !== 'TOPIC_ALREADY_EXISTS') throw error;
        return true;
      });
    if (!created) await this.waitForLeaders(admin, missing.map((s) => s.topic));
  }

  /** Deletes these topics (those that exist); for tools that create throwaway topics, such as the benchmark. */
  async deleteTopics(topics: string[]): Promise<void> {
    const admin = await this.getAdmin();
    const existing = new Set(await admin.listTopics());
    const doomed = topics.filter((topic) => existing.has(topic));
    if (doomed.length > 0) await admin.deleteTopics({ topics: doomed, timeout: 30_000 });
  }

  /** Waits until every partition of `topics` has a leader, through UNKNOWN_TOPIC_OR_PARTITION and LEADER_NOT_AVAILABLE. */
  private async waitForLeaders(admin: Admin, topics: string[], timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const metadata = await admin.fetchTopicMetadata({ topics });
        const ready = metadata.topics.length === topics.length && metadata.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
        if (ready) return;
      } catch (error) {
        if (!['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE'].includes((error as { type?: string }).type ?? '')) throw error;
      }
      if (Date.now() > deadline) throw new Error(`topics still without a leader after ${timeoutMs} ms: ${topics.join(', ')}`);
      await sleep(100);
    }
  }

  async ping(): Promise<void> {
    const admin = await this.getAdmin();
    await admin.describeCluster();
  }

  async getProducer(): Promise<MessageProducer> {
    if (!this.producer) {
      const producer = this.kafka.producer({ allowAutoTopicCreation: false, maxInFlightRequests: 5, createPartitioner: createMurmur2Partitioner() });
      await producer.connect();
      this.producer = producer;
    }
    const producer = this.producer;
    const encode = (messages: OutboundMessage[]) => messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers }));
    return {
      send: async (topic, messages) => {
        for (const request of byRequest([{ topic, messages }])) await producer.send({ topic, acks: -1, messages: encode(request[0].messages) });
      },
      sendMany: async (batches) => {
        for (const request of byRequest(batches)) {
          await producer.sendBatch({ acks: -1, topicMessages: request.map((b) => ({ topic: b.topic, messages: encode(b.messages) })) });
        }
      },
    };
  }

  /**
   * A consumer-group member that hands each fetched partition batch to `handle` and commits the offset after
   * `applied` resolves (so after the database commit; one request for the batches a transaction applied together).
   * A failing `handle` is retried with backoff, heartbeating; a batch is given back (not taken, its offset not
   * committed) when the member stops or must rejoin the group, and its partition's owner reads it again. An offset
   * is committed only while this member still holds the partition.
   */
  async runBatchConsumer(options: BatchConsumerOptions): Promise<RunningConsumer> {
    const consumer = this.kafka.consumer({
      groupId: options.groupId,
      maxBytes: options.maxBytes,
      maxBytesPerPartition: Math.max(1024 * 1024, Math.floor(options.maxBytes / 2)),
      sessionTimeout: SESSION_TIMEOUT_MS,
      rebalanceTimeout: REBALANCE_TIMEOUT_MS,
      heartbeatInterval: HEARTBEAT_INTERVAL_MS,
      // a short fetch wait lets a rebalance or a shutdown proceed quickly; data still returns as soon as it exists
      maxWaitTimeInMs: 500,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 5_000 },
    });
    let stopping = false;
    let rejoining = false;
    let stopped: Promise<DrainReport> | null = null;
    let beat: (() => Promise<void>) | null = null; // kafkajs' heartbeat (any batch's: they all go to the same group member)
    let assigned = new Set<string>();
    const at = (topic: string, partition: number) => `${topic}\u0000${partition}`;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      rejoining = false;
      assigned = new Set(Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) => partitions.map((p) => at(topic, p))));
    });
    consumer.on(consumer.events.HEARTBEAT, () => (rejoining = false)); // a stale "rebalancing" answer is over
    const lease: ConsumerLease = {
      heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
      get active() {
        return !stopping && !rejoining;
      },
      heartbeat: async () => {
        try {
          await beat?.();
        } catch (error) {
          if (REJOIN_ERRORS.has((error as { type?: string }).type ?? '')) rejoining = true;
        }
      },
    };
    // what drain() waits for: `handle` calls in progress, and the commit of every batch taken
    const pending = new Set<Promise<unknown>>();
    const track = (work: Promise<unknown>) => {
      pending.add(work);
      void work.finally(() => pending.delete(work)).catch(() => undefined);
    };
    await consumer.connect();
    await consumer.subscribe({ topics: options.topics, fromBeginning: true });
    const commits = new CoalescedOffsetCommits((offsets) => consumer.commitOffsets(offsets), (error) => options.onCommitError?.(error));
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        beat = heartbeat;
        const givenBack = () => stopping || rejoining || !isRunning() || isStale();
        if (batch.messages.length === 0 || givenBack()) return;
        const inbound: InboundBatch = {
          topic: batch.topic,
          partition: batch.partition,
          highWatermark: batch.highWatermark,
          messages: batch.messages.map((m) => ({
            topic: batch.topic, partition: batch.partition, offset: m.offset, key: m.key, value: m.value, timestamp: m.timestamp,
            headers: {},
          })),
        };
        let applied: Promise<unknown> | undefined;
        for (let attempt = 1; !applied; attempt++) {
          if (givenBack()) return;
          const taking = options.handle(inbound, lease);
          track(taking);
          try {
            ({ applied } = await taking);
            if (attempt > 1) options.onRecovered?.();
          } catch (error) {
            if (givenBack()) return; // refused because the lease ended: read again by the partition's owner
            options.onError?.(error, attempt);
            await sleep(Math.min(200 * 2 ** Math.min(attempt, 5), 5_000));
            await lease.heartbeat();
          }
        }
        // The fetch position moves on now; the committed offset only once the batch is durably applied. A member
        // that lost the partition meanwhile does not commit (its successor re-reads; the database dedupes), and a
        // batch that was not applied (refused at shutdown) is not committed either.
        const last = batch.messages[batch.messages.length - 1].offset;
        resolveOffset(last);
        const offset = (BigInt(last) + 1n).toString();
        const owned = () => isRunning() && !isStale() && assigned.has(at(batch.topic, batch.partition));
        track(applied.then(() => commits.add(batch.topic, batch.partition, offset, owned), () => undefined));
        await lease.heartbeat();
      },
    });
    const running: RunningConsumer = {
      pause: () => {
        if (stopping) return;
        stopping = true;
        try {
          consumer.pause(options.topics.map((topic) => ({ topic })));
        } catch {
          // not running
        }
      },
      drain: async (timeoutMs: number): Promise<DrainReport> => {
        const deadline = Date.now() + timeoutMs;
        while (pending.size > 0 && Date.now() < deadline) await until(deadline, Promise.allSettled([...pending]));
        await until(deadline, commits.flushed());
        return { unsettled: pending.size, uncommitted: commits.uncommitted };
      },
      stop: (drainTimeoutMs = 10_000): Promise<DrainReport> =>
        (stopped ??= (async () => {
          running.pause();
          const report = await running.drain(drainTimeoutMs);
          this.consumers.delete(running);
          await consumer.disconnect(); // leaves the group: its partitions move at once
          return report;
        })()),
    };
    this.consumers.add(running);
    return running;
  }

  /** Consumer lag per partition of `topics` for `groupId` (high watermark − committed offset). */
  async lag(groupId: string, topics: string[]): Promise<PartitionLag[]> {
    const admin = await this.getAdmin();
    const result: PartitionLag[] = [];
    const committed = await admin.fetchOffsets({ groupId, topics });
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      const group = committed.find((c) => c.topic === topic);
      for (const end of ends) {
        const offset = group?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
        const from = Number(offset) < 0 ? Number(end.low) : Number(offset);
        result.push({ topic, partition: end.partition, lag: Math.max(0, Number(end.high) - from) });
      }
    }
    return result;
  }

  /** The offsets `groupId` has committed on every partition of `topics`. */
  async committedOffsets(groupId: string, topics: string[]): Promise<PartitionOffset[]> {
    const admin = await this.getAdmin();
    const committed = await admin.fetchOffsets({ groupId, topics });
    return committed.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: p.offset })));
  }

  /**
   * Moves `groupId` back to the earliest offset of every partition of `topic` (a full replay). The group must
   * have no running member (the broker refuses otherwise).
   */
  async resetOffsets(groupId: string, topic: string): Promise<void> {
    const admin = await this.getAdmin();
    await admin.resetOffsets({ groupId, topic, earliest: true });
  }

  /**
   * Reads a whole topic from the beginning with a throwaway group, until no message arrived for `idleMs`
   * (tools, tests and the demo; not used by the engine). Each message once, in the order first read: the group
   * commits nothing, so a rebalance of the reader (a missed heartbeat on a loaded machine) fetches a partition
   * again from its start, and those second copies (same partition and offset) are dropped.
   */
  async readTopic(topic: string, idleMs = 1500): Promise<InboundMessage[]> {
    const consumer = this.kafka.consumer({
      groupId: `reader-${topic}-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`,
      maxWaitTimeInMs: 200,
      heartbeatInterval: 500,
    });
    const messages = new Map<string, InboundMessage>();
    let last = Date.now();
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      const assigned = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ topic: t, partition, message }) => {
          last = Date.now();
          const at = `${partition}:${message.offset}`;
          if (messages.has(at)) return;
          messages.set(at, {
            topic: t, partition, offset: message.offset, key: message.key, value: message.value, timestamp: message.timestamp,
            headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, v?.toString() ?? ''])),
          });
        },
      });
      await assigned;
      last = Date.now();
      while (Date.now() - last < idleMs) await sleep(100);
    } finally {
      await consumer.disconnect();
    }
    return [...messages.values()];
  }

  /** The group's state and who holds which partitions, as its coordinator says. */
  async describeGroup(groupId: string): Promise<GroupDescription> {
    const admin = await this.getAdmin();
    const { groups } = await admin.describeGroups([groupId]);
    const group = groups[0];
    return {
      groupId,
      state: group?.state ?? 'Dead',
      members: (group?.members ?? []).map((m) => ({
        memberId: m.memberId,
        clientId: m.clientId,
        host: m.clientHost,
        assignment: m.memberAssignment.length > 0 ? (AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment ?? {}) : {},
      })),
    };
  }

  /** Graceful shutdown, step 1: every consumer stops fetching; batches fetched and not yet taken are given back. */
  pauseConsumers(): void {
    for (const consumer of this.consumers) consumer.pause();
  }

  /** Step 2: waits (at most `timeoutMs`) until the batches taken are settled and the applied ones' offsets committed. */
  async drainConsumers(timeoutMs: number): Promise<DrainReport> {
    const reports = await Promise.all([...this.consumers].map((c) => c.drain(timeoutMs)));
    return reports.reduce((a, b) => ({ unsettled: a.unsettled + b.unsettled, uncommitted: a.uncommitted + b.uncommitted }), { unsettled: 0, uncommitted: 0 });
  }

  /** Step 3: leaves the groups (after draining each for at most `drainTimeoutMs`) and disconnects. */
  async stopConsumers(drainTimeoutMs = 10_000): Promise<void> {
    await Promise.allSettled([...this.consumers].map((c) => c.stop(drainTimeoutMs)));
  }

  async close(): Promise<void> {
    await this.stopConsumers(0);
    await this.producer?.disconnect().catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
    this.producer = undefined;
    this.admin = undefined;
  }
}
