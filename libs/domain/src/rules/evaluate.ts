import { CustomerSignedUp, InputEvent, Refunded, ReferralSubmitted, UsageBilled } from '../events/input-event';
import { sortEvents } from '../events/order';
import { Program } from '../program/program';
import { attribute, SubmissionVerdict } from './attribution';
import { commissionAmounts, countBilling, CustomerBilling, qualify } from './commission';
import { Anomaly, Evaluation, ExpectedAmount, ReferralOutcome } from './evaluation';

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * The whole program as one pure function: the SET of events and the clock in, every referral's status and
 * every amount the ledger must hold out. Arrival order and repeated events make no difference.
 */
export function evaluate(events: Iterable<InputEvent>, now: number, program: Program): Evaluation {
  // the first of each (source, id), without building a key string per event (a 10,000-line component is re-read
  // on every late line): one map by id holds the first source seen; an id from a second source (rare) is keyed
  // by both
  const sourceById = new Map<string, string>();
  let bySourceAndId: Set<string> | null = null;
  const unique: InputEvent[] = [];
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
  const sorted = sortEvents(unique);

  const submissions: ReferralSubmitted[] = [];
  const signups: CustomerSignedUp[] = [];
  const firstActivation = new Map<string, number>();
  const lines = new Map<string, UsageBilled[]>();
  const refunds = new Map<string, Refunded[]>();
  for (const event of sorted) {
    switch (event.type) {
      case 'referral.submitted': submissions.push(event); break;
      case 'customer.signed_up': signups.push(event); break;
      case 'customer.activated': if (!firstActivation.has(event.customerId)) firstActivation.set(event.customerId, event.time); break;
      case 'billing.usage_billed': pushTo(lines, event.customerId, event); break;
      case 'billing.refunded': pushTo(refunds, event.customerId, event); break;
      default: { const never: never = event; throw new Error(`unknown event ${(never as InputEvent).type}`); }
    }
  }

  const anomalies: Anomaly[] = [];
  const { verdicts } = attribute(submissions, signups, program, anomalies);
  const billing = new Map<string, CustomerBilling>();
  for (const customerId of new Set([...lines.keys(), ...refunds.keys()])) {
    billing.set(customerId, countBilling(lines.get(customerId) ?? [], refunds.get(customerId) ?? [], anomalies));
  }

  const referrals: ReferralOutcome[] = [];
  const amounts: ExpectedAmount[] = [];
  for (const verdict of verdicts) {
    const outcome = decideReferral(verdict, firstActivation, billing, now, program);
    referrals.push(outcome.referral);
    amounts.push(...outcome.amounts);
  }
  return { referrals, amounts, anomalies };
}

function decideReferral(
  verdict: SubmissionVerdict,
  firstActivation: ReadonlyMap<string, number>,
  billing: ReadonlyMap<string, CustomerBilling>,
  now: number,
  program: Program,
): { referral: ReferralOutcome; amounts: ExpectedAmount[] } {
  const { submission, rejection, claimedBy } = verdict;
  const referral: ReferralOutcome = {
    referralId: submission.referralId,
    partnerId: submission.partnerId,
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
  return done(commissionAmounts(ref, customerBilling, qualification, program));
}
