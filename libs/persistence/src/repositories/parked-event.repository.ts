import { Queryable } from '../queryable';

/** A valid message set aside because applying it kept failing for a reason of ours (not bad input). */
export interface ParkedEventRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer;
  source: string | null;
  eventId: string | null;
  errorCode: string | null;
  errorMessage: string;
  attempts: number;
}

export interface ParkedEvent extends ParkedEventRecord {
  id: string;
  parkedAt: Date;
  retriedAt: Date | null;
}

/**
 * Parked events, keyed by their coordinates in Kafka. Parking again (a retry that failed again, or a redelivery)
 * refreshes the error and waits again. Parked events are rare: one statement each.
 */
export class ParkedEventRepository {
  async park(q: Queryable, records: ParkedEventRecord[]): Promise<void> {
    for (const r of records) {
      await q.query(
        `INSERT INTO parked_event (topic, kafka_partition, kafka_offset, message_key, message_value, source, event_id, error_code, error_message, attempts)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (topic, kafka_partition, kafka_offset) DO UPDATE SET
           error_code = excluded.error_code, error_message = excluded.error_message, attempts = parked_event.attempts + excluded.attempts,
           parked_at = now(), retried_at = NULL`,
        [r.topic, r.partition, r.offset, r.key, r.value, r.source, r.eventId, r.errorCode, r.errorMessage, r.attempts],
      );
    }
  }

  /** Parked events not retried since they were parked (up to id `upTo`), oldest first. */
  async waiting(q: Queryable, limit = 1_000, upTo: string | null = null): Promise<ParkedEvent[]> {
    const rows: any[] = await q.query(
      `SELECT id::text, topic, kafka_partition, kafka_offset::text, message_key, message_value, source, event_id, error_code, error_message, attempts, parked_at, retried_at
         FROM parked_event WHERE retried_at IS NULL AND ($2::bigint IS NULL OR id <= $2::bigint) ORDER BY id LIMIT $1`,
      [limit, upTo],
    );
    return rows.map((r) => ({
      id: r.id, topic: r.topic, partition: r.kafka_partition, offset: r.kafka_offset, key: r.message_key, value: r.message_value, source: r.source,
      eventId: r.event_id, errorCode: r.error_code, errorMessage: r.error_message, attempts: r.attempts, parkedAt: r.parked_at, retriedAt: r.retried_at,
    }));
  }

  async lastId(q: Queryable): Promise<string | null> {
    const [{ id }]: { id: string | null }[] = await q.query(`SELECT max(id)::text AS id FROM parked_event`);
    return id;
  }

  async countWaiting(q: Queryable): Promise<number> {
    const [{ n }]: { n: number }[] = await q.query(`SELECT count(*)::int AS n FROM parked_event WHERE retried_at IS NULL`);
    return n;
  }

  async markRetried(q: Queryable, ids: string[]): Promise<void> {
    if (ids.length > 0) await q.query(`UPDATE parked_event SET retried_at = now() WHERE id = ANY($1::bigint[])`, [ids]);
  }
}
