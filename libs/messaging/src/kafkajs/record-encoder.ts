/**
 * Drop-in for kafkajs/src/protocol/recordBatch/record/v0 (one record of a v2 record batch): the same bytes,
 * written into one buffer of the exact size. kafkajs builds a growing 512-byte Encoder per record and header
 * and allocates an array per varint; this was the largest allocation site of the engine after the grouping.
 * (The produce request drop-in writes records straight into the request instead; see record-layout.ts.)
 */
import { measureRecord, RecordInput, writeRecord } from './record-layout';

/** What kafkajs' batch encoder reads from a record (an Encoder's `buf` and `buffer`). */
interface EncodedRecord {
  buf: Buffer;
  offset: number;
  readonly buffer: Buffer;
}

function encodeRecord(input: RecordInput): EncodedRecord {
  const layout = measureRecord(input);
  const buf = Buffer.allocUnsafe(layout.size);
  writeRecord(buf, 0, layout);
  return { buf, offset: layout.size, buffer: buf };
}

export = encodeRecord;
