import { MessageProducer } from '@engine/messaging';
import { ParkedEvent, ParkedEventRepository, Queryable } from '@engine/persistence';

/**
 * The operator's side of parking: list the parked messages, and retry them once the fault is fixed. A retry
 * republishes each message's original bytes to its source topic, where the engine applies it like any message (a
 * duplicate of something applied meanwhile is dropped; one that fails again is parked again).
 */
export class ParkedEvents {
  private readonly repository = new ParkedEventRepository();

  constructor(private readonly db: Queryable, private readonly producer: () => Promise<MessageProducer>) {}

  list(limit = 1_000): Promise<ParkedEvent[]> {
    return this.repository.waiting(this.db, limit);
  }

  /**
   * Republishes every message parked before this call (in parking order, per topic); returns how many. Those parked
   * again meanwhile (the fault is still there) wait for the next retry.
   */
  async retry(): Promise<number> {
    const upTo = await this.repository.lastId(this.db);
    let total = 0;
    for (;;) {
      const parked = await this.repository.waiting(this.db, 500, upTo);
      if (parked.length === 0) return total;
      const producer = await this.producer();
      for (const topic of new Set(parked.map((p) => p.topic))) {
        await producer.send(topic, parked.filter((p) => p.topic === topic).map((p) => ({ key: p.key === null ? null : p.key.toString('utf8'), value: p.value })));
      }
      await this.repository.markRetried(this.db, parked.map((p) => p.id));
      total += parked.length;
    }
  }
}
