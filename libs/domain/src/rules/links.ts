import { CustomerSignedUp, InputEvent, ReferralSubmitted } from '../events/input-event';

/**
 * A key that links events. Attribution (CONTRACT §4, "Submissions" and "Signups") is decided over a **family**:
 * the submissions and signups that share, directly or through each other, a referral id (a submission's own, a
 * signup's referralCode), a non-generic domain, or a customer (repeated signups). A customer's other events
 * (activations, usage lines, refunds) only change the referral that customer claimed: they hang off its
 * **facts** key and never link families.
 *
 * `r:<referralId>` submissions of that id and signups naming it · `d:<domain>` submissions and signups of that
 * non-generic domain · `s:<customerId>` that customer's signups · `c:<customerId>` that customer's facts.
 */
export type LinkKey = string;

export type AttributionEvent = ReferralSubmitted | CustomerSignedUp;

export const referralKey = (referralId: string): LinkKey => `r:${referralId}`;
export const domainKey = (domain: string): LinkKey => `d:${domain}`;
export const signupsKey = (customerId: string): LinkKey => `s:${customerId}`;
export const factsKey = (customerId: string): LinkKey => `c:${customerId}`;

export function isAttributionEvent(event: InputEvent): event is AttributionEvent {
  return event.type === 'referral.submitted' || event.type === 'customer.signed_up';
}

/** The keys an event is listed under: the family links of a submission or signup, the facts key of anything else. */
export function linkKeys(event: InputEvent, isGeneric: (domain: string) => boolean): LinkKey[] {
  switch (event.type) {
    case 'referral.submitted':
      return isGeneric(event.prospectDomain) ? [referralKey(event.referralId)] : [referralKey(event.referralId), domainKey(event.prospectDomain)];
    case 'customer.signed_up': {
      const keys = [signupsKey(event.customerId)];
      if (event.referralCode !== null) keys.push(referralKey(event.referralCode));
      if (!isGeneric(event.emailDomain)) keys.push(domainKey(event.emailDomain));
      return keys;
    }
    default:
      return [factsKey(event.customerId)];
  }
}

/** What a set of new events can change: the families they join, and the customers whose facts they add to. */
export interface Touched {
  familyKeys: Set<LinkKey>;
  customers: Set<string>;
}

export function touchedBy(events: Iterable<InputEvent>, isGeneric: (domain: string) => boolean): Touched {
  const touched: Touched = { familyKeys: new Set(), customers: new Set() };
  for (const event of events) {
    if (isAttributionEvent(event)) for (const key of linkKeys(event, isGeneric)) touched.familyKeys.add(key);
    else touched.customers.add(event.customerId);
  }
  return touched;
}
