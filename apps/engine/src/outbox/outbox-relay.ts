import { MessageProducer } from '@engine/messaging';
import { EncodedOutboxMessage, LOCKS, OutboxBatch, OutboxRepository } from '@engine/persistence';
import { DataSource } from 'typeorm';
import { EngineMetrics } from '../observability/engine-metrics';

/**
 * Publishes committed outbox batches in id order and deletes them once the broker acknowledged them.
 * A transaction-scoped advisory lock keeps one relay active across instances (per-key order is preserved);
 * a crash between publish and delete republishes the same messages with the same ids (at least once).
 *
 * The table is the truth: the relay publishes exactly the batches it finds there. The batches this process wrote
 * are also kept in memory (`remember`, called as they are inserted), so the usual case needs no read-back: only
 * the ids are selected. Batches of other instances, of a crashed run, or beyond the memory cap are read.
 */
/** Outbox rows (batches) looked at per drain step: ids and sizes only. */
const PENDING_PAGE = 64;

export class OutboxRelay {
  private readonly outbox = new OutboxRepository();
  private readonly written = new Map<bigint, EncodedOutboxMessage[]>();
  private writtenMessages = 0;
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly producer: () => Promise<MessageProducer>,
    private readonly metrics: EngineMetrics,
    private readonly onError: (error: unknown) => void,
    private readonly batchSize = 5_000,
    private readonly memoryCap = 50_000,
  ) {}

  /** Keeps a batch being inserted by this process, to publish it without reading it back once committed. */
  remember(batch: OutboxBatch): void {
    if (this.writtenMessages + batch.messages.length > this.memoryCap) return; // it will be read from the table
    this.written.set(batch.id, batch.messages);
    this.writtenMessages += batch.messages.length;
  }

  /** Starts a drain now, or right after the one in progress. */
  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch(this.onError)
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Publishes until the outbox is empty (or another instance holds the relay lock). */
  async drain(): Promise<void> {
    for (;;) {
      const { published, more } = await this.dataSource.transaction(async (manager) => {
        const [{ locked }] = await manager.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [LOCKS.outboxRelay]);
        if (!locked) {
          this.forget(() => true); // the instance holding the lock publishes them (from the table)
          return { published: 0, more: false };
        }
        const pending = await this.outbox.pending(manager, PENDING_PAGE);
        if (pending.length === 0) return { published: 0, more: false };
        // Batches whose ids are below the oldest pending one were published elsewhere, or rolled back.
        this.forget((id) => id < pending[0].id);
        const chosen = [pending[0]];
        let size = pending[0].count;
        for (const next of pending.slice(1)) {
          if (size + next.count > this.batchSize) break;
          chosen.push(next);
          size += next.count;
        }
        const read = new Map((await this.outbox.load(manager, chosen.filter((c) => !this.written.has(c.id)).map((c) => c.id))).map((b) => [b.id, b.messages]));
        const byTopic = new Map<string, { key: string; value: string; headers: Record<string, string> }[]>();
        for (const { id } of chosen) {
          for (const message of this.written.get(id) ?? read.get(id) ?? []) {
            const list = byTopic.get(message.topic) ?? [];
            list.push({ key: message.key, value: message.value, headers: { 'content-type': 'application/cloudevents+json' } });
            byTopic.set(message.topic, list);
          }
        }
        await (await this.producer()).sendMany([...byTopic].map(([topic, messages]) => ({ topic, messages })));
        await this.outbox.remove(manager, chosen.map((c) => c.id));
        const removed = new Set(chosen.map((c) => c.id));
        this.forget((id) => removed.has(id));
        for (const [topic, messages] of byTopic) this.metrics.published.inc({ topic }, messages.length);
        return { published: size, more: chosen.length < pending.length || pending.length === PENDING_PAGE };
      });
      if (!more || published === 0) return;
    }
  }

  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private forget(which: (id: bigint) => boolean): void {
    for (const [id, messages] of this.written) {
      if (!which(id)) continue;
      this.written.delete(id);
      this.writtenMessages -= messages.length;
    }
  }
}
