import { fromRecordset } from '../bulk';
import { Queryable } from '../queryable';

/** A message refused by the engine, named by its coordinates in Kafka. */
export interface DeadLetterRecord {
  topic: string;
  partition: number;
  offset: string;
  code: string;
  /** text PostgreSQL can hold (see storableText in @engine/contracts) */
  reason: string;
}

const COLUMNS = [['topic', 'text'], ['kafka_partition', 'int4'], ['kafka_offset', 'int8'], ['code', 'text'], ['reason', 'text']] as const;

export function coordinates(letter: { topic: string; partition: number; offset: string }): string {
  return `${letter.topic}\u0000${letter.partition}\u0000${letter.offset}`;
}

/**
 * The record of every message sent to the DLQ, keyed by its source coordinates. Written in the batch's
 * transaction, it makes a redelivered bad message (offsets not yet committed when a consumer restarts or the
 * group rebalances) a no-op instead of a second DLQ message.
 */
export class DeadLetterRepository {
  /** Records the letters; returns the coordinates of those not recorded before (the ones to send). */
  async recordNew(q: Queryable, letters: DeadLetterRecord[]): Promise<Set<string>> {
    if (letters.length === 0) return new Set();
    const rows: { topic: string; kafka_partition: number; kafka_offset: string }[] = await q.query(
      `INSERT INTO dead_letter (topic, kafka_partition, kafka_offset, code, reason) ${fromRecordset(COLUMNS)}
       ON CONFLICT DO NOTHING RETURNING topic, kafka_partition, kafka_offset::text`,
      [JSON.stringify(letters.map((l) => ({ topic: l.topic, kafka_partition: l.partition, kafka_offset: l.offset, code: l.code, reason: l.reason })))],
    );
    return new Set(rows.map((r) => coordinates({ topic: r.topic, partition: r.kafka_partition, offset: r.kafka_offset })));
  }
}
