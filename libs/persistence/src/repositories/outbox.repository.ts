import { Queryable } from '../queryable';

/** An output event to publish: `event` is the CloudEvent (JSON-serialisable), `eventId` its stable id. */
export interface OutboxMessage {
  eventId: string;
  topic: string;
  key: string;
  event: object;
}

/** A stored outbox row: the CloudEvent as the exact JSON text that will be published. */
export interface PendingOutboxMessage {
  id: string;
  eventId: string;
  topic: string;
  key: string;
  value: string;
}

/** The transactional outbox: rows written with the state they describe, deleted once published. */
export class OutboxRepository {
  async add(q: Queryable, messages: OutboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await q.query(
      // The events travel as JSON inside the one recordset parameter (serialised once, not as escaped strings);
      // json keeps its input text, so `value` stores exactly what JSON.stringify produced.
      `INSERT INTO outbox (event_id, topic, key, value)
       SELECT event_id, topic, key, value::text FROM json_to_recordset($1::json) AS r(event_id text, topic text, key text, value json)`,
      [JSON.stringify(messages.map((m) => ({ event_id: m.eventId, topic: m.topic, key: m.key, value: m.event })))],
    );
  }

  async oldest(q: Queryable, limit: number): Promise<PendingOutboxMessage[]> {
    const rows: any[] = await q.query('SELECT id::text, event_id, topic, key, value FROM outbox ORDER BY id LIMIT $1', [limit]);
    return rows.map((r) => ({ id: r.id, eventId: r.event_id, topic: r.topic, key: r.key, value: r.value }));
  }

  async remove(q: Queryable, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await q.query('DELETE FROM outbox WHERE id = ANY($1::int8[])', [ids]);
  }

  async backlog(q: Queryable): Promise<number> {
    const rows: { n: string }[] = await q.query('SELECT count(*)::text AS n FROM outbox');
    return Number(rows[0].n);
  }
}
