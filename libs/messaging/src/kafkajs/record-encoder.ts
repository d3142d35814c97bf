/**
 * Drop-in for kafkajs/src/protocol/recordBatch/record/v0 (one record of a v2 record batch): the same bytes,
 * written into one buffer of the exact size. kafkajs builds a growing 512-byte Encoder per record and header
 * and allocates an array per varint; this was the largest allocation site of the engine after the grouping.
 *
 * Record => Length:varint Attributes:int8 TimestampDelta:varlong OffsetDelta:varint Key:varbytes Value:varbytes
 *           Headers:[HeaderKey:varstring HeaderValue:varbytes]
 */
type Bytes = Buffer | string | null | undefined;

interface RecordInput {
  offsetDelta?: number;
  timestampDelta?: number;
  key?: Bytes;
  value?: Bytes;
  headers?: Record<string, Bytes | Bytes[]>;
}

/** What kafkajs' batch encoder reads from a record (an Encoder's `buf` and `buffer`). */
interface EncodedRecord {
  buf: Buffer;
  offset: number;
  readonly buffer: Buffer;
}

const zigZag32 = (value: number) => ((value << 1) ^ (value >> 31)) >>> 0;

function sizeOfUnsigned(value: number): number {
  let bytes = 1;
  while (value >= 0x80) {
    bytes++;
    value = Math.floor(value / 128);
  }
  return bytes;
}

function writeUnsigned(buf: Buffer, offset: number, value: number): number {
  while (value >= 0x80) {
    buf[offset++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  buf[offset++] = value;
  return offset;
}

/** Zig-zag of a 64-bit value given as a safe integer (timestamp deltas). */
const zigZag64 = (value: number) => (value >= 0 ? value * 2 : -value * 2 - 1);

const lengthOf = (value: Bytes) => (value == null ? -1 : Buffer.isBuffer(value) ? value.length : Buffer.byteLength(String(value), 'utf8'));
const sizeOfBytes = (length: number) => (length < 0 ? 1 : sizeOfUnsigned(zigZag32(length)) + length);

function writeBytes(buf: Buffer, offset: number, value: Bytes, length: number): number {
  offset = writeUnsigned(buf, offset, zigZag32(length));
  if (value == null) return offset;
  if (Buffer.isBuffer(value)) value.copy(buf, offset);
  else buf.write(String(value), offset, length, 'utf8');
  return offset + length;
}

function encodeRecord({ offsetDelta = 0, timestampDelta = 0, key, value, headers = {} }: RecordInput): EncodedRecord {
  const pairs: [string, Bytes][] = [];
  for (const name of Object.keys(headers)) {
    const entry = headers[name];
    if (Array.isArray(entry)) for (const v of entry) pairs.push([name, v]);
    else pairs.push([name, entry]);
  }
  const keyLength = lengthOf(key);
  const valueLength = lengthOf(value);
  const headerLengths = pairs.map(([name, v]) => [Buffer.byteLength(name, 'utf8'), lengthOf(v)] as const);
  let body =
    1 + sizeOfUnsigned(zigZag64(Number(timestampDelta))) + sizeOfUnsigned(zigZag32(offsetDelta)) + sizeOfBytes(keyLength) + sizeOfBytes(valueLength) +
    sizeOfUnsigned(zigZag32(pairs.length));
  for (const [nameLength, valueLen] of headerLengths) body += sizeOfBytes(nameLength) + sizeOfBytes(valueLen);

  const size = sizeOfUnsigned(zigZag32(body)) + body;
  const buf = Buffer.allocUnsafe(size);
  let at = writeUnsigned(buf, 0, zigZag32(body));
  buf[at++] = 0; // attributes: none used
  at = writeUnsigned(buf, at, zigZag64(Number(timestampDelta)));
  at = writeUnsigned(buf, at, zigZag32(offsetDelta));
  at = writeBytes(buf, at, key, keyLength);
  at = writeBytes(buf, at, value, valueLength);
  at = writeUnsigned(buf, at, zigZag32(pairs.length));
  pairs.forEach(([name, v], i) => {
    at = writeBytes(buf, at, name, headerLengths[i][0]);
    at = writeBytes(buf, at, v, headerLengths[i][1]);
  });
  if (at !== size) throw new Error(`record encoder: wrote ${at} bytes, expected ${size}`);
  return { buf, offset: size, buffer: buf };
}

export = encodeRecord;
