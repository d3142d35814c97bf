import { Currency, isoTimestamp, PayoutOrder, PayoutOutcome, PayoutStatus, PostedReturn } from '@engine/domain';
import { fromRecordset } from '../bulk';
import { Queryable } from '../queryable';

/** A payout order as stored: the order, its status and how many changes of it were published. */
export interface StoredPayoutOrder extends PayoutOrder {
  status: PayoutStatus;
  /** 0 for an order created but not yet announced */
  sequence: number;
  outcome: PayoutOutcome | null;
  createdAt: number;
  updatedAt: number;
}

/** One change of a payout order's status (CONTRACT §10, "Events"). */
export interface PayoutStatusChange {
  payoutId: string;
  sequence: number;
  status: PayoutStatus;
  previousStatus: PayoutStatus | null;
  reason: string | null;
  changedAt: number;
}

const ORDER_COLUMNS = `payout_id, period, partner_id, currency, amount::text, status, sequence, outcome_source, outcome_event_id,
  (extract(epoch from outcome_at) * 1000)::int8 AS outcome_ms, reference, reason,
  (extract(epoch from created_at) * 1000)::int8 AS created_ms, (extract(epoch from updated_at) * 1000)::int8 AS updated_ms`;

function toOrder(r: any): StoredPayoutOrder {
  return {
    payoutId: r.payout_id, period: r.period, partnerId: r.partner_id, currency: r.currency as Currency, amount: BigInt(r.amount),
    status: r.status, sequence: r.sequence,
    outcome: r.outcome_event_id === null ? null : {
      status: r.status, source: r.outcome_source, id: r.outcome_event_id, time: Number(r.outcome_ms), reference: r.reference, reason: r.reason,
    },
    createdAt: Number(r.created_ms), updatedAt: Number(r.updated_ms),
  };
}

/** Payout orders, their status history, their outcomes (stored as input events) and their returns in the ledger. */
export class PayoutOrderRepository {
  /** New orders, PENDING and not yet announced (sequence 0). */
  async insert(q: Queryable, orders: readonly PayoutOrder[], now: number): Promise<void> {
    if (orders.length === 0) return;
    await q.query(
      `INSERT INTO payout_order (payout_id, period, partner_id, currency, amount, status, sequence, created_at, updated_at)
       SELECT payout_id, period, partner_id, currency, amount, 'PENDING', 0, $2::timestamptz, $2::timestamptz
         FROM json_to_recordset($1::json) AS r(payout_id text, period text, partner_id text, currency text, amount int8)`,
      [JSON.stringify(orders.map((o) => ({ payout_id: o.payoutId, period: o.period, partner_id: o.partnerId, currency: o.currency, amount: o.amount.toString() }))), isoTimestamp(now)],
    );
  }

  async load(q: Queryable, payoutIds: readonly string[]): Promise<StoredPayoutOrder[]> {
    if (payoutIds.length === 0) return [];
    const rows = await q.query(`SELECT ${ORDER_COLUMNS} FROM payout_order WHERE payout_id = ANY($1::text[])`, [payoutIds]);
    return rows.map(toOrder);
  }

  /** Orders of a period (optionally of one status), or of a partner, in payoutId order. */
  async list(q: Queryable, filter: { period?: string; status?: PayoutStatus; partnerId?: string }): Promise<StoredPayoutOrder[]> {
    const rows = await q.query(
      `SELECT ${ORDER_COLUMNS} FROM payout_order
        WHERE ($1::text IS NULL OR period = $1) AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR partner_id = $3)
        ORDER BY payout_id COLLATE "C"`,
      [filter.period ?? null, filter.status ?? null, filter.partnerId ?? null],
    );
    return rows.map(toOrder);
  }

  /** How many orders there are in each status (for the metrics; a status without orders is absent). */
  async countByStatus(q: Queryable): Promise<Partial<Record<PayoutStatus, number>>> {
    const rows: { status: PayoutStatus; n: number }[] = await q.query(`SELECT status, count(*)::int AS n FROM payout_order GROUP BY status`);
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  /** Every outcome reported for these payouts (payment events and API calls, both kept in the event store). */
  async outcomes(q: Queryable, payoutIds: readonly string[]): Promise<Map<string, PayoutOutcome[]>> {
    const byPayout = new Map<string, PayoutOutcome[]>();
    if (payoutIds.length === 0) return byPayout;
    const rows: any[] = await q.query(
      `SELECT payout_id, source, event_id, type, time_ms, reference, reason FROM input_event
        WHERE payout_id = ANY($1::text[]) AND type IN ('payout.paid', 'payout.failed')`,
      [payoutIds],
    );
    for (const r of rows) {
      const outcome: PayoutOutcome = {
        status: r.type === 'payout.paid' ? 'PAID' : 'FAILED', source: r.source, id: r.event_id, time: Number(r.time_ms), reference: r.reference, reason: r.reason,
      };
      const list = byPayout.get(r.payout_id);
      if (list) list.push(outcome);
      else byPayout.set(r.payout_id, [outcome]);
    }
    return byPayout;
  }

  /** What the ledger holds for each payout's return, per effective time. */
  async postedReturns(q: Queryable, slots: readonly string[]): Promise<Map<string, PostedReturn[]>> {
    const bySlot = new Map<string, PostedReturn[]>();
    if (slots.length === 0) return bySlot;
    const rows: any[] = await q.query(
      `SELECT slot, (extract(epoch from effective_at) * 1000)::int8 AS effective_ms, sum(amount)::text AS amount FROM ledger_entry
        WHERE referral_id IS NULL AND slot = ANY($1::text[]) GROUP BY slot, effective_at`,
      [slots],
    );
    for (const r of rows) {
      const cell = { effectiveAt: Number(r.effective_ms), amount: BigInt(r.amount) };
      const list = bySlot.get(r.slot);
      if (list) list.push(cell);
      else bySlot.set(r.slot, [cell]);
    }
    return bySlot;
  }

  /** Writes each order's status, outcome and sequence. */
  async update(q: Queryable, orders: readonly { payoutId: string; status: PayoutStatus; sequence: number; outcome: PayoutOutcome | null }[], now: number): Promise<void> {
    if (orders.length === 0) return;
    await q.query(
      `UPDATE payout_order o SET status = r.status, sequence = r.sequence, outcome_source = r.outcome_source, outcome_event_id = r.outcome_event_id,
              outcome_at = r.outcome_at, reference = r.reference, reason = r.reason, updated_at = $2::timestamptz
         FROM json_to_recordset($1::json) AS r(payout_id text, status text, sequence int4, outcome_source text, outcome_event_id text,
              outcome_at timestamptz, reference text, reason text)
        WHERE o.payout_id = r.payout_id`,
      [JSON.stringify(orders.map((o) => ({
        payout_id: o.payoutId, status: o.status, sequence: o.sequence, outcome_source: o.outcome?.source ?? null, outcome_event_id: o.outcome?.id ?? null,
        outcome_at: o.outcome ? isoTimestamp(o.outcome.time) : null, reference: o.outcome?.reference ?? null, reason: o.outcome?.reason ?? null,
      }))), isoTimestamp(now)],
    );
  }

  async appendHistory(q: Queryable, changes: readonly PayoutStatusChange[]): Promise<void> {
    if (changes.length === 0) return;
    await q.query(
      `INSERT INTO payout_status_history (payout_id, sequence, status, previous_status, reason, changed_at)
       ${fromRecordset([['payout_id', 'text'], ['sequence', 'int4'], ['status', 'text'], ['previous_status', 'text'], ['reason', 'text'], ['changed_at', 'timestamptz']])}`,
      [JSON.stringify(changes.map((c) => ({
        payout_id: c.payoutId, sequence: c.sequence, status: c.status, previous_status: c.previousStatus, reason: c.reason, changed_at: isoTimestamp(c.changedAt),
      })))],
    );
  }
}
