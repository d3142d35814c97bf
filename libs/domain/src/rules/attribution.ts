import { CustomerSignedUp, ReferralSubmitted } from '../events/input-event';
import { isEligible, PartnerStanding, PartnerTimeline, standingAt } from '../partners/partner-standing';
import { Binding, bindSubmission } from '../program/binding';
import { isGenericDomain, Rules } from '../program/rules';
import { RejectionReason } from '../referral/referral-status';
import { Anomaly } from './evaluation';

export interface SubmissionVerdict {
  submission: ReferralSubmitted;
  /** the partner's standing at the submission's time (rule 0; its group chose the binding) */
  partner: PartnerStanding;
  binding: Binding;
  rejection: RejectionReason | null;
  /** what a rejection rests on: the earlier accepted submission (DUPLICATE) or the earlier signup (EXISTING_CUSTOMER) */
  rejectedFor: ReferralSubmitted | CustomerSignedUp | null;
  claimedBy: CustomerSignedUp | null;
  /** how the claim was made: the signup named the referral (`code`) or shares its prospect's domain (`domain`) */
  claimedVia: 'code' | 'domain' | null;
}

function inWindow(time: number, start: number, windowMs: number): boolean {
  return time >= start && time < start + windowMs;
}

/** The verdict of a submission before the domain rules: its partner's standing and its binding (CONTRACT §8, §9). */
export function boundSubmission(submission: ReferralSubmitted, partners: ReadonlyMap<string, PartnerTimeline>, rules: Rules): SubmissionVerdict {
  const partner = standingAt(partners.get(submission.partnerId), submission.time);
  const binding = bindSubmission(rules.catalogue, submission.region, partner.group, submission.time);
  return { submission, partner, binding, rejection: null, rejectedFor: null, claimedBy: null, claimedVia: null };
}

/**
 * Submissions and signups (CONTRACT §4, "Submissions" and "Signups"), each submission under the terms it is bound to.
 * Both inputs must be sorted in event order. Returns one verdict per counted referralId, in order.
 */
export function attribute(
  submissions: readonly ReferralSubmitted[],
  signups: readonly CustomerSignedUp[],
  partners: ReadonlyMap<string, PartnerTimeline>,
  rules: Rules,
  anomalies: Anomaly[],
): { verdicts: SubmissionVerdict[]; countedSignups: CustomerSignedUp[] } {
  // A customer's signup is its first customer.signed_up in order.
  const countedSignups: CustomerSignedUp[] = [];
  const seenCustomers = new Set<string>();
  const firstSignupByDomain = new Map<string, CustomerSignedUp>();
  for (const signup of signups) {
    if (seenCustomers.has(signup.customerId)) {
      anomalies.push({ code: 'REPEATED_SIGNUP', source: signup.source, eventId: signup.id, customerId: signup.customerId, referralId: null, detail: `customer ${signup.customerId} already signed up; ignored` });
      continue;
    }
    seenCustomers.add(signup.customerId);
    countedSignups.push(signup);
    if (!firstSignupByDomain.has(signup.emailDomain)) firstSignupByDomain.set(signup.emailDomain, signup);
  }

  const verdicts: SubmissionVerdict[] = [];
  const byReferralId = new Map<string, SubmissionVerdict>();
  const acceptedByDomain = new Map<string, SubmissionVerdict[]>();
  for (const submission of submissions) {
    if (byReferralId.has(submission.referralId)) {
      anomalies.push({ code: 'DUPLICATE_REFERRAL', source: submission.source, eventId: submission.id, customerId: null, referralId: submission.referralId, detail: `referralId ${submission.referralId} was already submitted; ignored` });
      continue;
    }
    const verdict = boundSubmission(submission, partners, rules);
    const terms = verdict.binding.terms;
    const domain = submission.prospectDomain;
    const generic = isGenericDomain(rules, domain);
    const accepted = acceptedByDomain.get(domain);
    const firstSignup = generic ? undefined : firstSignupByDomain.get(domain);
    // rule 4 uses the earlier submission's own attribution window
    const earlier = generic ? undefined : accepted?.find((e) => submission.time < e.submission.time + e.binding.terms.attributionWindowMs);
    if (!isEligible(verdict.partner, rules.partnerEnrollment)) verdict.rejection = 'PARTNER_NOT_ELIGIBLE';
    else if (terms.excludedChannels.has(submission.channel)) verdict.rejection = 'EXCLUDED_CHANNEL';
    else if (domain === submission.partnerDomain) verdict.rejection = 'SELF_REFERRAL';
    else if (firstSignup && firstSignup.time < submission.time) {
      verdict.rejection = 'EXISTING_CUSTOMER';
      verdict.rejectedFor = firstSignup;
    } else if (earlier) {
      verdict.rejection = 'DUPLICATE';
      verdict.rejectedFor = earlier.submission;
    }
    verdicts.push(verdict);
    byReferralId.set(submission.referralId, verdict);
    if (verdict.rejection === null && !generic) {
      if (accepted) accepted.push(verdict);
      else acceptedByDomain.set(domain, [verdict]);
    }
  }

  const claimable = (verdict: SubmissionVerdict | undefined, time: number): verdict is SubmissionVerdict =>
    verdict !== undefined && verdict.rejection === null && verdict.claimedBy === null && inWindow(time, verdict.submission.time, verdict.binding.terms.attributionWindowMs);

  for (const signup of countedSignups) {
    if (signup.referralCode !== null) {
      const named = byReferralId.get(signup.referralCode);
      if (claimable(named, signup.time)) {
        named.claimedBy = signup;
        named.claimedVia = 'code';
        continue;
      }
    }
    if (isGenericDomain(rules, signup.emailDomain)) continue;
    const byDomain = acceptedByDomain.get(signup.emailDomain)?.find((candidate) => claimable(candidate, signup.time));
    if (byDomain) {
      byDomain.claimedBy = signup;
      byDomain.claimedVia = 'domain';
    }
  }
  return { verdicts, countedSignups };
}
