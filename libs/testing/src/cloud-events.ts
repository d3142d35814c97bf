import { TOPICS } from '@engine/contracts';
import { ScenarioMessage } from './scenario';

let sequence = 0;
const nextId = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++sequence}`;

function message(topic: string, key: string, type: string, source: string, time: string, data: Record<string, unknown>, id?: string): ScenarioMessage {
  return { topic, key, value: JSON.stringify({ specversion: '1.0', id: id ?? nextId('ev'), source, type, time, data }) };
}

/** Builders of input messages exactly as upstream systems publish them (CONTRACT §2). */
export const cloudEvents = {
  submitted: (o: { referralId: string; partnerId: string; domain: string; time: string; partnerDomain?: string; channel?: string; id?: string }) =>
    message(TOPICS.referrals, o.referralId, 'referral.submitted', 'partner-portal', o.time, {
      referralId: o.referralId, partnerId: o.partnerId, partnerDomain: o.partnerDomain ?? `${o.partnerId.toLowerCase()}.partner.example`,
      prospect: { companyName: `Company of ${o.domain}`, emailDomain: o.domain }, channel: o.channel ?? 'partner_portal',
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
};
