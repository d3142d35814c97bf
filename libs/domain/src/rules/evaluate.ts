import { CustomerSignedUp, InputEvent, isPartnerEvent, PartnerEvent, Refunded, ReferralSubmitted, UsageBilled } from '../events/input-event';
import { sortEvents } from '../events/order';
import { PartnerTimeline, partnerTimelines } from '../partners/partner-standing';
import { Rules } from '../program/rules';
import { attribute, boundSubmission, SubmissionVerdict } from './attribution';
import { commissionAmounts, countBilling, CustomerBilling, qualify } from './commission';
import { Anomaly, Evaluation, ExpectedAmount, ReferralOutcome, ReferralProgram } from './evaluation';
import { AttributionEvent, isAttributionEvent } from './links';

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * The whole program as one pure function: the SET of events and the clock in, every referral's status and
 * every amount the ledger must hold out. Arrival order and repeated events make no difference.
 * The engine evaluates only what new events touch (`attributeFamily`, `claimedVerdict`, `decideReferrals`);
 * this composition of the same functions over everything is the reference it is tested against.
 */
export function evaluate(events: Iterable<InputEvent>, now: number, rules: Rules): Evaluation {
  const { verdicts, facts, partners, anomalies } = attributeAll(events, rules);
  const evaluation = decideReferrals(verdicts, facts, partners, now);
  evaluation.anomalies.unshift(...anomalies);
  return evaluation;
}

/** Attribution over every event: the verdicts, the other facts, the partners' timelines and the anomalies so far. */
export function attributeAll(events: Iterable<InputEvent>, rules: Rules): {
  verdicts: SubmissionVerdict[]; facts: InputEvent[]; partners: Map<string, PartnerTimeline>; anomalies: Anomaly[];
} {
  const attributionEvents: AttributionEvent[] = [];
  const partnerEvents: PartnerEvent[] = [];
  const facts: InputEvent[] = [];
  for (const event of events) {
    if (isAttributionEvent(event)) attributionEvents.push(event);
    else if (isPartnerEvent(event)) partnerEvents.push(event);
    else facts.push(event);
  }
  const anomalies: Anomaly[] = [];
  const partners = partnerTimelines(uniqueEvents(partnerEvents), anomalies);
  const family = attributeFamily(attributionEvents, partners, rules);
  anomalies.push(...family.anomalies);
  return { verdicts: family.verdicts, facts, partners, anomalies };
}

/**
 * Who submitted and who claimed (CONTRACT §4, "Submissions" and "Signups"), decided over complete families: every
 * stored submission and signup linked to the ones of interest (see `LinkKey`). One verdict per counted referralId.
 */
export function attributeFamily(
  events: Iterable<AttributionEvent>,
  partners: ReadonlyMap<string, PartnerTimeline>,
  rules: Rules,
): { verdicts: SubmissionVerdict[]; anomalies: Anomaly[] } {
  const submissions: ReferralSubmitted[] = [];
  const signups: CustomerSignedUp[] = [];
  for (const event of sortEvents(uniqueEvents(events))) {
    if (event.type === 'referral.submitted') submissions.push(event);
    else signups.push(event);
  }
  const anomalies: Anomaly[] = [];
  const { verdicts } = attribute(submissions, signups, partners, rules, anomalies);
  return { verdicts, anomalies };
}

/**
 * The verdict of a referral known to be claimed by a customer (its stored state says so, and that state is the rules'
 * result for the stored events): its counted submission (the first of its referralId) claimed by that customer's
 * counted signup (its first). Given every submission of the referralId and every signup of the customer.
 */
export function claimedVerdict(
  submissions: readonly ReferralSubmitted[],
  signups: readonly CustomerSignedUp[],
  partners: ReadonlyMap<string, PartnerTimeline>,
  rules: Rules,
): SubmissionVerdict {
  const [submission] = sortEvents(submissions);
  const [claimedBy] = sortEvents(signups);
  if (!submission || !claimedBy) throw new Error('a claimed referral needs its submission and its claimant\'s signup');
  const verdict = boundSubmission(submission, partners, rules);
  verdict.claimedBy = claimedBy;
  verdict.claimedVia = claimedBy.referralCode === submission.referralId ? 'code' : 'domain';
  return verdict;
}

/**
 * Each referral's status and amounts from its verdict and its claimant's facts (activations, usage lines and refunds
 * of the claiming customers; others are ignored). Billing anomalies are listed for the customers evaluated.
 */
export function decideReferrals(
  verdicts: readonly SubmissionVerdict[],
  facts: Iterable<InputEvent>,
  partners: ReadonlyMap<string, PartnerTimeline>,
  now: number,
): Evaluation {
  const firstActivation = new Map<string, number>();
  const lines = new Map<string, UsageBilled[]>();
  const refunds = new Map<string, Refunded[]>();
  for (const event of sortEvents(uniqueEvents(facts))) {
    switch (event.type) {
      case 'customer.activated': if (!firstActivation.has(event.customerId)) firstActivation.set(event.customerId, event.time); break;
      case 'billing.usage_billed': pushTo(lines, event.customerId, event); break;
      case 'billing.refunded': pushTo(refunds, event.customerId, event); break;
      case 'referral.submitted': case 'customer.signed_up': break; // attribution: decided before
      case 'partner.approved': case 'partner.group_changed': case 'partner.suspended': case 'partner.reinstated': case 'partner.terminated': break; // in `partners`
      case 'payout.paid': case 'payout.failed': break; // not rule inputs of referrals
      default: { const never: never = event; throw new Error(`unknown event ${(never as InputEvent).type}`); }
    }
  }
  const anomalies: Anomaly[] = [];
  const billing = new Map<string, CustomerBilling>();
  for (const customerId of new Set([...lines.keys(), ...refunds.keys()])) {
    billing.set(customerId, countBilling(lines.get(customerId) ?? [], refunds.get(customerId) ?? [], anomalies));
  }
  const referrals: ReferralOutcome[] = [];
  const amounts: ExpectedAmount[] = [];
  const programs = new Map<string, ReferralProgram>();
  for (const verdict of verdicts) {
    const terminatedAt = partners.get(verdict.submission.partnerId)?.terminatedAt ?? null;
    const outcome = decideReferral(verdict, firstActivation, billing, terminatedAt, now);
    referrals.push(outcome.referral);
    amounts.push(...outcome.amounts);
    const { programId, version, terms } = verdict.binding;
    programs.set(outcome.referral.referralId, { programId, programVersion: version, holdingPeriodMs: terms.holdingPeriodMs });
  }
  return { referrals, amounts, anomalies, programs };
}

/**
 * The first of each (source, id), without building a key string per event (a 10,000-line customer is re-read on a
 * late line): one map by id holds the first source seen; an id from a second source (rare) is keyed by both.
 */
function uniqueEvents<T extends InputEvent>(events: Iterable<T>): T[] {
  const sourceById = new Map<string, string>();
  let bySourceAndId: Set<string> | null = null;
  const unique: T[] = [];
  for (const event of events) {
    const source = sourceById.get(event.id);
    if (source === undefined) sourceById.set(event.id, event.source);
    else if (source === event.source) continue;
    else {
      const key = `${event.source}\u0000${event.id}`;
      if ((bySourceAndId ??= new Set()).has(key)) continue;
      bySourceAndId.add(key);
    }
    unique.push(event);
  }
  return unique;
}

function decideReferral(
  verdict: SubmissionVerdict,
  firstActivation: ReadonlyMap<string, number>,
  billing: ReadonlyMap<string, CustomerBilling>,
  terminatedAt: number | null,
  now: number,
): { referral: ReferralOutcome; amounts: ExpectedAmount[] } {
  const { submission, rejection, claimedBy } = verdict;
  const program = verdict.binding.terms;
  const referral: ReferralOutcome = {
    referralId: submission.referralId,
    partnerId: submission.partnerId,
    programId: verdict.binding.programId,
    programVersion: verdict.binding.version,
    customerId: null,
    status: 'SUBMITTED',
    reason: null,
    submittedAt: submission.time,
    signedUpAt: null,
    activatedAt: null,
    qualifiedAt: null,
    qualifyingCurrency: null,
    qualifyingSpend: null,
    expiresAt: null,
  };
  const done = (amounts: ExpectedAmount[] = []) => ({ referral, amounts });
  const expireAt = (deadline: number, reason: 'NO_SIGNUP' | 'NO_ACTIVATION' | 'NOT_QUALIFIED') => {
    if (now >= deadline) {
      referral.status = 'EXPIRED';
      referral.reason = reason;
    } else {
      referral.expiresAt = deadline;
    }
    return done();
  };

  if (rejection) {
    referral.status = 'REJECTED';
    referral.reason = rejection;
    return done();
  }
  if (!claimedBy) return expireAt(submission.time + program.attributionWindowMs + program.expiryGraceMs, 'NO_SIGNUP');

  referral.customerId = claimedBy.customerId;
  referral.signedUpAt = claimedBy.time;
  if (claimedBy.priorAccount) {
    referral.status = 'REJECTED';
    referral.reason = 'EXISTING_CUSTOMER';
    return done();
  }
  referral.status = 'SIGNED_UP';
  const activation = firstActivation.get(claimedBy.customerId);
  if (activation === undefined || activation >= claimedBy.time + program.activationWindowMs) {
    return expireAt(claimedBy.time + program.activationWindowMs + program.expiryGraceMs, 'NO_ACTIVATION');
  }

  const activatedAt = Math.max(claimedBy.time, activation);
  referral.status = 'ACTIVATED';
  referral.activatedAt = activatedAt;
  const customerBilling = billing.get(claimedBy.customerId) ?? { lines: [], refunds: [], linesById: new Map() };
  const qualification = qualify(customerBilling, activatedAt, program);
  if (!qualification) return expireAt(activatedAt + program.qualificationWindowMs + program.expiryGraceMs, 'NOT_QUALIFIED');

  referral.status = 'QUALIFIED';
  referral.qualifiedAt = qualification.qualifiedAt;
  referral.qualifyingCurrency = qualification.currency;
  referral.qualifyingSpend = qualification.qualifyingSpend;
  const ref = { referralId: referral.referralId, partnerId: referral.partnerId, customerId: claimedBy.customerId };
  return done(commissionAmounts(ref, customerBilling, qualification, program, terminatedAt));
}
