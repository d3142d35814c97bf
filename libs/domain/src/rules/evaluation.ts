import { Currency } from '../money/currency';
import { ReferralStatus, StatusReason } from '../referral/referral-status';

/** What the rules say about one referral, given a set of events and a clock. */
export interface ReferralOutcome {
  referralId: string;
  partnerId: string;
  customerId: string | null;
  status: ReferralStatus;
  reason: StatusReason | null;
  submittedAt: number;
  signedUpAt: number | null;
  activatedAt: number | null;
  qualifiedAt: number | null;
  qualifyingCurrency: Currency | null;
  /** the qualifying currency's eligible spend at the qualifying line, minor units */
  qualifyingSpend: bigint | null;
  /** when this referral expires if no further event arrives; null when no expiry is pending */
  expiresAt: number | null;
}

export type AmountType = 'QUALIFICATION_BONUS' | 'USAGE_COMMISSION' | 'REFUND_REVERSAL';

/**
 * One amount the ledger must hold. `slot` names what the amount is for, stable across recomputations:
 * `BONUS`, `USAGE:<customerId>:<invoiceLineId>` or `REFUND:<customerId>:<refundId>`.
 */
export interface ExpectedAmount {
  referralId: string;
  partnerId: string;
  customerId: string;
  slot: string;
  type: AmountType;
  currency: Currency;
  effectiveAt: number;
  amount: bigint;
  sourceEventId: string;
}

export type AnomalyCode =
  | 'DUPLICATE_INVOICE_LINE'
  | 'DUPLICATE_REFUND'
  | 'REFUND_CURRENCY_MISMATCH'
  | 'REFUND_EXCEEDS_LINE'
  | 'DUPLICATE_REFERRAL'
  | 'REPEATED_SIGNUP';

/** An event that the rules ignore, listed for the people who publish it. */
export interface Anomaly {
  code: AnomalyCode;
  source: string;
  eventId: string;
  customerId: string | null;
  referralId: string | null;
  detail: string;
}

export interface Evaluation {
  referrals: ReferralOutcome[];
  amounts: ExpectedAmount[];
  anomalies: Anomaly[];
}
