import { Currency } from '../money/currency';
import { AmountType, ExpectedAmount } from '../rules/evaluation';

export type LedgerEntryType = AmountType | 'MANUAL_ADJUSTMENT' | 'CORRECTION';

/**
 * What the ledger already holds for one (referral, partner, slot, currency, effectiveAt): the sum of its entries.
 * The partner is part of the cell: a late submission can hand a referral id to another partner.
 */
export interface PostedCell {
  referralId: string;
  partnerId: string;
  customerId: string | null;
  slot: string;
  currency: Currency;
  effectiveAt: number;
  amount: bigint;
  sourceEventId: string | null;
}

export interface PlannedEntry {
  referralId: string;
  partnerId: string;
  customerId: string | null;
  slot: string;
  type: LedgerEntryType;
  currency: Currency;
  effectiveAt: number;
  amount: bigint;
  sourceEventId: string | null;
}

const cellKey = (c: { referralId: string; partnerId: string; slot: string; currency: string; effectiveAt: number }) =>
  `${c.referralId}\u0000${c.partnerId}\u0000${c.slot}\u0000${c.currency}\u0000${c.effectiveAt}`;
const slotKey = (c: { referralId: string; slot: string }) => `${c.referralId}\u0000${c.slot}`;

/**
 * The entries that bring the ledger from `posted` to `expected`, cell by cell. An amount seen for the first
 * time is posted with its own type; any later change to a slot is a CORRECTION carrying the effective time of
 * the cell it corrects, so a moved amount is reversed at its old time and posted at its new one.
 * `posted` must cover every referral of `expected` (and may hold referrals that no longer expect anything).
 */
export function planLedgerEntries(expected: readonly ExpectedAmount[], posted: readonly PostedCell[]): PlannedEntry[] {
  const postedByCell = new Map<string, PostedCell>();
  const postedSlots = new Set<string>();
  for (const cell of posted) {
    postedByCell.set(cellKey(cell), cell);
    postedSlots.add(slotKey(cell));
  }
  const planned: PlannedEntry[] = [];
  const seen = new Set<string>();
  for (const amount of expected) {
    const key = cellKey(amount);
    seen.add(key);
    const delta = amount.amount - (postedByCell.get(key)?.amount ?? 0n);
    if (delta === 0n) continue;
    planned.push({
      referralId: amount.referralId,
      partnerId: amount.partnerId,
      customerId: amount.customerId,
      slot: amount.slot,
      type: postedSlots.has(slotKey(amount)) ? 'CORRECTION' : amount.type,
      currency: amount.currency,
      effectiveAt: amount.effectiveAt,
      amount: delta,
      sourceEventId: amount.sourceEventId,
    });
  }
  for (const cell of posted) {
    if (seen.has(cellKey(cell)) || cell.amount === 0n) continue;
    planned.push({ ...cell, type: 'CORRECTION', amount: -cell.amount });
  }
  return planned;
}
