import { compareEvents } from '../events/order';
import { PayoutStatement } from '../ledger/statements';
import { Period } from '../ledger/period';
import { Currency } from '../money/currency';
import { Anomaly } from '../rules/evaluation';

export type PayoutStatus = 'PENDING' | 'PAID' | 'FAILED';

/** What closing a period owes a partner in one currency (CONTRACT §10): one order per statement with payable > 0. */
export interface PayoutOrder {
  payoutId: string;
  period: Period;
  partnerId: string;
  currency: Currency;
  /** minor units, > 0 */
  amount: bigint;
}

export const payoutIdOf = (period: Period, partnerId: string, currency: Currency): string => `${period}:${partnerId}:${currency}`;

export function payoutOrdersOf(statements: readonly PayoutStatement[]): PayoutOrder[] {
  return statements
    .filter((s) => s.payable > 0n)
    .map((s) => ({ payoutId: payoutIdOf(s.period, s.partnerId, s.currency), period: s.period, partnerId: s.partnerId, currency: s.currency, amount: s.payable }));
}

/** A payout's outcome as reported, by the payment system on its topic or by finance through the API. */
export interface PayoutOutcome {
  status: 'PAID' | 'FAILED';
  source: string;
  id: string;
  /** event time; an API call's is the engine clock */
  time: number;
  reference: string | null;
  reason: string | null;
}

/** The order's status from its outcomes, and the money a failure gives back. */
export interface PayoutDecision {
  status: PayoutStatus;
  /** the outcome that decided it; null while PENDING */
  outcome: PayoutOutcome | null;
  /** later outcomes that contradict the decided one */
  anomalies: Anomaly[];
  /** a failed payout's amount back to the partner, effective at the failure */
  returned: { amount: bigint; effectiveAt: number; sourceEventId: string } | null;
}

/**
 * The outcome is the earliest one (event time, then id): a later one that says the same is a repeat and changes
 * nothing; a later one that says otherwise is an anomaly. A late, earlier outcome takes over, like any late event.
 */
export function decidePayout(order: PayoutOrder, outcomes: readonly PayoutOutcome[]): PayoutDecision {
  const sorted = [...outcomes].sort(compareEvents);
  const [first] = sorted;
  if (!first) return { status: 'PENDING', outcome: null, anomalies: [], returned: null };
  const anomalies: Anomaly[] = sorted
    .filter((o) => o.status !== first.status)
    .map((o) => ({
      code: 'PAYOUT_OUTCOME_CONFLICT', source: o.source, eventId: o.id, customerId: null, referralId: null,
      detail: `payout ${order.payoutId} was already ${first.status} (${first.source} ${first.id}); ${o.status} ignored`,
    }));
  const returned = first.status === 'FAILED' ? { amount: order.amount, effectiveAt: first.time, sourceEventId: first.id } : null;
  return { status: first.status, outcome: first, anomalies, returned };
}

/** What the ledger holds for a payout's return: the sum of its entries at one effective time. */
export interface PostedReturn {
  effectiveAt: number;
  amount: bigint;
}

export interface PayoutReturnEntry {
  partnerId: string;
  currency: Currency;
  slot: string;
  type: 'PAYOUT_RETURNED' | 'CORRECTION';
  amount: bigint;
  effectiveAt: number;
  sourceEventId: string | null;
}

export const payoutReturnSlot = (payoutId: string): string => `PAYOUT_RETURNED:${payoutId}`;

/**
 * The entries that bring a payout's return in the ledger to what its decision says: `PAYOUT_RETURNED` the first
 * time, then corrections at the effective time of what they correct (a late earlier PAID takes the return back).
 */
export function planPayoutReturn(order: PayoutOrder, decision: PayoutDecision, posted: readonly PostedReturn[]): PayoutReturnEntry[] {
  const slot = payoutReturnSlot(order.payoutId);
  const base = { partnerId: order.partnerId, currency: order.currency, slot };
  const entries: PayoutReturnEntry[] = [];
  const expected = decision.returned;
  let matched = false;
  for (const cell of posted) {
    if (expected && cell.effectiveAt === expected.effectiveAt) {
      matched = true;
      const delta = expected.amount - cell.amount;
      if (delta !== 0n) entries.push({ ...base, type: 'CORRECTION', amount: delta, effectiveAt: cell.effectiveAt, sourceEventId: expected.sourceEventId });
    } else if (cell.amount !== 0n) {
      entries.push({ ...base, type: 'CORRECTION', amount: -cell.amount, effectiveAt: cell.effectiveAt, sourceEventId: decision.outcome?.id ?? null });
    }
  }
  if (expected && !matched) {
    entries.push({ ...base, type: posted.length > 0 ? 'CORRECTION' : 'PAYOUT_RETURNED', amount: expected.amount, effectiveAt: expected.effectiveAt, sourceEventId: expected.sourceEventId });
  }
  return entries;
}

/** A partner's money in one currency at a moment (CONTRACT §10, "Balance"), minor units. */
export interface PartnerBalance {
  currency: Currency;
  /** the sum of all the partner's entries */
  earned: bigint;
  /** positive entries not yet released */
  held: bigint;
  /** PENDING payout orders */
  pending: bigint;
  /** PAID payout orders */
  paid: bigint;
  /** FAILED payout orders (not in the contract's formula: their returns are in `earned`) */
  failed: bigint;
  /** earned − held − pending − paid */
  available: bigint;
}

export function partnerBalance(currency: Currency, earned: bigint, held: bigint, orders: readonly { status: PayoutStatus; amount: bigint }[]): PartnerBalance {
  let pending = 0n;
  let paid = 0n;
  let failed = 0n;
  for (const order of orders) {
    if (order.status === 'PENDING') pending += order.amount;
    else if (order.status === 'PAID') paid += order.amount;
    else failed += order.amount;
  }
  return { currency, earned, held, pending, paid, failed, available: earned - held - pending - paid };
}
