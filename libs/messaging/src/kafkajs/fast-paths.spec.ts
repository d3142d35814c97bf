import fc from 'fast-check';
import { Partitioners } from 'kafkajs';
import groupMessagesPerPartition = require('./group-messages-per-partition');
import crc32c = require('./crc32c');
import decodeRecord = require('./record-decoder');
import encodeRecord = require('./record-encoder');
import produceRequest = require('./produce-request');
import { createMurmur2Partitioner, murmur2 } from './murmur2-partitioner';

// The originals, by their full paths (the jest resolver maps only the requests kafkajs itself makes).
/* eslint-disable @typescript-eslint/no-require-imports */
const originalRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js');
const originalGroup = require('kafkajs/src/producer/groupMessagesPerPartition.js');
const originalMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js');
const originalCrc32C = require('kafkajs/src/protocol/recordBatch/crc32C/index.js');
const originalDecodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/decoder.js');
const Decoder = require('kafkajs/src/protocol/decoder.js');
const originalProduceRequest = require('kafkajs/src/protocol/requests/produce/v3/request.js');
const Long = require('kafkajs/src/utils/long.js');
const Encoder = require('kafkajs/src/protocol/encoder.js');
const produceProtocol = require('kafkajs/src/protocol/requests/produce/index.js');
/* eslint-enable @typescript-eslint/no-require-imports */

const bytes = fc.oneof(
  fc.constant(null),
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
);
const record = fc.record({
  offsetDelta: fc.integer({ min: 0, max: 1_000_000 }),
  timestampDelta: fc.oneof(fc.constant(0), fc.integer({ min: -1e6, max: 1e6 }), fc.integer({ min: 0, max: 2 ** 45 })),
  key: bytes,
  value: fc.oneof(bytes, fc.string({ maxLength: 5000 })),
  headers: fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }), fc.oneof(bytes.filter((b) => b !== null), fc.array(fc.string({ maxLength: 30 }), { maxLength: 3 }))),
});

describe('kafkajs fast paths (drop-ins for kafkajs 2.2.4 internals)', () => {
  it('encodes every record byte for byte as kafkajs does', () => {
    fc.assert(
      fc.property(record, (input) => {
        expect(encodeRecord(input).buffer.equals(originalRecord(input).buffer)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('encodes a typical output event exactly like kafkajs (key, JSON value, content-type header)', () => {
    const input = { offsetDelta: 41, timestampDelta: 0, key: 'P-1', value: JSON.stringify({ id: 'é', n: 1 }), headers: { 'content-type': 'application/cloudevents+json' } };
    expect(encodeRecord(input).buffer.toString('hex')).toBe(originalRecord(input).buffer.toString('hex'));
  });

  it('decodes every record into exactly what kafkajs gives (offsets, timestamps, key, value, repeated headers)', () => {
    const decimal = (max: bigint) => fc.bigInt({ min: 0n, max }).map(String);
    const context = fc.record({
      firstOffset: fc.oneof(decimal(10n ** 6n), decimal(2n ** 62n)),
      firstTimestamp: fc.oneof(fc.constant('-1'), decimal(2n ** 41n), decimal(2n ** 62n)),
      maxTimestamp: decimal(2n ** 41n),
      timestampType: fc.constantFrom(0, 1, -1),
      isControlBatch: fc.boolean(),
      magicByte: fc.constant(2),
    });
    const headerName = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('toString', 'constructor', 'a'));
    const withHeaders = record.chain((r) =>
      fc.dictionary(headerName, fc.oneof(fc.string({ maxLength: 20 }), fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }))).map((headers) => ({ ...r, headers })),
    );
    fc.assert(
      fc.property(withHeaders, context, (input, ctx) => {
        const body = () => new Decoder(new Decoder(encodeRecord(input).buffer).readVarIntBytes());
        expect(decodeRecord(body(), ctx)).toEqual(originalDecodeRecord(body(), ctx));
      }),
      { numRuns: 2000 },
    );
  });

  it('checksums exactly as kafkajs does (CRC-32C), whatever the length and alignment', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(7), (bytes, skip) => {
        const buffer = Buffer.from(bytes).subarray(Math.min(skip, bytes.length));
        expect(crc32c(buffer)).toBe(originalCrc32C(buffer));
      }),
      { numRuns: 2000 },
    );
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283); // the CRC-32C check value
    expect(crc32c(Buffer.alloc(0))).toBe(0);
  });

  it('groups messages per partition exactly as kafkajs does, in order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 400 }), (partitions) => {
        const messages = partitions.map((partition, i) => ({ partition, value: String(i) }));
        const args = { topic: 't', partitionMetadata: [{}], messages, partitioner: ({ message }: { message: { partition: number } }) => message.partition };
        expect(groupMessagesPerPartition(args)).toEqual(originalGroup(args));
      }),
    );
    expect(groupMessagesPerPartition({ topic: 't', partitionMetadata: [], messages: [1], partitioner: () => 0 })).toEqual({});
  });

  it('hashes keys with Kafka murmur2 exactly as kafkajs does', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 64 }), fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a))), (key) => {
        expect(murmur2(key)).toBe(originalMurmur2(key));
      }),
      { numRuns: 5000 },
    );
    // Known values of the Java client (org.apache.kafka.common.utils.Utils#murmur2), as in kafkajs' own tests.
    expect(murmur2('21')).toBe(-973932308);
    expect(murmur2('foobar')).toBe(-790332482);
  });

  it('puts keyed and explicitly partitioned messages on the partitions kafkajs DefaultPartitioner chooses', () => {
    const partitionMetadata = Array.from({ length: 6 }, (_, partitionId) => ({ partitionId, leader: 1 }));
    const ours = createMurmur2Partitioner()();
    const theirs = Partitioners.DefaultPartitioner();
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.option(fc.integer({ min: 0, max: 5 })), (key, partition) => {
        const message = { key, partition };
        expect(ours({ topic: 't', partitionMetadata, message })).toBe(theirs({ topic: 't', partitionMetadata, message } as never));
      }),
    );
    const spread = new Set(Array.from({ length: 60 }, () => ours({ topic: 't', partitionMetadata, message: { key: null } })));
    expect(spread.size).toBe(6); // no key: round robin over the available partitions
  });

  describe('produce request (v3 body, shared by v4–v7)', () => {
    const message = record.chain(({ key, value, headers }) =>
      fc.record({ timestamp: fc.option(fc.oneof(fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }), fc.constant('1764201600000')), { nil: undefined }) })
        .map(({ timestamp }) => ({ key, value, headers, ...(timestamp === undefined ? {} : { timestamp }) })),
    );
    const partitionData = fc.record({ partition: fc.nat(11), firstSequence: fc.option(fc.nat(1_000_000), { nil: undefined }), messages: fc.array(message, { minLength: 1, maxLength: 12 }) });
    const request = (compression: fc.Arbitrary<number>) =>
      fc.record({
        acks: fc.constantFrom(-1, 0, 1),
        timeout: fc.nat(60_000),
        transactionalId: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
        producerId: fc.option(fc.oneof(fc.integer({ min: -1, max: 2 ** 31 }).map((n) => Long.fromNumber(n)), fc.constant(Long.fromString('9007199254740993'))), { nil: undefined }),
        producerEpoch: fc.option(fc.nat(32_000), { nil: undefined }),
        compression,
        topicData: fc.array(fc.record({ topic: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }), partitions: fc.array(partitionData, { minLength: 1, maxLength: 4 }) }), { minLength: 1, maxLength: 3 }),
      });
    const bytesOf = async (factory: (input: never) => { encode: () => Promise<{ buffer: Buffer }> }, input: unknown) => (await factory(input as never).encode()).buffer;

    beforeEach(() => jest.spyOn(Date, 'now').mockReturnValue(1_764_201_600_123)); // both encoders stamp untimed batches with Date.now()
    afterEach(() => jest.restoreAllMocks());

    it('encodes every produce request byte for byte as kafkajs does (records, timestamps, transactions, producer ids)', async () => {
      await fc.assert(
        fc.asyncProperty(request(fc.constant(0)), async (input) => {
          expect((await bytesOf(produceRequest, input)).equals(await bytesOf(originalProduceRequest, input))).toBe(true);
        }),
        { numRuns: 500 },
      );
    });

    it('encodes compressed batches (GZIP) byte for byte as kafkajs does', async () => {
      await fc.assert(
        fc.asyncProperty(request(fc.constant(1)), async (input) => {
          expect((await bytesOf(produceRequest, input)).equals(await bytesOf(originalProduceRequest, input))).toBe(true);
        }),
        { numRuns: 100 },
      );
    });

    it('is what kafkajs itself encodes produce requests with, v3 to v7 (the resolver maps it inside kafkajs)', async () => {
      for (const version of [3, 4, 5, 6, 7]) {
        const { request } = produceProtocol.protocol({ version })({ acks: -1, timeout: 1000, topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ key: 'k', value: 'v' }] }] }] });
        expect(request.apiVersion).toBe(version);
        const encoded = await request.encode();
        expect(encoded).not.toBeInstanceOf(Encoder); // kafkajs' own encoder returns an Encoder
        expect(encoded.buffer.equals(await bytesOf(originalProduceRequest, { acks: -1, timeout: 1000, topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ key: 'k', value: 'v' }] }] }] }))).toBe(true);
      }
    });

    it('describes the same request as kafkajs (api key, version, acks decide whether a response is awaited)', () => {
      for (const acks of [-1, 0, 1]) {
        const input = { acks, timeout: 30_000, topicData: [] };
        const [ours, theirs] = [produceRequest(input as never), originalProduceRequest(input)];
        expect([ours.apiKey, ours.apiVersion, ours.apiName, ours.expectResponse()]).toEqual([theirs.apiKey, theirs.apiVersion, theirs.apiName, theirs.expectResponse()]);
      }
    });
  });
});
