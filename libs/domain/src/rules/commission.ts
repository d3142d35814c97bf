import { Refunded, UsageBilled } from '../events/input-event';
import { Currency } from '../money/currency';
import { divRoundHalfEven, maxBig, minBig } from '../money/rounding';
import { hasExcludedPrefix, ProgramTerms } from '../program/terms';
import { Anomaly, ExpectedAmount } from './evaluation';

/**
 * A customer's billing facts that count: the first line per invoiceLineId, and the refunds that apply
 * (first per refundId, naming a known line, in its currency, within its amount).
 */
export interface CustomerBilling {
  /** in event order */
  lines: UsageBilled[];
  refunds: Refunded[];
  /** the counted lines by invoiceLineId */
  linesById: ReadonlyMap<string, UsageBilled>;
}

/** Counts a customer's lines and refunds (both sorted in event order); the rest are listed as anomalies. */
export function countBilling(lines: readonly UsageBilled[], refunds: readonly Refunded[], anomalies: Anomaly[]): CustomerBilling {
  const linesById = new Map<string, UsageBilled>();
  const counted: UsageBilled[] = [];
  for (const line of lines) {
    if (linesById.has(line.invoiceLineId)) {
      anomalies.push({ code: 'DUPLICATE_INVOICE_LINE', source: line.source, eventId: line.id, customerId: line.customerId, referralId: null, detail: `invoiceLineId ${line.invoiceLineId} was already billed; ignored` });
      continue;
    }
    linesById.set(line.invoiceLineId, line);
    counted.push(line);
  }
  const refundedByLine = new Map<string, bigint>();
  const seenRefunds = new Set<string>();
  const countedRefunds: Refunded[] = [];
  for (const refund of refunds) {
    const base = { source: refund.source, eventId: refund.id, customerId: refund.customerId, referralId: null };
    if (seenRefunds.has(refund.refundId)) {
      anomalies.push({ ...base, code: 'DUPLICATE_REFUND', detail: `refundId ${refund.refundId} was already applied; ignored` });
      continue;
    }
    seenRefunds.add(refund.refundId);
    const line = linesById.get(refund.invoiceLineId);
    if (!line) continue; // waits for its line
    if (refund.currency !== line.currency) {
      anomalies.push({ ...base, code: 'REFUND_CURRENCY_MISMATCH', detail: `refund ${refund.refundId} is in ${refund.currency}, line ${line.invoiceLineId} in ${line.currency}; no effect` });
      continue;
    }
    const total = (refundedByLine.get(line.invoiceLineId) ?? 0n) + refund.amount;
    if (total > line.amount) {
      anomalies.push({ ...base, code: 'REFUND_EXCEEDS_LINE', detail: `refund ${refund.refundId} would take line ${line.invoiceLineId}'s refunds above its amount; no effect` });
      continue;
    }
    refundedByLine.set(line.invoiceLineId, total);
    countedRefunds.push(refund);
  }
  return { lines: counted, refunds: countedRefunds, linesById };
}

export interface Qualification {
  line: UsageBilled;
  /** the line's index in the customer's counted lines */
  lineIndex: number;
  qualifiedAt: number;
  currency: Currency;
  qualifyingSpend: bigint;
}

/**
 * The first eligible line at which its currency's eligible spend reaches the threshold (CONTRACT §4, "Qualification").
 * A line in a currency the terms do not list is not eligible.
 */
export function qualify(billing: CustomerBilling, activatedAt: number, terms: ProgramTerms): Qualification | null {
  const sums = new Map<Currency, bigint>();
  const end = activatedAt + terms.qualificationWindowMs;
  const lines = billing.lines;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const currencyTerms = terms.currencies[line.currency];
    if (line.time < activatedAt || line.time >= end || !currencyTerms || hasExcludedPrefix(terms, line.productCode)) continue;
    const sum = (sums.get(line.currency) ?? 0n) + line.amount;
    sums.set(line.currency, sum);
    if (sum >= currencyTerms.qualificationThreshold) {
      return { line, lineIndex: i, qualifiedAt: line.time, currency: line.currency, qualifyingSpend: sum };
    }
  }
  return null;
}

export interface ReferralRef {
  referralId: string;
  partnerId: string;
  customerId: string;
}

/**
 * Bonus, usage commissions and refund reversals of a qualified referral (CONTRACT §4, "Money") under its terms. A
 * partner terminated at `terminatedAt` earns no bonus qualified from then on and no commission on lines from then
 * on; reversals of commissions earned before still apply (CONTRACT §9).
 */
export function commissionAmounts(
  referral: ReferralRef,
  billing: CustomerBilling,
  qualification: Qualification,
  terms: ProgramTerms,
  terminatedAt: number | null,
): ExpectedAmount[] {
  const { referralId, partnerId, customerId } = referral;
  const amounts: ExpectedAmount[] = [];
  const bonus = terms.currencies[qualification.currency]!.bonus; // the qualifying currency is one the terms list
  if ((terminatedAt === null || qualification.qualifiedAt < terminatedAt) && bonus > 0n) {
    amounts.push({
      referralId, partnerId, customerId,
      slot: 'BONUS',
      type: 'QUALIFICATION_BONUS',
      currency: qualification.currency,
      effectiveAt: qualification.qualifiedAt,
      amount: bonus,
      sourceEventId: qualification.line.id,
      basis: null,
    });
  }

  // The lines are in event order: those before the qualifying line are skipped by index, and the first line past the
  // commission window ends the loop. A late event re-evaluates a whole component (10,000 lines), so the loop does one
  // map lookup per line (not four), and keeps commissions only for the lines refunds name.
  const windowEnd = qualification.qualifiedAt + terms.commissionWindowMs;
  const commissionEnd = terminatedAt !== null && terminatedAt < windowEnd ? terminatedAt : windowEnd;
  const totals = new Map<Currency, { spend: bigint; earned: bigint }>();
  const refundedLines = billing.refunds.length > 0 ? new Set(billing.refunds.map((refund) => refund.invoiceLineId)) : null;
  const commissionByLine = new Map<string, bigint>();
  const lines = billing.lines;
  for (let i = qualification.lineIndex; i < lines.length; i++) {
    const line = lines[i];
    if (line.time >= commissionEnd) break;
    const currencyTerms = terms.currencies[line.currency];
    if (!currencyTerms || hasExcludedPrefix(terms, line.productCode)) continue;
    let total = totals.get(line.currency);
    if (!total) totals.set(line.currency, (total = { spend: 0n, earned: 0n }));
    const spendBefore = total.spend;
    const below = minBig(maxBig(currencyTerms.tierBoundary - spendBefore, 0n), line.amount);
    const above = line.amount - below;
    const raw = divRoundHalfEven(below * terms.baseRateBps + above * terms.upperRateBps, 10_000n);
    const capLeft = maxBig(currencyTerms.commissionCap - total.earned, 0n);
    const commission = minBig(raw, capLeft);
    total.spend += line.amount;
    total.earned += commission;
    if (refundedLines?.has(line.invoiceLineId)) commissionByLine.set(line.invoiceLineId, commission);
    if (commission > 0n) {
      amounts.push({
        referralId, partnerId, customerId,
        slot: `USAGE:${customerId}:${line.invoiceLineId}`,
        type: 'USAGE_COMMISSION',
        currency: line.currency,
        effectiveAt: line.time,
        amount: commission,
        sourceEventId: line.id,
        basis: { kind: 'USAGE', spendBefore, below, above, raw, capLeft },
      });
    }
  }

  const reversed = new Map<string, bigint>();
  for (const refund of billing.refunds) {
    const line = billing.linesById.get(refund.invoiceLineId)!;
    const commission = commissionByLine.get(line.invoiceLineId) ?? 0n;
    if (commission <= 0n) continue;
    const already = reversed.get(line.invoiceLineId) ?? 0n;
    const raw = divRoundHalfEven(commission * refund.amount, line.amount);
    const reversal = minBig(raw, commission - already);
    reversed.set(line.invoiceLineId, already + reversal);
    if (reversal > 0n) {
      amounts.push({
        referralId, partnerId, customerId,
        slot: `REFUND:${customerId}:${refund.refundId}`,
        type: 'REFUND_REVERSAL',
        currency: line.currency,
        effectiveAt: refund.time,
        amount: -reversal,
        sourceEventId: refund.id,
        basis: { kind: 'REFUND', commission, refunded: refund.amount, lineAmount: line.amount, raw, reversedBefore: already, lineEventId: line.id },
      });
    }
  }
  return amounts;
}
