import { CustomerSignedUp, eventKey, InputEvent, isPartnerEvent, isPayoutOutcome, ReferralSubmitted } from '../events/input-event';

/**
 * A key under which events are listed, and through which they link. Attribution (CONTRACT §4, "Submissions" and
 * "Signups") is decided over a **family**: the submissions and signups that share, directly or through each other,
 * a referral id (a submission's own, a signup's referralCode), a non-generic domain, or a customer (repeated
 * signups). A customer's other events (activations, usage lines, refunds) only change the referral that customer
 * claimed: they are listed under its **facts** key and link nothing.
 *
 * A partner's events (CONTRACT §9) decide the standing and the binding of every submission of that partner: they are
 * listed under its **partner** key, and a new one re-decides the families of all the partner's submissions.
 *
 * A payout order's outcomes (CONTRACT §10) are listed under its **payout** key and link nothing: they are not rule
 * inputs of referrals.
 *
 * `r:<referralId>` submissions of that id · `k:<referralId>` signups naming it as their code · `d:<domain>`
 * submissions and signups of that non-generic domain · `s:<customerId>` that customer's signups ·
 * `c:<customerId>` that customer's facts · `p:<partnerId>` that partner's events · `m:<partnerId>` that partner's
 * submissions · `o:<payoutId>` that payout order's outcomes.
 */
export type LinkKey = string;

export type AttributionEvent = ReferralSubmitted | CustomerSignedUp;

export const referralKey = (referralId: string): LinkKey => `r:${referralId}`;
export const codeKey = (referralId: string): LinkKey => `k:${referralId}`;
export const domainKey = (domain: string): LinkKey => `d:${domain}`;
export const signupsKey = (customerId: string): LinkKey => `s:${customerId}`;
export const factsKey = (customerId: string): LinkKey => `c:${customerId}`;
export const partnerKey = (partnerId: string): LinkKey => `p:${partnerId}`;
export const submittedByKey = (partnerId: string): LinkKey => `m:${partnerId}`;
export const payoutKey = (payoutId: string): LinkKey => `o:${payoutId}`;

export function isAttributionEvent(event: InputEvent): event is AttributionEvent {
  return event.type === 'referral.submitted' || event.type === 'customer.signed_up';
}

/** The keys whose lists hold this event. */
export function listedUnder(event: InputEvent, isGeneric: (domain: string) => boolean): LinkKey[] {
  switch (event.type) {
    case 'referral.submitted': {
      const keys = familyLinks(event, isGeneric);
      keys[1] = submittedByKey(event.partnerId); // in place of the code key, which lists signups
      return keys;
    }
    case 'customer.signed_up':
      return familyLinks(event, isGeneric).slice(0, event.referralCode !== null ? -1 : undefined);
    case 'partner.approved': case 'partner.group_changed': case 'partner.suspended': case 'partner.reinstated': case 'partner.terminated':
      return [partnerKey(event.partnerId)];
    case 'payout.paid': case 'payout.failed':
      return [payoutKey(event.payoutId)];
    default:
      return [factsKey(event.customerId)];
  }
}

/**
 * The keys a family walk follows from this event: the referral id both ways (its submissions and the signups naming
 * it), the non-generic domain, the customer's signups. Not the partner's submissions: a family is not a partner's.
 */
export function familyLinks(event: AttributionEvent, isGeneric: (domain: string) => boolean): LinkKey[] {
  if (event.type === 'referral.submitted') {
    const keys = [referralKey(event.referralId), codeKey(event.referralId)];
    if (!isGeneric(event.prospectDomain)) keys.push(domainKey(event.prospectDomain));
    return keys;
  }
  const keys = [signupsKey(event.customerId)];
  if (!isGeneric(event.emailDomain)) keys.push(domainKey(event.emailDomain));
  if (event.referralCode !== null) keys.push(codeKey(event.referralCode), referralKey(event.referralCode));
  return keys;
}

/**
 * What a set of new events can change: the families they join, the customers whose facts they add to, and the payout
 * orders whose outcomes they report.
 */
export interface Touched {
  familyKeys: Set<LinkKey>;
  customers: Set<string>;
  /** payoutIds */
  payouts: Set<string>;
}

export function touchedBy(events: Iterable<InputEvent>, isGeneric: (domain: string) => boolean): Touched {
  const touched: Touched = { familyKeys: new Set(), customers: new Set(), payouts: new Set() };
  for (const event of events) {
    if (isAttributionEvent(event)) for (const key of familyLinks(event, isGeneric)) touched.familyKeys.add(key);
    else if (isPartnerEvent(event)) touched.familyKeys.add(submittedByKey(event.partnerId));
    else if (isPayoutOutcome(event)) touched.payouts.add(event.payoutId);
    else touched.customers.add(event.customerId);
  }
  return touched;
}

/**
 * Every stored submission and signup linked to `seeds`, directly or through each other: whole families, one `lookup`
 * per hop. `lookup` answers the events listed under each key it is given.
 */
export async function walkFamily(
  seeds: Iterable<LinkKey>,
  lookup: (keys: LinkKey[]) => Promise<ReadonlyMap<LinkKey, readonly InputEvent[]>>,
  isGeneric: (domain: string) => boolean,
): Promise<AttributionEvent[]> {
  const visited = new Set<LinkKey>();
  const found = new Map<string, AttributionEvent>();
  let frontier = [...new Set(seeds)];
  while (frontier.length > 0) {
    for (const key of frontier) visited.add(key);
    const listed = await lookup(frontier);
    const next = new Set<LinkKey>();
    for (const key of frontier) {
      for (const event of listed.get(key) ?? []) {
        if (!isAttributionEvent(event)) continue;
        const id = eventKey(event);
        if (found.has(id)) continue;
        found.set(id, event);
        for (const link of familyLinks(event, isGeneric)) if (!visited.has(link)) next.add(link);
      }
    }
    frontier = [...next];
  }
  return [...found.values()];
}
