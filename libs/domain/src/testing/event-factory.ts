import {
  CustomerActivated, CustomerSignedUp, PartnerApproved, PartnerGroupChanged, PartnerStandingChanged, PayoutFailed, PayoutPaid, ReferralSubmitted, Refunded, UsageBilled,
} from '../events/input-event';
import { Currency } from '../money/currency';
import { parseAmount } from '../money/decimal';
import { DEFAULT_PARTNER_GROUP } from '../partners/partner-standing';
import { DAY_MS } from '../program/terms';

/**
 * Tiny builders of InputEvents for the specs: sensible defaults, an auto-incrementing event id, and times
 * given as ISO strings or day offsets. Pure: no clock is read here (day 0 is a fixed date).
 *
 *   const s = submitted({ referralId: 'r1', at: 0 });             // day 0 = 2026-01-01T00:00:00Z
 *   const g = signedUp({ customerId: 'c1', at: 10 });             // emailDomain defaults to the prospect's
 *   const l = usage({ customerId: 'c1', amount: '120.00', at: '2026-01-21T12:00:00Z' });
 *   const r = refund({ line: l, amount: '12.00', at: { ms: l.time + 1 } });
 *   const a = partnerApproved({ partnerId: 'p1', group: 'gold', at: -30 });
 *   const t = partnerTerminated({ partnerId: 'p1', reason: 'fraud', at: 200 });
 *   const o = payoutFailed({ payoutId: '2026-01:p1:USD', reason: 'account closed', at: 40 });
 */

/** Day 0 of the factory's calendar: 2026-01-01T00:00:00.000Z. */
export const T0 = Date.UTC(2026, 0, 1);

/** A point in time: an ISO-8601 string with a zone, a (possibly fractional) number of days after T0, or exact epoch ms. */
export type When = string | number | { ms: number };

const ZONED = /(?:[Zz]|[+-]\d{2}:\d{2})$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** Epoch milliseconds of a When. */
export function at(when: When): number {
  if (typeof when === 'number') return T0 + Math.round(when * DAY_MS);
  if (typeof when === 'string') {
    // A zone-less date-time would be read in the machine's time zone: refuse it rather than be flaky.
    if (!DATE_ONLY.test(when) && !ZONED.test(when)) throw new Error(`time ${when} needs a zone (Z or ±hh:mm)`);
    const ms = Date.parse(when);
    if (Number.isNaN(ms)) throw new Error(`time ${when} is not ISO-8601`);
    return ms;
  }
  return when.ms;
}

/** Epoch ms of day `n` after T0. */
export const day = (n: number): number => at(n);

let counter = 0;

/** Restarts the auto-incrementing ids (evt-000001, ref-000001, line-000001, …). */
export function resetFactory(): void {
  counter = 0;
}

/** A fresh id; zero-padded so that ids made later also sort later as plain strings (the contract's tie-break). */
export function nextId(prefix = 'evt'): string {
  counter += 1;
  return `${prefix}-${String(counter).padStart(6, '0')}`;
}

/** Minor units from a decimal string ("12.30") or a bigint already in minor units. */
export function money(amount: string | bigint, currency: Currency): bigint {
  if (typeof amount === 'bigint') return amount;
  const parsed = parseAmount(amount, currency);
  if (!parsed.ok) throw new Error(`amount ${amount} ${currency}: ${parsed.error}`);
  return parsed.minor;
}

interface Common {
  /** event time; default day 0 */
  at?: When;
  /** CloudEvents id; default auto-incremented */
  id?: string;
  /** CloudEvents source; default per type */
  source?: string;
}

function base(options: Common, defaultSource: string): { source: string; id: string; time: number } {
  return { source: options.source ?? defaultSource, id: options.id ?? nextId(), time: at(options.at ?? 0) };
}

export interface SubmittedOptions extends Common {
  referralId?: string;
  partnerId?: string;
  partnerDomain?: string;
  prospectDomain?: string;
  /** prospect.region; default null (none named) */
  region?: string | null;
  channel?: string;
}

export function submitted(options: SubmittedOptions = {}): ReferralSubmitted {
  const event = base(options, 'partner-portal');
  return {
    ...event,
    type: 'referral.submitted',
    referralId: options.referralId ?? nextId('ref'),
    partnerId: options.partnerId ?? 'p1',
    partnerDomain: options.partnerDomain ?? 'partner.example',
    prospectDomain: options.prospectDomain ?? 'acme.com',
    region: options.region ?? null,
    channel: options.channel ?? 'partner_portal',
  };
}

export interface SignedUpOptions extends Common {
  customerId?: string;
  emailDomain?: string;
  referralCode?: string | null;
  priorAccount?: boolean;
}

export function signedUp(options: SignedUpOptions = {}): CustomerSignedUp {
  const event = base(options, 'crm');
  return {
    ...event,
    type: 'customer.signed_up',
    customerId: options.customerId ?? 'c1',
    emailDomain: options.emailDomain ?? 'acme.com',
    referralCode: options.referralCode ?? null,
    priorAccount: options.priorAccount ?? false,
  };
}

export interface ActivatedOptions extends Common {
  customerId?: string;
}

export function activated(options: ActivatedOptions = {}): CustomerActivated {
  const event = base(options, 'crm');
  return { ...event, type: 'customer.activated', customerId: options.customerId ?? 'c1' };
}

export interface UsageOptions extends Common {
  customerId?: string;
  invoiceLineId?: string;
  productCode?: string;
  /** decimal string in the currency's digits, or minor units as a bigint; default "100.00" */
  amount?: string | bigint;
  currency?: Currency;
}

export function usage(options: UsageOptions = {}): UsageBilled {
  const event = base(options, 'billing');
  const currency = options.currency ?? 'USD';
  return {
    ...event,
    type: 'billing.usage_billed',
    customerId: options.customerId ?? 'c1',
    invoiceLineId: options.invoiceLineId ?? nextId('line'),
    productCode: options.productCode ?? 'api.requests',
    amount: money(options.amount ?? '100.00', currency),
    currency,
  };
}

export interface RefundOptions extends Common {
  /** the refunded line: gives the defaults of customerId, invoiceLineId and currency */
  line?: UsageBilled;
  customerId?: string;
  refundId?: string;
  invoiceLineId?: string;
  /** decimal string or minor units; default: the whole line (or "10.00") */
  amount?: string | bigint;
  currency?: Currency;
}

export function refund(options: RefundOptions = {}): Refunded {
  const event = base(options, 'billing');
  const currency = options.currency ?? options.line?.currency ?? 'USD';
  const invoiceLineId = options.invoiceLineId ?? options.line?.invoiceLineId;
  if (invoiceLineId === undefined) throw new Error('refund() needs a line or an invoiceLineId');
  return {
    ...event,
    type: 'billing.refunded',
    customerId: options.customerId ?? options.line?.customerId ?? 'c1',
    refundId: options.refundId ?? nextId('refund'),
    invoiceLineId,
    amount: options.amount !== undefined ? money(options.amount, currency) : (options.line?.amount ?? money('10.00', currency)),
    currency,
  };
}

export interface PartnerOptions extends Common {
  partnerId?: string;
}

export function partnerApproved(options: PartnerOptions & { group?: string } = {}): PartnerApproved {
  const event = base(options, 'partner-admin');
  return { ...event, type: 'partner.approved', partnerId: options.partnerId ?? 'p1', group: options.group ?? DEFAULT_PARTNER_GROUP };
}

export function partnerGroupChanged(options: PartnerOptions & { group: string }): PartnerGroupChanged {
  const event = base(options, 'partner-admin');
  return { ...event, type: 'partner.group_changed', partnerId: options.partnerId ?? 'p1', group: options.group };
}

export interface StandingOptions extends PartnerOptions {
  /** default null (none given) */
  reason?: string | null;
}

function standing(type: PartnerStandingChanged['type'], options: StandingOptions): PartnerStandingChanged {
  const event = base(options, 'partner-admin');
  return { ...event, type, partnerId: options.partnerId ?? 'p1', reason: options.reason ?? null };
}

export const partnerSuspended = (options: StandingOptions = {}): PartnerStandingChanged => standing('partner.suspended', options);
export const partnerReinstated = (options: StandingOptions = {}): PartnerStandingChanged => standing('partner.reinstated', options);
export const partnerTerminated = (options: StandingOptions = {}): PartnerStandingChanged => standing('partner.terminated', options);

export interface PayoutOptions extends Common {
  /** default `2026-01:p1:USD` */
  payoutId?: string;
}

export function payoutPaid(options: PayoutOptions & { reference?: string | null } = {}): PayoutPaid {
  const event = base(options, 'payments');
  return { ...event, type: 'payout.paid', payoutId: options.payoutId ?? '2026-01:p1:USD', reference: options.reference ?? null };
}

export function payoutFailed(options: PayoutOptions & { reason?: string } = {}): PayoutFailed {
  const event = base(options, 'payments');
  return { ...event, type: 'payout.failed', payoutId: options.payoutId ?? '2026-01:p1:USD', reason: options.reason ?? 'payment failed' };
}
