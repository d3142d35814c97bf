import { Queryable } from '../queryable';

/** A message refused by the engine, named by its coordinates in Kafka, with its original bytes. */
export interface DeadLetterRecord {
  topic: string;
  partition: number;
  offset: string;
  code: string;
  /** text PostgreSQL can hold (see storableText in @engine/contracts) */
  reason: string;
  key: Buffer | null;
  /** the bytes sent to the DLQ topic (a message without a value: empty) */
  value: Buffer;
}

/** A recorded dead letter. `key` and `value` are null for letters recorded before the bytes were kept. */
export interface StoredDeadLetter {
  topic: string;
  partition: number;
  offset: string;
  code: string;
  reason: string;
  key: Buffer | null;
  value: Buffer | null;
  receivedAt: Date;
  replayedAt: Date | null;
}

export interface DeadLetterCoordinates {
  topic: string;
  partition: number;
  offset: string;
}

export interface DeadLetterFilter {
  topic?: string | null;
  code?: string | null;
  /** recorded at or after this instant */
  since?: Date | null;
  /** only those never replayed */
  notReplayed?: boolean;
  /** after these coordinates, in (topic, partition, offset) order */
  after?: DeadLetterCoordinates | null;
}

export function coordinates(letter: DeadLetterCoordinates): string {
  return `${letter.topic}\u0000${letter.partition}\u0000${letter.offset}`;
}

const SELECTED = `topic, kafka_partition, kafka_offset::text, code, reason, message_key, message_value, received_at, replayed_at`;

function stored(r: any): StoredDeadLetter {
  return {
    topic: r.topic, partition: r.kafka_partition, offset: r.kafka_offset, code: r.code, reason: r.reason, key: r.message_key, value: r.message_value,
    receivedAt: r.received_at, replayedAt: r.replayed_at,
  };
}

/**
 * The record of every message sent to the DLQ, keyed by its source coordinates, with its original bytes. Written in
 * the batch's transaction, it makes a redelivered bad message (offsets not yet committed when a consumer restarts or
 * the group rebalances) a no-op instead of a second DLQ message. Read by GET /v1/dead-letters and `npm run dlq`.
 */
export class DeadLetterRepository {
  /** Records the letters; returns the coordinates of those not recorded before (the ones to send). */
  async recordNew(q: Queryable, letters: DeadLetterRecord[]): Promise<Set<string>> {
    if (letters.length === 0) return new Set();
    // bytes travel as base64 inside the one JSON parameter (see bulk.ts), decoded by PostgreSQL
    const rows: { topic: string; kafka_partition: number; kafka_offset: string }[] = await q.query(
      `INSERT INTO dead_letter (topic, kafka_partition, kafka_offset, code, reason, message_key, message_value)
       SELECT topic, kafka_partition, kafka_offset, code, reason, decode(message_key, 'base64'), decode(message_value, 'base64')
         FROM json_to_recordset($1::json) AS r(topic text, kafka_partition int4, kafka_offset int8, code text, reason text, message_key text, message_value text)
       ON CONFLICT DO NOTHING RETURNING topic, kafka_partition, kafka_offset::text`,
      [
        JSON.stringify(
          letters.map((l) => ({
            topic: l.topic, kafka_partition: l.partition, kafka_offset: l.offset, code: l.code, reason: l.reason,
            message_key: l.key === null ? null : l.key.toString('base64'), message_value: l.value.toString('base64'),
          })),
        ),
      ],
    );
    return new Set(rows.map((r) => coordinates({ topic: r.topic, partition: r.kafka_partition, offset: r.kafka_offset })));
  }

  /** Dead letters matching the filter, in (topic, partition, offset) order, at most `limit`. */
  async list(q: Queryable, filter: DeadLetterFilter, limit: number, forUpdate = false): Promise<StoredDeadLetter[]> {
    const after = filter.after ?? null;
    const rows: any[] = await q.query(
      `SELECT ${SELECTED} FROM dead_letter
        WHERE ($1::text IS NULL OR topic = $1) AND ($2::text IS NULL OR code = $2) AND ($3::timestamptz IS NULL OR received_at >= $3)
          AND (NOT $4::boolean OR replayed_at IS NULL)
          AND ($5::text IS NULL OR (topic, kafka_partition, kafka_offset) > ($5::text, $6::int4, $7::int8))
        ORDER BY topic, kafka_partition, kafka_offset LIMIT $8${forUpdate ? ' FOR UPDATE' : ''}`,
      [filter.topic ?? null, filter.code ?? null, filter.since ?? null, filter.notReplayed === true, after?.topic ?? null, after?.partition ?? null, after?.offset ?? null, limit],
    );
    return rows.map(stored);
  }

  /** The letters at these coordinates (those recorded; in coordinate order), locked when asked. */
  async at(q: Queryable, wanted: readonly DeadLetterCoordinates[], forUpdate = false): Promise<StoredDeadLetter[]> {
    if (wanted.length === 0) return [];
    const rows: any[] = await q.query(
      `SELECT ${SELECTED} FROM dead_letter
        WHERE (topic, kafka_partition, kafka_offset) IN (SELECT * FROM json_to_recordset($1::json) AS w(topic text, kafka_partition int4, kafka_offset int8))
        ORDER BY topic, kafka_partition, kafka_offset${forUpdate ? ' FOR UPDATE' : ''}`,
      [JSON.stringify(wanted.map((w) => ({ topic: w.topic, kafka_partition: w.partition, kafka_offset: w.offset })))],
    );
    return rows.map(stored);
  }

  /** Sets `replayed_at` (the only column that ever changes: dead_letter_guard). */
  async markReplayed(q: Queryable, letters: readonly DeadLetterCoordinates[]): Promise<void> {
    if (letters.length === 0) return;
    await q.query(
      `UPDATE dead_letter d SET replayed_at = now()
         FROM json_to_recordset($1::json) AS w(topic text, kafka_partition int4, kafka_offset int8)
        WHERE (d.topic, d.kafka_partition, d.kafka_offset) = (w.topic, w.kafka_partition, w.kafka_offset)`,
      [JSON.stringify(letters.map((w) => ({ topic: w.topic, kafka_partition: w.partition, kafka_offset: w.offset })))],
    );
  }
}
