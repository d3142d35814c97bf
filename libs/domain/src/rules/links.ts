import { CustomerSignedUp, InputEvent, ReferralSubmitted } from '../events/input-event';

/**
 * A key under which events are listed, and through which they link. Attribution (CONTRACT §4, "Submissions" and
 * "Signups") is decided over a **family**: the submissions and signups that share, directly or through each other,
 * a referral id (a submission's own, a signup's referralCode), a non-generic domain, or a customer (repeated
 * signups). A customer's other events (activations, usage lines, refunds) only change the referral that customer
 * claimed: they are listed under its **facts** key and link nothing.
 *
 * `r:<referralId>` submissions of that id · `k:<referralId>` signups naming it as their code · `d:<domain>`
 * submissions and signups of that non-generic domain · `s:<customerId>` that customer's signups ·
 * `c:<customerId>` that customer's facts.
 */
export type LinkKey = string;

export type AttributionEvent = ReferralSubmitted | CustomerSignedUp;

export const referralKey = (referralId: string): LinkKey => `r:${referralId}`;
export const codeKey = (referralId: string): LinkKey => `k:${referralId}`;
export const domainKey = (domain: string): LinkKey => `d:${domain}`;
export const signupsKey = (customerId: string): LinkKey => `s:${customerId}`;
export const factsKey = (customerId: string): LinkKey => `c:${customerId}`;

export function isAttributionEvent(event: InputEvent): event is AttributionEvent {
  return event.type === 'referral.submitted' || event.type === 'customer.signed_up';
}

/** The keys whose lists hold this event. */
export function listedUnder(event: InputEvent, isGeneric: (domain: string) => boolean): LinkKey[] {
  switch (event.type) {
    case 'referral.submitted':
      return isGeneric(event.prospectDomain) ? [referralKey(event.referralId)] : [referralKey(event.referralId), domainKey(event.prospectDomain)];
    case 'customer.signed_up': {
      const keys = [signupsKey(event.customerId)];
      if (event.referralCode !== null) keys.push(codeKey(event.referralCode));
      if (!isGeneric(event.emailDomain)) keys.push(domainKey(event.emailDomain));
      return keys;
    }
    default:
      return [factsKey(event.customerId)];
  }
}

/** The keys a family walk follows from this event: its own, and for a referral id both its submissions and the signups naming it. */
export function familyLinks(event: AttributionEvent, isGeneric: (domain: string) => boolean): LinkKey[] {
  const keys = listedUnder(event, isGeneric);
  if (event.type === 'referral.submitted') keys.push(codeKey(event.referralId));
  else if (event.referralCode !== null) keys.push(referralKey(event.referralCode));
  return keys;
}

/** What a set of new events can change: the families they join, and the customers whose facts they add to. */
export interface Touched {
  familyKeys: Set<LinkKey>;
  customers: Set<string>;
}

export function touchedBy(events: Iterable<InputEvent>, isGeneric: (domain: string) => boolean): Touched {
  const touched: Touched = { familyKeys: new Set(), customers: new Set() };
  for (const event of events) {
    if (isAttributionEvent(event)) for (const key of familyLinks(event, isGeneric)) touched.familyKeys.add(key);
    else touched.customers.add(event.customerId);
  }
  return touched;
}
