import { CustomerSignedUp, ReferralSubmitted } from '../events/input-event';
import { isGenericDomain, Program } from '../program/program';
import { RejectionReason } from '../referral/referral-status';
import { Anomaly } from './evaluation';

export interface SubmissionVerdict {
  submission: ReferralSubmitted;
  rejection: RejectionReason | null;
  claimedBy: CustomerSignedUp | null;
}

function inWindow(time: number, start: number, windowMs: number): boolean {
  return time >= start && time < start + windowMs;
}

/**
 * Submissions and signups (CONTRACT §4, "Submissions" and "Signups").
 * Both inputs must be sorted in event order. Returns one verdict per counted referralId, in order.
 */
export function attribute(
  submissions: readonly ReferralSubmitted[],
  signups: readonly CustomerSignedUp[],
  program: Program,
  anomalies: Anomaly[],
): { verdicts: SubmissionVerdict[]; countedSignups: CustomerSignedUp[] } {
  // A customer's signup is its first customer.signed_up in order.
  const countedSignups: CustomerSignedUp[] = [];
  const seenCustomers = new Set<string>();
  const firstSignupByDomain = new Map<string, number>();
  for (const signup of signups) {
    if (seenCustomers.has(signup.customerId)) {
      anomalies.push({ code: 'REPEATED_SIGNUP', source: signup.source, eventId: signup.id, customerId: signup.customerId, referralId: null, detail: `customer ${signup.customerId} already signed up; ignored` });
      continue;
    }
    seenCustomers.add(signup.customerId);
    countedSignups.push(signup);
    if (!firstSignupByDomain.has(signup.emailDomain)) firstSignupByDomain.set(signup.emailDomain, signup.time);
  }

  const verdicts: SubmissionVerdict[] = [];
  const byReferralId = new Map<string, SubmissionVerdict>();
  const acceptedByDomain = new Map<string, SubmissionVerdict[]>();
  for (const submission of submissions) {
    if (byReferralId.has(submission.referralId)) {
      anomalies.push({ code: 'DUPLICATE_REFERRAL', source: submission.source, eventId: submission.id, customerId: null, referralId: submission.referralId, detail: `referralId ${submission.referralId} was already submitted; ignored` });
      continue;
    }
    const domain = submission.prospectDomain;
    const generic = isGenericDomain(program, domain);
    const accepted = acceptedByDomain.get(domain);
    let rejection: RejectionReason | null = null;
    if (program.excludedChannels.has(submission.channel)) rejection = 'EXCLUDED_CHANNEL';
    else if (domain === submission.partnerDomain) rejection = 'SELF_REFERRAL';
    else if (!generic && (firstSignupByDomain.get(domain) ?? Infinity) < submission.time) rejection = 'EXISTING_CUSTOMER';
    else if (!generic && accepted?.some((earlier) => submission.time < earlier.submission.time + program.attributionWindowMs)) rejection = 'DUPLICATE';
    const verdict: SubmissionVerdict = { submission, rejection, claimedBy: null };
    verdicts.push(verdict);
    byReferralId.set(submission.referralId, verdict);
    if (rejection === null && !generic) {
      if (accepted) accepted.push(verdict);
      else acceptedByDomain.set(domain, [verdict]);
    }
  }

  const claimable = (verdict: SubmissionVerdict | undefined, time: number): verdict is SubmissionVerdict =>
    verdict !== undefined && verdict.rejection === null && verdict.claimedBy === null && inWindow(time, verdict.submission.time, program.attributionWindowMs);

  for (const signup of countedSignups) {
    let claim: SubmissionVerdict | undefined;
    if (signup.referralCode !== null) {
      const named = byReferralId.get(signup.referralCode);
      if (claimable(named, signup.time)) claim = named;
    }
    if (!claim && !isGenericDomain(program, signup.emailDomain)) {
      claim = acceptedByDomain.get(signup.emailDomain)?.find((candidate) => claimable(candidate, signup.time));
    }
    if (claim) claim.claimedBy = signup;
  }
  return { verdicts, countedSignups };
}
