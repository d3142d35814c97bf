import { fromRecordset } from '../bulk';
import { Queryable } from '../queryable';

/** An output event waiting to be published; `eventId` is its stable CloudEvents id. */
export interface OutboxMessage {
  eventId: string;
  topic: string;
  key: string;
  value: string;
}

export interface PendingOutboxMessage extends OutboxMessage {
  id: string;
}

/** The transactional outbox: rows written with the state they describe, deleted once published. */
export class OutboxRepository {
  async add(q: Queryable, messages: OutboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await q.query(
      `INSERT INTO outbox (event_id, topic, key, value) ${fromRecordset([['event_id', 'text'], ['topic', 'text'], ['key', 'text'], ['value', 'text']])}`,
      [JSON.stringify(messages.map((m) => ({ event_id: m.eventId, topic: m.topic, key: m.key, value: m.value })))],
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
