import { parseRfc3339 } from './dto/rfc3339';

/**
 * Hot-path pre-checks that mirror the class-validator DTOs (dto/*.ts) for the common, valid message.
 * They only ever say "surely valid": anything else goes through class-validator, which stays the authority
 * and writes the error message (fast-validation.spec.ts checks the two agree).
 */
const str = (v: unknown, max: number) => typeof v === 'string' && v.length > 0 && v.length <= max;
const optionalStr = (v: unknown, max: number) => v === undefined || v === null || (typeof v === 'string' && v.length <= max);
const optionalNonEmpty = (v: unknown, max: number) => v === undefined || v === null || str(v, max);
const DOMAIN = /^[^\s@/]+$/;
const domain = (v: unknown) => str(v, 253) && DOMAIN.test(v as string);
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `time`: the envelope's time as parsed already by the caller (parsed here when not given). */
export function surelyValidEnvelope(json: Record<string, unknown>, time: number | null = typeof json.time === 'string' ? parseRfc3339(json.time) : null): boolean {
  return (
    json.specversion === '1.0' &&
    str(json.id, 256) &&
    str(json.source, 512) &&
    str(json.type, 256) &&
    typeof json.time === 'string' &&
    time !== null &&
    isPlainObject(json.data)
  );
}

export function surelyValidData(type: string, d: Record<string, unknown>): boolean {
  switch (type) {
    case 'referral.submitted': {
      const p = d.prospect;
      return (
        str(d.referralId, 200) && str(d.partnerId, 200) && domain(d.partnerDomain) && optionalStr(d.useCase, 2000) && str(d.channel, 100) &&
        isPlainObject(p) && str(p.companyName, 500) && domain(p.emailDomain) && optionalStr(p.contactEmail, 320) && optionalStr(p.region, 64)
      );
    }
    case 'customer.signed_up':
      return str(d.customerId, 200) && optionalStr(d.companyName, 500) && domain(d.emailDomain) && optionalNonEmpty(d.referralCode, 200) && typeof d.priorAccount === 'boolean';
    case 'customer.activated':
      return str(d.customerId, 200);
    case 'billing.usage_billed':
      return (
        str(d.customerId, 200) && str(d.invoiceLineId, 200) && str(d.productCode, 200) && str(d.amount, 64) && str(d.currency, 16) &&
        optionalStr(d.periodStart, 64) && optionalStr(d.periodEnd, 64)
      );
    case 'billing.refunded':
      return str(d.customerId, 200) && str(d.refundId, 200) && str(d.invoiceLineId, 200) && str(d.amount, 64) && str(d.currency, 16);
    case 'partner.approved':
      return str(d.partnerId, 200) && optionalNonEmpty(d.group, 64);
    case 'partner.group_changed':
      return str(d.partnerId, 200) && str(d.group, 64);
    case 'partner.suspended':
    case 'partner.reinstated':
    case 'partner.terminated':
      return str(d.partnerId, 200) && optionalStr(d.reason, 1000);
    case 'payout.paid':
      return str(d.payoutId, 200) && optionalStr(d.reference, 200);
    case 'payout.failed':
      return str(d.payoutId, 200) && str(d.reason, 1000);
    default:
      return false;
  }
}
