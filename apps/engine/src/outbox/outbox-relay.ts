import { MessageProducer } from '@engine/messaging';
import { LOCKS, OutboxRepository } from '@engine/persistence';
import { DataSource } from 'typeorm';
import { EngineMetrics } from '../observability/engine-metrics';

/**
 * Publishes committed outbox rows in id order and deletes them once the broker acknowledged them.
 * A transaction-scoped advisory lock keeps one relay active across instances (per-key order is preserved);
 * a crash between publish and delete republishes the same rows with the same ids (at least once).
 */
export class OutboxRelay {
  private readonly outbox = new OutboxRepository();
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly producer: () => Promise<MessageProducer>,
    private readonly metrics: EngineMetrics,
    private readonly onError: (error: unknown) => void,
    private readonly batchSize = 2000,
  ) {}

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
      const published = await this.dataSource.transaction(async (manager) => {
        const [{ locked }] = await manager.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [LOCKS.outboxRelay]);
        if (!locked) return 0;
        const rows = await this.outbox.oldest(manager, this.batchSize);
        if (rows.length === 0) return 0;
        const byTopic = new Map<string, { key: string; value: string; headers: Record<string, string> }[]>();
        for (const row of rows) {
          const list = byTopic.get(row.topic) ?? [];
          list.push({ key: row.key, value: row.value, headers: { 'ce_id': row.eventId, 'content-type': 'application/cloudevents+json' } });
          byTopic.set(row.topic, list);
        }
        await (await this.producer()).sendMany([...byTopic].map(([topic, messages]) => ({ topic, messages })));
        await this.outbox.remove(manager, rows.map((r) => r.id));
        for (const [topic, messages] of byTopic) this.metrics.published.inc({ topic }, messages.length);
        return rows.length;
      });
      if (published < this.batchSize) return;
    }
  }

  async idle(): Promise<void> {
    while (this.running) await this.running;
  }
}
