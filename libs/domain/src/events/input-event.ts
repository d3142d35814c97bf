import { Currency } from '../money/currency';

/**
 * The validated input facts the rules consume (CONTRACT §2), already normalised:
 * times are epoch milliseconds, domains lower-cased, amounts integer minor units.
 */
interface EventBase {
  /** CloudEvents `source` */
  source: string;
  /** CloudEvents `id` */
  id: string;
  /** event time, epoch ms */
  time: number;
}

export interface ReferralSubmitted extends EventBase {
  type: 'referral.submitted';
  referralId: string;
  partnerId: string;
  partnerDomain: string;
  prospectDomain: string;
  /** prospect.region; null when the submission names none (it then binds only to programs for every region) */
  region: string | null;
  channel: string;
}

export interface CustomerSignedUp extends EventBase {
  type: 'customer.signed_up';
  customerId: string;
  emailDomain: string;
  referralCode: string | null;
  priorAccount: boolean;
}

export interface CustomerActivated extends EventBase {
  type: 'customer.activated';
  customerId: string;
}

export interface UsageBilled extends EventBase {
  type: 'billing.usage_billed';
  customerId: string;
  invoiceLineId: string;
  productCode: string;
  amount: bigint;
  currency: Currency;
}

export interface Refunded extends EventBase {
  type: 'billing.refunded';
  customerId: string;
  refundId: string;
  invoiceLineId: string;
  amount: bigint;
  currency: Currency;
}

/** A partner's approval, with its group (`default` when the event names none). */
export interface PartnerApproved extends EventBase {
  type: 'partner.approved';
  partnerId: string;
  group: string;
}

export interface PartnerGroupChanged extends EventBase {
  type: 'partner.group_changed';
  partnerId: string;
  group: string;
}

export interface PartnerStandingChanged extends EventBase {
  type: 'partner.suspended' | 'partner.reinstated' | 'partner.terminated';
  partnerId: string;
  reason: string | null;
}

/** The events of `partner.accounts.v1` (CONTRACT §9). */
export type PartnerEvent = PartnerApproved | PartnerGroupChanged | PartnerStandingChanged;

/** A payout order paid by the payment system (CONTRACT §10); `reference` null when the event names none. */
export interface PayoutPaid extends EventBase {
  type: 'payout.paid';
  payoutId: string;
  reference: string | null;
}

/** A payout order that failed (CONTRACT §10): the money goes back to the partner. */
export interface PayoutFailed extends EventBase {
  type: 'payout.failed';
  payoutId: string;
  reason: string;
}

/** The events of `payments.payouts.v1` (CONTRACT §10). */
export type PayoutOutcomeEvent = PayoutPaid | PayoutFailed;

export type InputEvent = ReferralSubmitted | CustomerSignedUp | CustomerActivated | UsageBilled | Refunded | PartnerEvent | PayoutOutcomeEvent;
export type InputEventType = InputEvent['type'];

export const INPUT_EVENT_TYPES: readonly InputEventType[] = [
  'referral.submitted',
  'customer.signed_up',
  'customer.activated',
  'billing.usage_billed',
  'billing.refunded',
  'partner.approved',
  'partner.group_changed',
  'partner.suspended',
  'partner.reinstated',
  'partner.terminated',
  'payout.paid',
  'payout.failed',
];

export function isPartnerEvent(event: InputEvent): event is PartnerEvent {
  return event.type.startsWith('partner.');
}

export function isPayoutOutcome(event: InputEvent): event is PayoutOutcomeEvent {
  return event.type === 'payout.paid' || event.type === 'payout.failed';
}

/** The idempotency key of an event: (source, id). */
export function eventKey(event: Pick<InputEvent, 'source' | 'id'>): string {
  return `${event.source}\u0000${event.id}`;
}
