import { Currency } from '../money/currency';
import { AmountType, ExpectedAmount, ReferralProgram } from '../rules/evaluation';

export type LedgerEntryType = AmountType | 'MANUAL_ADJUSTMENT' | 'CORRECTION' | 'PAYOUT_RETURNED';

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
  /** the referral's binding when the entry is posted (CONTRACT §8, "Audit") */
  programId: string;
  programVersion: number;
  /** when the entry becomes payable: positive amounts are held for the version's holding period (CONTRACT §10) */
  releaseAt: number;
}

/** A positive amount is held for its referral's holding period; a negative one is never held. */
export function releaseTime(amount: bigint, effectiveAt: number, holdingPeriodMs: number): number {
  return amount > 0n ? effectiveAt + holdingPeriodMs : effectiveAt;
}

/**
 * The entries that bring the ledger from `posted` to `expected`, cell by cell. An amount seen for the first
 * time is posted with its own type; any later change to a slot is a CORRECTION carrying the effective time of
 * the cell it corrects, so a moved amount is reversed at its old time and posted at its new one.
 * `posted` must cover every referral of `expected` (and may hold referrals that no longer expect anything).
 */
export function planLedgerEntries(
  expected: readonly ExpectedAmount[],
  posted: readonly PostedCell[],
  programs: ReadonlyMap<string, ReferralProgram>,
): PlannedEntry[] {
  const programOf = (referralId: string): ReferralProgram => {
    const program = programs.get(referralId);
    if (!program) throw new Error(`referral ${referralId} has ledger amounts but no binding`);
    return program;
  };
  // referral → slot → its cells (usually one). Nested maps, not composite string keys: a late event re-plans a
  // whole component (10,000 cells), and building and hashing 30,000 concatenated keys cost more than the rules.
  const postedBySlot = new Map<string, Map<string, PostedCell[]>>();
  for (const cell of posted) {
    let slots = postedBySlot.get(cell.referralId);
    if (!slots) postedBySlot.set(cell.referralId, (slots = new Map()));
    const cells = slots.get(cell.slot);
    if (cells) cells.push(cell);
    else slots.set(cell.slot, [cell]);
  }
  const planned: PlannedEntry[] = [];
  const matched = new Set<PostedCell>();
  for (const amount of expected) {
    const cells = postedBySlot.get(amount.referralId)?.get(amount.slot);
    const cell = cells?.find((c) => c.partnerId === amount.partnerId && c.currency === amount.currency && c.effectiveAt === amount.effectiveAt);
    if (cell) matched.add(cell);
    const delta = amount.amount - (cell?.amount ?? 0n);
    if (delta === 0n) continue;
    const { programId, programVersion, holdingPeriodMs } = programOf(amount.referralId);
    planned.push({
      referralId: amount.referralId,
      partnerId: amount.partnerId,
      customerId: amount.customerId,
      slot: amount.slot,
      type: cells ? 'CORRECTION' : amount.type,
      currency: amount.currency,
      effectiveAt: amount.effectiveAt,
      amount: delta,
      sourceEventId: amount.sourceEventId,
      programId,
      programVersion,
      releaseAt: releaseTime(delta, amount.effectiveAt, holdingPeriodMs),
    });
  }
  for (const cell of posted) {
    if (matched.has(cell) || cell.amount === 0n) continue;
    const { programId, programVersion, holdingPeriodMs } = programOf(cell.referralId);
    planned.push({ ...cell, type: 'CORRECTION', amount: -cell.amount, programId, programVersion, releaseAt: releaseTime(-cell.amount, cell.effectiveAt, holdingPeriodMs) });
  }
  return planned;
}
