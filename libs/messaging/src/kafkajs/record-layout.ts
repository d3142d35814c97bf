/**
 * The bytes of one record of a v2 record batch, sized before they are written, so that a caller can lay out
 * many records (a whole produce request) in one buffer of the exact size. Shared by the record encoder and the
 * produce request drop-ins; the bytes are kafkajs' own (tested byte for byte against it).
 *
 * Record => Length:varint Attributes:int8 TimestampDelta:varlong OffsetDelta:varint Key:varbytes Value:varbytes
 *           Headers:[HeaderKey:varstring HeaderValue:varbytes]
 */
export type Bytes = Buffer | string | null | undefined;

export interface RecordInput {
  offsetDelta?: number;
  timestampDelta?: number;
  key?: Bytes;
  value?: Bytes;
  headers?: Record<string, Bytes | Bytes[]>;
}

/** A record measured: everything the write needs, computed once. */
export interface RecordLayout {
  /** bytes of the whole record, its length prefix included */
  size: number;
  body: number;
  timestampDelta: number;
  offsetDelta: number;
  key: Bytes;
  value: Bytes;
  keyLength: number;
  valueLength: number;
  /** header names and values, flattened (name, value, name, value…), with their byte lengths */
  headers: Bytes[];
  headerLengths: number[];
}

const zigZag32 = (value: number) => ((value << 1) ^ (value >> 31)) >>> 0;

/** Zig-zag of a 64-bit value given as a safe integer (timestamp deltas). */
const zigZag64 = (value: number) => (value >= 0 ? value * 2 : -value * 2 - 1);

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

const lengthOf = (value: Bytes) => (value == null ? -1 : Buffer.isBuffer(value) ? value.length : Buffer.byteLength(String(value), 'utf8'));
const sizeOfBytes = (length: number) => (length < 0 ? 1 : sizeOfUnsigned(zigZag32(length)) + length);

function writeBytes(buf: Buffer, offset: number, value: Bytes, length: number): number {
  offset = writeUnsigned(buf, offset, zigZag32(length));
  if (value == null) return offset;
  if (Buffer.isBuffer(value)) value.copy(buf, offset);
  else buf.write(String(value), offset, length, 'utf8');
  return offset + length;
}

export function measureRecord({ offsetDelta = 0, timestampDelta = 0, key, value, headers = {} }: RecordInput): RecordLayout {
  const flat: Bytes[] = [];
  const headerLengths: number[] = [];
  for (const name in headers) {
    if (!Object.prototype.hasOwnProperty.call(headers, name)) continue;
    const entry = headers[name];
    if (Array.isArray(entry)) {
      for (const v of entry) flat.push(name, v);
    } else flat.push(name, entry);
  }
  let body = 1 + sizeOfUnsigned(zigZag64(Number(timestampDelta))) + sizeOfUnsigned(zigZag32(offsetDelta)) + sizeOfUnsigned(zigZag32(flat.length / 2));
  const keyLength = lengthOf(key);
  const valueLength = lengthOf(value);
  body += sizeOfBytes(keyLength) + sizeOfBytes(valueLength);
  for (let i = 0; i < flat.length; i++) {
    const length = i % 2 === 0 ? Buffer.byteLength(flat[i] as string, 'utf8') : lengthOf(flat[i]);
    headerLengths.push(length);
    body += sizeOfBytes(length);
  }
  return {
    size: sizeOfUnsigned(zigZag32(body)) + body, body, timestampDelta: Number(timestampDelta), offsetDelta, key, value, keyLength, valueLength,
    headers: flat, headerLengths,
  };
}

/** Writes a measured record at `offset`; returns the offset after it. */
export function writeRecord(buf: Buffer, offset: number, layout: RecordLayout): number {
  const start = offset;
  let at = writeUnsigned(buf, offset, zigZag32(layout.body));
  buf[at++] = 0; // attributes: none used
  at = writeUnsigned(buf, at, zigZag64(layout.timestampDelta));
  at = writeUnsigned(buf, at, zigZag32(layout.offsetDelta));
  at = writeBytes(buf, at, layout.key, layout.keyLength);
  at = writeBytes(buf, at, layout.value, layout.valueLength);
  at = writeUnsigned(buf, at, zigZag32(layout.headers.length / 2));
  for (let i = 0; i < layout.headers.length; i++) at = writeBytes(buf, at, layout.headers[i], layout.headerLengths[i]);
  if (at - start !== layout.size) throw new Error(`record encoder: wrote ${at - start} bytes, expected ${layout.size}`);
  return at;
}
