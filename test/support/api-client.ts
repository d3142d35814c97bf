import { ScenarioMessage } from '@engine/testing';

/** A response of the API under test, read whole. */
export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export interface ApiCall {
  key?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Real HTTP against the running engine (global fetch), with an optional `Authorization: Bearer <key>`. */
export function apiClient(baseUrl: () => string) {
  return async function call(method: string, path: string, options: ApiCall = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.key) headers.authorization = `Bearer ${options.key}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${baseUrl()}${path}`, { method, headers, body });
    const text = await response.text();
    let json: unknown = undefined;
    try {
      json = JSON.parse(text);
    } catch {
      // CSV or empty
    }
    return { status: response.status, headers: response.headers, text, json };
  };
}

let sequence = 0;

/** A CloudEvents 1.0 input message for harness.publish (topic by its contract name). */
export function cloudEvent(topic: string, key: string, source: string, type: string, time: string, data: Record<string, unknown>): ScenarioMessage {
  const id = `api-${process.pid}-${++sequence}`;
  return { topic, key, value: JSON.stringify({ specversion: '1.0', id, source, type, time, data }) };
}

export const events = {
  submitted: (referralId: string, partnerId: string, domain: string, time: string, channel = 'event') =>
    cloudEvent('partner.referrals.v1', referralId, 'partner-portal', 'referral.submitted', time, {
      referralId, partnerId, partnerDomain: `${partnerId.toLowerCase()}.partner.example`, prospect: { companyName: `Prospect ${domain}`, emailDomain: domain }, channel,
    }),
  signedUp: (customerId: string, domain: string, referralCode: string | null, time: string) =>
    cloudEvent('customer.lifecycle.v1', customerId, 'accounts', 'customer.signed_up', time, { customerId, emailDomain: domain, referralCode, priorAccount: false }),
  activated: (customerId: string, time: string) => cloudEvent('customer.lifecycle.v1', customerId, 'accounts', 'customer.activated', time, { customerId }),
  usage: (customerId: string, invoiceLineId: string, amount: string, currency: string, time: string, productCode = 'compute.vm') =>
    cloudEvent('billing.usage.v1', customerId, 'billing', 'billing.usage_billed', time, { customerId, invoiceLineId, productCode, amount, currency }),
};
