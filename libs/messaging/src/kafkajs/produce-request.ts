/**
 * Drop-in for kafkajs/src/protocol/requests/produce/v3/request (the body of Produce v3–v7; v4–v7 reuse it):
 * the same bytes, laid out once and written into one buffer of the exact size. kafkajs spreads every message
 * into a new object, encodes each record into a buffer of its own, then copies the records into a batch encoder,
 * the batch into a partition encoder, the partition into a topic encoder and the topic into the request, each a
 * zero-filled buffer grown by doubling. In the engine's profile that was the outbox relay's largest cost.
 *
 * Produce Request (Version: 3) => transactional_id acks timeout [topic_data]
 *   topic_data => topic [data];  data => partition record_set (int32 size + RecordBatch)
 * RecordBatch => FirstOffset:int64 Length:int32 PartitionLeaderEpoch:int32 Magic:int8 CRC:uint32 Attributes:int16
 *   LastOffsetDelta:int32 FirstTimestamp:int64 MaxTimestamp:int64 ProducerId:int64 ProducerEpoch:int16
 *   FirstSequence:int32 Records:[Record]   (CRC-32C covers Attributes to the end)
 */
import { measureRecord, RecordInput, RecordLayout, writeRecord } from './record-layout';
import crc32c = require('./crc32c');
/* eslint-disable @typescript-eslint/no-require-imports */
const Long = require('kafkajs/src/utils/long');
const { Produce: apiKey } = require('kafkajs/src/protocol/requests/apiKeys');
const { Types, lookupCodec, COMPRESSION_CODEC_MASK } = require('kafkajs/src/protocol/message/compression');
/* eslint-enable @typescript-eslint/no-require-imports */

type Int64 = number | string | bigint | { value: bigint };

interface ProduceMessage extends RecordInput {
  timestamp?: number | string | null;
}

interface PartitionData {
  partition: number;
  firstSequence?: number;
  messages: ProduceMessage[];
}

interface TopicData {
  topic: string;
  partitions: PartitionData[];
}

interface ProduceRequestInput {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  producerId?: Int64;
  producerEpoch?: number;
  compression?: number;
  topicData: TopicData[];
}

/** What kafkajs reads from an encoded request body (an Encoder's `buf`, `offset` and `buffer`). */
interface Encoded {
  buf: Buffer;
  offset: number;
  readonly buffer: Buffer;
  size(): number;
}

const MAGIC_BYTE = 2;
const TRANSACTIONAL_MASK = 16;
/** Attributes … FirstSequence, then the int32 record count. */
const BATCH_HEADER = 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4;
/** partition, record_set size, FirstOffset, Length, PartitionLeaderEpoch, Magic, CRC */
const PARTITION_PREFIX = 4 + 4 + 8 + 4 + 4 + 1 + 4;

const stringSize = (value: string | null | undefined) => 2 + (value == null ? 0 : Buffer.byteLength(value, 'utf8'));

function writeString(buf: Buffer, at: number, value: string | null | undefined): number {
  if (value == null) return buf.writeInt16BE(-1, at);
  const length = Buffer.byteLength(value, 'utf8');
  at = buf.writeInt16BE(length, at);
  return at + buf.write(value, at, length, 'utf8');
}

function writeInt64(buf: Buffer, at: number, value: Int64): number {
  const long = Long.fromValue(value);
  buf.writeInt32BE(long.getHighBits(), at);
  buf.writeInt32BE(long.getLowBits(), at + 4);
  return at + 8;
}

/** One partition's batch, measured (and, when compressed, its records already compressed). */
interface PartitionPlan {
  partition: number;
  firstSequence: number;
  firstTimestamp: number | string;
  maxTimestamp: number | string;
  records: RecordLayout[];
  compressed: Buffer | null;
  /** Records part of the batch body: the records' bytes, or the compressed bytes */
  recordBytes: number;
}

async function planPartition({ partition, firstSequence = 0, messages }: PartitionData, compression: number): Promise<PartitionPlan> {
  const dateNow = Date.now();
  // kafkajs' own choice, kept as is (including its default sort, which compares as strings)
  const messageTimestamps = messages
    .map((m) => m.timestamp)
    .filter((timestamp) => timestamp != null)
    .sort() as (number | string)[];
  const timestamps = messageTimestamps.length === 0 ? [dateNow] : messageTimestamps;
  const firstTimestamp = timestamps[0];
  const maxTimestamp = timestamps[timestamps.length - 1];
  const records: RecordLayout[] = new Array(messages.length);
  let recordBytes = 0;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    const layout = measureRecord({
      key: message.key, value: message.value, headers: message.headers, offsetDelta: i,
      timestampDelta: ((message.timestamp || dateNow) as number) - (firstTimestamp as number),
    });
    records[i] = layout;
    recordBytes += layout.size;
  }
  let compressed: Buffer | null = null;
  if (compression !== Types.None) {
    const raw = Buffer.allocUnsafe(recordBytes);
    let at = 0;
    for (const record of records) at = writeRecord(raw, at, record);
    compressed = await lookupCodec(compression).compress(encoded(raw, recordBytes));
    recordBytes = compressed!.length;
  }
  return { partition, firstSequence, firstTimestamp, maxTimestamp, records, compressed, recordBytes };
}

function encoded(buf: Buffer, offset: number): Encoded {
  return { buf, offset, get buffer() { return buf.subarray(0, offset); }, size: () => offset };
}

function writePartition(buf: Buffer, at: number, plan: PartitionPlan, attributes: number, producerId: Int64, producerEpoch: number): number {
  const batchBody = BATCH_HEADER + plan.recordBytes;
  at = buf.writeInt32BE(plan.partition, at);
  at = buf.writeInt32BE(8 + 4 + 4 + 1 + 4 + batchBody, at); // record_set size
  at = writeInt64(buf, at, 0); // FirstOffset
  at = buf.writeInt32BE(4 + 1 + 4 + batchBody, at); // Length
  at = buf.writeInt32BE(0, at); // PartitionLeaderEpoch
  at = buf.writeInt8(MAGIC_BYTE, at);
  const crcAt = at;
  at += 4;
  const bodyStart = at;
  at = buf.writeInt16BE(attributes, at);
  at = buf.writeInt32BE(plan.records.length - 1, at); // LastOffsetDelta
  at = writeInt64(buf, at, plan.firstTimestamp);
  at = writeInt64(buf, at, plan.maxTimestamp);
  at = writeInt64(buf, at, producerId);
  at = buf.writeInt16BE(producerEpoch, at);
  at = buf.writeInt32BE(plan.firstSequence, at);
  at = buf.writeInt32BE(plan.records.length, at);
  if (plan.compressed) {
    plan.compressed.copy(buf, at);
    at += plan.compressed.length;
  } else {
    for (const record of plan.records) at = writeRecord(buf, at, record);
  }
  buf.writeUInt32BE(crc32c(buf.subarray(bodyStart, at)), crcAt);
  return at;
}

function produceRequest({
  acks, timeout, transactionalId = null, producerId = Long.fromInt(-1), producerEpoch = 0, compression = Types.None, topicData,
}: ProduceRequestInput) {
  return {
    apiKey,
    apiVersion: 3,
    apiName: 'Produce',
    expectResponse: () => acks !== 0,
    encode: async (): Promise<Encoded> => {
      const attributes = (compression & COMPRESSION_CODEC_MASK) | (transactionalId ? TRANSACTIONAL_MASK : 0);
      const topics: { topic: string; plans: PartitionPlan[] }[] = [];
      let size = stringSize(transactionalId) + 2 + 4 + 4;
      for (const { topic, partitions } of topicData) {
        const plans: PartitionPlan[] = [];
        size += stringSize(topic) + 4;
        for (const data of partitions) {
          const plan = await planPartition(data, compression);
          plans.push(plan);
          size += PARTITION_PREFIX + BATCH_HEADER + plan.recordBytes;
        }
        topics.push({ topic, plans });
      }
      const buf = Buffer.allocUnsafe(size);
      let at = writeString(buf, 0, transactionalId);
      at = buf.writeInt16BE(acks, at);
      at = buf.writeInt32BE(timeout, at);
      at = buf.writeInt32BE(topics.length, at);
      for (const { topic, plans } of topics) {
        at = writeString(buf, at, topic);
        at = buf.writeInt32BE(plans.length, at);
        for (const plan of plans) at = writePartition(buf, at, plan, attributes, producerId, producerEpoch);
      }
      if (at !== size) throw new Error(`produce request encoder: wrote ${at} bytes, expected ${size}`);
      return encoded(buf, size);
    },
  };
}

export = produceRequest;
