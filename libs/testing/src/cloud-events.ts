import { TOPICS } from '@engine/contracts';
import { ScenarioMessage } from './scenario';

let sequence = 0;
const nextId = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++sequence}`;

/** A data field given as undefined is left out of the JSON, as an upstream that names none writes it. */
function message(topic: string, key: string, type: string, source: string, time: string, data: Record<string, unknown>, id?: string): ScenarioMessage {
  return { topic, key, value: JSON.stringify({ specversion: '1.0', id: id ?? nextId('ev'), source, type, time, data }) };
}

interface PartnerStandingOptions {
  partnerId: string;
  time: string;
  reason?: string | null;
  id?: string;
}

function standing(type: 'partner.suspended' | 'partner.reinstated' | 'partner.terminated', o: PartnerStandingOptions): ScenarioMessage {
  return message(TOPICS.partners, o.partnerId, type, 'partner-admin', o.time, { partnerId: o.partnerId, reason: o.reason }, o.id);
}

/** Builders of input messages exactly as upstream systems publish them (CONTRACT §2). */
export const cloudEvents = {
  submitted: (o: { referralId: string; partnerId: string; domain: string; time: string; partnerDomain?: string; region?: string | null; channel?: string; id?: string }) =>
    message(TOPICS.referrals, o.referralId, 'referral.submitted', 'partner-portal', o.time, {
      referralId: o.referralId, partnerId: o.partnerId, partnerDomain: o.partnerDomain ?? `${o.partnerId.toLowerCase()}.partner.example`,
      prospect: { companyName: `Company of ${o.domain}`, emailDomain: o.domain, region: o.region }, channel: o.channel ?? 'partner_portal',
    }, o.id),
  signedUp: (o: { customerId: string; domain: string; time: string; referralCode?: string | null; priorAccount?: boolean; id?: string }) =>
    message(TOPICS.lifecycle, o.customerId, 'customer.signed_up', 'accounts', o.time, {
      customerId: o.customerId, emailDomain: o.domain, referralCode: o.referralCode ?? null, priorAccount: o.priorAccount ?? false,
    }, o.id),
  activated: (o: { customerId: string; time: string; id?: string }) =>
    message(TOPICS.lifecycle, o.customerId, 'customer.activated', 'accounts', o.time, { customerId: o.customerId }, o.id),
  usage: (o: { customerId: string; invoiceLineId: string; amount: string; currency?: string; time: string; productCode?: string; id?: string }) =>
    message(TOPICS.billing, o.customerId, 'billing.usage_billed', 'billing', o.time, {
      customerId: o.customerId, invoiceLineId: o.invoiceLineId, productCode: o.productCode ?? 'ecs.compute', amount: o.amount, currency: o.currency ?? 'USD',
    }, o.id),
  refunded: (o: { customerId: string; refundId: string; invoiceLineId: string; amount: string; currency?: string; time: string; id?: string }) =>
    message(TOPICS.billing, o.customerId, 'billing.refunded', 'billing', o.time, {
      customerId: o.customerId, refundId: o.refundId, invoiceLineId: o.invoiceLineId, amount: o.amount, currency: o.currency ?? 'USD',
    }, o.id),
  partnerApproved: (o: { partnerId: string; time: string; group?: string | null; id?: string }) =>
    message(TOPICS.partners, o.partnerId, 'partner.approved', 'partner-admin', o.time, { partnerId: o.partnerId, group: o.group }, o.id),
  partnerGroupChanged: (o: { partnerId: string; group: string; time: string; id?: string }) =>
    message(TOPICS.partners, o.partnerId, 'partner.group_changed', 'partner-admin', o.time, { partnerId: o.partnerId, group: o.group }, o.id),
  partnerSuspended: (o: PartnerStandingOptions) => standing('partner.suspended', o),
  partnerReinstated: (o: PartnerStandingOptions) => standing('partner.reinstated', o),
  partnerTerminated: (o: PartnerStandingOptions) => standing('partner.terminated', o),
  payoutPaid: (o: { payoutId: string; time: string; reference?: string | null; id?: string }) =>
    message(TOPICS.payouts, o.payoutId, 'payout.paid', 'payments', o.time, { payoutId: o.payoutId, reference: o.reference }, o.id),
  payoutFailed: (o: { payoutId: string; time: string; reason: string; id?: string }) =>
    message(TOPICS.payouts, o.payoutId, 'payout.failed', 'payments', o.time, { payoutId: o.payoutId, reason: o.reason }, o.id),
};
