import { jsonArray } from '../bulk';
import { Queryable } from '../queryable';

/** An output event to publish: `event` is the CloudEvent (JSON-serialisable), `eventId` its stable id. */
export interface OutboxMessage {
  eventId: string;
  topic: string;
  key: string;
  event: object;
}

/** An output event as it will be published: `value` is the exact JSON text of the CloudEvent. */
export interface EncodedOutboxMessage {
  eventId: string;
  topic: string;
  key: string;
  value: string;
}

/** The messages of one transaction, in order, under the id of their outbox row. */
export interface OutboxBatch {
  id: bigint;
  messages: EncodedOutboxMessage[];
}

/**
 * The transactional outbox: one row per writing transaction, holding its messages as one JSON array of
 * `[eventId, topic, key, event]` (the CloudEvent itself, written as the exact JSON text that is published; rows
 * written before this format hold it as a JSON string instead, and are read the same), committed with the state
 * they describe and deleted once published.
 * `onWritten` sees every batch as it is inserted, so a relay in the same process can publish it after the
 * COMMIT without reading it back; a batch whose transaction rolls back is never seen in the table.
 */
export class OutboxRepository {
  constructor(private readonly onWritten: (batch: OutboxBatch) => void = () => undefined) {}

  async add(q: Queryable, messages: OutboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const encoded = messages.map((m) => ({ eventId: m.eventId, topic: m.topic, key: m.key, value: JSON.stringify(m.event) }));
    // The event's JSON text goes into the array as it is: serialised once, not escaped a second time as a string.
    const row = jsonArray(encoded.map((m) => `[${JSON.stringify(m.eventId)},${JSON.stringify(m.topic)},${JSON.stringify(m.key)},${m.value}]`));
    const rows: { id: string }[] = await q.query('INSERT INTO outbox (message_count, messages) VALUES ($1, $2) RETURNING id::text', [encoded.length, row]);
    this.onWritten({ id: BigInt(rows[0].id), messages: encoded });
  }

  /** The oldest batches' ids and sizes (not their messages). */
  async pending(q: Queryable, limit: number): Promise<{ id: bigint; count: number }[]> {
    const rows: { id: string; message_count: number }[] = await q.query('SELECT id::text, message_count FROM outbox ORDER BY id LIMIT $1', [limit]);
    return rows.map((r) => ({ id: BigInt(r.id), count: r.message_count }));
  }

  async load(q: Queryable, ids: bigint[]): Promise<OutboxBatch[]> {
    if (ids.length === 0) return [];
    const rows: { id: string; messages: string }[] = await q.query('SELECT id::text, messages FROM outbox WHERE id = ANY($1::int8[]) ORDER BY id', [
      ids.map(String),
    ]);
    return rows.map((r) => ({
      id: BigInt(r.id),
      messages: (JSON.parse(r.messages) as [string, string, string, object | string][]).map(([eventId, topic, key, event]) => ({
        eventId, topic, key,
        // JSON.stringify of the parsed event gives back the text that was written (plain JSON data, same key order)
        value: typeof event === 'string' ? event : JSON.stringify(event),
      })),
    }));
  }

  async remove(q: Queryable, ids: bigint[]): Promise<void> {
    if (ids.length === 0) return;
    await q.query('DELETE FROM outbox WHERE id = ANY($1::int8[])', [ids.map(String)]);
  }

  /** Output events waiting to be published. */
  async backlog(q: Queryable): Promise<number> {
    const rows: { n: string }[] = await q.query('SELECT coalesce(sum(message_count), 0)::text AS n FROM outbox');
    return Number(rows[0].n);
  }
}
