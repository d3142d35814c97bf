import { Topics } from '@engine/contracts';
import { Anomaly, decidePayout, payoutReturnSlot, planPayoutReturn } from '@engine/domain';
import { AnomalyRepository, LedgerEntry, LedgerRepository, NewLedgerEntry, OutboxMessage, PayoutOrderRepository, PayoutStatusChange, Queryable } from '@engine/persistence';
import { accruedMessage, payoutStatusMessage } from '../ingest/output-events';

/**
 * Brings payout orders to what their outcomes say (CONTRACT §10), inside the caller's transaction (which holds the
 * rule-state lock): the status (the earliest outcome wins), a new status event per change (an order never announced
 * first announces PENDING), the return of a failed payout in the ledger, and the contradicting outcomes as anomalies.
 * Used where orders are created (a period close), where outcomes arrive (ingest) and where finance records one (API).
 * Returns the messages for the caller's outbox batch.
 */
export class PayoutSettlement {
  private readonly orders = new PayoutOrderRepository();
  private readonly ledger = new LedgerRepository();
  private readonly anomalies = new AnomalyRepository();

  constructor(private readonly topics: Topics) {}

  async settle(q: Queryable, payoutIds: readonly string[], now: number): Promise<OutboxMessage[]> {
    const orders = await this.orders.load(q, [...new Set(payoutIds)]);
    if (orders.length === 0) return []; // outcomes of orders not created yet wait for them
    const outcomes = await this.orders.outcomes(q, orders.map((o) => o.payoutId));
    const posted = await this.orders.postedReturns(q, orders.map((o) => payoutReturnSlot(o.payoutId)));

    const updates: Parameters<PayoutOrderRepository['update']>[1][number][] = [];
    const changes: { order: (typeof orders)[number]; change: PayoutStatusChange }[] = [];
    const entries: NewLedgerEntry[] = [];
    const anomalies: Anomaly[] = [];
    for (const order of orders) {
      const decision = decidePayout(order, outcomes.get(order.payoutId) ?? []);
      anomalies.push(...decision.anomalies);
      let { sequence } = order;
      let previous = sequence === 0 ? null : order.status;
      const announce = (status: typeof order.status, reason: string | null) => {
        sequence += 1;
        changes.push({ order, change: { payoutId: order.payoutId, sequence, status, previousStatus: previous, reason, changedAt: now } });
        previous = status;
      };
      if (order.sequence === 0) announce('PENDING', null);
      if (decision.status !== previous) announce(decision.status, decision.outcome?.reason ?? null);
      const outcomeMoved = decision.outcome?.id !== order.outcome?.id || decision.outcome?.source !== order.outcome?.source;
      if (sequence !== order.sequence || outcomeMoved) updates.push({ payoutId: order.payoutId, status: decision.status, sequence, outcome: decision.outcome });
      for (const entry of planPayoutReturn(order, decision, posted.get(payoutReturnSlot(order.payoutId)) ?? [])) {
        entries.push({ ...entry, referralId: null, customerId: null, programId: null, programVersion: null, releaseAt: entry.effectiveAt });
      }
    }
    const posting: LedgerEntry[] = entries.length > 0 ? await this.ledger.append(q, entries, await this.ledger.closedPeriods(q)) : [];
    await this.orders.update(q, updates, now);
    await this.orders.appendHistory(q, changes.map((c) => c.change));
    await this.anomalies.record(q, anomalies);
    return [...changes.map(({ order, change }) => payoutStatusMessage(order, change, this.topics)), ...posting.map((entry) => accruedMessage(entry, this.topics))];
  }
}
