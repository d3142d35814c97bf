import { Currency } from '../money/currency';
import { ReferralStatus, StatusReason } from '../referral/referral-status';

/** What the rules say about one referral, given a set of events and a clock. */
export interface ReferralOutcome {
  referralId: string;
  partnerId: string;
  /** the program version the referral's submission is bound to (CONTRACT §8) */
  programId: string;
  programVersion: number;
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
  /** how a usage commission or a refund reversal was computed (for the explanation); null for a bonus */
  basis: AmountBasis | null;
}

/** The arithmetic behind one amount, in minor units (CONTRACT §4, "Money"). */
export type AmountBasis =
  | {
      kind: 'USAGE';
      /** commissionable spend of the referral in this currency before the line */
      spendBefore: bigint;
      /** the parts of the line below and above the tier boundary */
      below: bigint;
      above: bigint;
      /** below × base rate + above × upper rate, rounded half-to-even */
      raw: bigint;
      /** what the cap left to earn before the line */
      capLeft: bigint;
    }
  | {
      kind: 'REFUND';
      /** the refunded line's commission, the refund and the line's amounts */
      commission: bigint;
      refunded: bigint;
      lineAmount: bigint;
      /** commission × refund / line, rounded half-to-even */
      raw: bigint;
      /** the line's reversals before this one */
      reversedBefore: bigint;
      lineEventId: string;
    };

export type AnomalyCode =
  | 'DUPLICATE_INVOICE_LINE'
  | 'DUPLICATE_REFUND'
  | 'REFUND_CURRENCY_MISMATCH'
  | 'REFUND_EXCEEDS_LINE'
  | 'DUPLICATE_REFERRAL'
  | 'REPEATED_SIGNUP'
  | 'PARTNER_TERMINATED'
  | 'PAYOUT_OUTCOME_CONFLICT';

/** An event that the rules ignore, listed for the people who publish it. */
export interface Anomaly {
  code: AnomalyCode;
  source: string;
  eventId: string;
  customerId: string | null;
  referralId: string | null;
  detail: string;
}

/** The program version a referral is bound to, as its ledger entries record it (CONTRACT §8 "Audit", §10 "Holding"). */
export interface ReferralProgram {
  programId: string;
  programVersion: number;
  holdingPeriodMs: number;
}

export interface Evaluation {
  referrals: ReferralOutcome[];
  amounts: ExpectedAmount[];
  anomalies: Anomaly[];
  /** by referralId, for every referral in `referrals` */
  programs: Map<string, ReferralProgram>;
}
