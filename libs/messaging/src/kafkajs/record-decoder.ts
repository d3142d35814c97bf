/**
 * Drop-in for kafkajs/src/protocol/recordBatch/record/v0/decoder (one record of a fetched v2 record batch): the
 * same object, read straight from the buffer. kafkajs computes every record's offset and timestamp with Long
 * objects (`Long.fromValue(first).add(delta).toString()`) and reads the timestamp delta as a Long: several
 * objects and a slow decimal conversion per consumed message.
 */
interface Decoder {
  buffer: Buffer;
  offset: number;
}

interface RecordContext {
  firstOffset?: string;
  firstTimestamp?: string;
  maxTimestamp?: string;
  magicByte?: number;
  isControlBatch?: boolean;
  timestampType?: number;
}

const LOG_APPEND_TIME = 1;

/** kafkajs' readVarInt, same arithmetic (32-bit zig-zag). */
function readVarInt(d: Decoder): number {
  let byte: number;
  let result = 0;
  let shift = 0;
  do {
    byte = d.buffer[d.offset++];
    result += (byte & 0x7f) << shift;
    shift += 7;
  } while (byte >= 0x80);
  return (result >>> 1) ^ -(result & 1);
}

/** A zig-zag varlong as a bigint when it does not fit a double exactly, else as a number. */
function readVarLong(d: Decoder): number | bigint {
  let byte: number;
  let result = 0;
  let shift = 0;
  const start = d.offset;
  do {
    if (shift > 63) throw new Error('Invalid Long, must contain 9 bytes or less');
    byte = d.buffer[d.offset++];
    result += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte >= 0x80);
  if (shift <= 49) return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
  let wide = 0n;
  for (let i = start, s = 0n; i < d.offset; i++, s += 7n) wide += BigInt(d.buffer[i] & 0x7f) << s;
  wide = BigInt.asUintN(64, wide);
  return BigInt.asIntN(64, (wide >> 1n) ^ -(wide & 1n));
}

function readBytes(d: Decoder): Buffer | null {
  const length = readVarInt(d);
  if (length === -1) return null;
  const bytes = d.buffer.slice(d.offset, d.offset + length);
  d.offset += length;
  return bytes;
}

/** `base + delta` in decimal, as kafkajs' Long arithmetic gives it (64-bit wrap-around included). */
function add(base: string, delta: number | bigint): string {
  if (typeof delta === 'number' && base.length < 16) {
    const sum = Number(base) + delta;
    if (Number.isSafeInteger(sum)) return String(sum);
  }
  return BigInt.asIntN(64, BigInt(base) + BigInt(delta)).toString();
}

type Headers = Record<string, Buffer | null | (Buffer | null)[]>;

function decodeRecord(decoder: Decoder, batchContext: RecordContext = {}) {
  const { firstOffset, firstTimestamp, magicByte, isControlBatch = false, timestampType, maxTimestamp } = batchContext;
  const attributes = decoder.buffer.readInt8(decoder.offset++);
  const timestampDelta = readVarLong(decoder);
  const timestamp = timestampType === LOG_APPEND_TIME && maxTimestamp ? maxTimestamp : add(String(firstTimestamp), timestampDelta);
  const offset = add(String(firstOffset), readVarInt(decoder));
  const key = readBytes(decoder);
  const value = readBytes(decoder);
  const headers: Headers = {};
  const count = readVarInt(decoder);
  for (let i = 0; i < count; i++) {
    const name = String(readBytes(decoder)?.toString('utf8') ?? null);
    const headerValue = readBytes(decoder);
    // as kafkajs: a plain lookup (an inherited name such as "toString" counts as present) and an own property
    const previous = (headers as Record<string, unknown>)[name] as Buffer | null | (Buffer | null)[] | undefined;
    const next = previous === undefined ? headerValue : Array.isArray(previous) ? previous.concat([headerValue]) : [previous, headerValue];
    Object.defineProperty(headers, name, { value: next, enumerable: true, writable: true, configurable: true });
  }
  return { magicByte, attributes, timestamp, offset, key, value, headers, isControlRecord: isControlBatch, batchContext };
}

export = decodeRecord;
