import { isUtf8 } from 'node:buffer';
import { DlqCode, TOPICS, Topics } from '@engine/contracts';
import { isoTimestamp } from '@engine/domain';
import { DeadLetterCoordinates, StoredDeadLetter } from '@engine/persistence';

/** The DLQ codes (CONTRACT §2), for the `code` filters of the API and the CLI. */
export const DLQ_CODES: readonly string[] = Object.values(DlqCode);

/** A Kafka topic name: 1–249 of A–Z a–z 0–9 . _ - */
export const TOPIC_PATTERN = /^[A-Za-z0-9._-]{1,249}$/;

/** A position in the listing: the coordinates of the last letter of a page, `topic:partition:offset`. */
export const CURSOR_PATTERN = /^([A-Za-z0-9._-]{1,249}):(\d{1,10}):(\d{1,19})$/;

/** One dead letter as the API and the CLI show it. */
export interface DeadLetterView {
  topic: string;
  partition: number;
  offset: string;
  code: string;
  message: string;
  /** the key as text when it is valid UTF-8 (null without a key, or when it is not UTF-8: see keyBase64) */
  key: string | null;
  keyBase64: string | null;
  /** the original value as text when it is valid UTF-8, else null (valueBase64 has the bytes) */
  value: string | null;
  /** the original value's bytes; null only for letters recorded before the engine kept them */
  valueBase64: string | null;
  deadLetteredAt: string;
  replayedAt: string | null;
}

export function textOf(bytes: Buffer | null): string | null {
  return bytes !== null && isUtf8(bytes) ? bytes.toString('utf8') : null;
}

export function deadLetterView(letter: StoredDeadLetter): DeadLetterView {
  return {
    topic: letter.topic,
    partition: letter.partition,
    offset: letter.offset,
    code: letter.code,
    message: letter.reason,
    key: textOf(letter.key),
    keyBase64: letter.key === null ? null : letter.key.toString('base64'),
    value: textOf(letter.value),
    valueBase64: letter.value === null ? null : letter.value.toString('base64'),
    deadLetteredAt: isoTimestamp(letter.receivedAt.getTime()),
    replayedAt: letter.replayedAt === null ? null : isoTimestamp(letter.replayedAt.getTime()),
  };
}

export function cursorOf(letter: DeadLetterCoordinates): string {
  return `${letter.topic}:${letter.partition}:${letter.offset}`;
}

const MAX_PARTITION = 2 ** 31 - 1;
const MAX_OFFSET = 2n ** 63n - 1n;

/** Coordinates from their parts, or null when the partition or the offset is beyond Kafka's (int32, int64). */
export function coordinatesOf(topic: string, partition: string, offset: string): DeadLetterCoordinates | null {
  if (!/^\d{1,10}$/.test(partition) || !/^\d{1,19}$/.test(offset) || Number(partition) > MAX_PARTITION || BigInt(offset) > MAX_OFFSET) return null;
  return { topic, partition: Number(partition), offset: BigInt(offset).toString() };
}

/** The coordinates a cursor names, or null when it is not `topic:partition:offset`. */
export function parseCursor(text: string): DeadLetterCoordinates | null {
  const match = CURSOR_PATTERN.exec(text);
  return match ? coordinatesOf(match[1], match[2], match[3]) : null;
}

/** The instant of a `since` filter: none was recorded before 1970, so an earlier time means the same. */
export function sinceInstant(epochMs: number): Date {
  return new Date(Math.max(0, epochMs));
}

/**
 * The source topic a filter names: a contract name (`partner.referrals.v1`) stands for the engine's topic of that
 * name, with KAFKA_TOPIC_PREFIX; any other name is taken as it is (e.g. the prefixed name itself).
 */
export function sourceTopic(topics: Topics, name: string): string {
  const contractName = (Object.keys(TOPICS) as (keyof Topics)[]).find((k) => TOPICS[k] === name);
  return contractName ? topics[contractName] : name;
}
