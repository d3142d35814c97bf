import { CustomerActivated, eventKey, InputEvent, UsageBilled } from '../events/input-event';
import { sortEvents } from '../events/order';
import { Currency } from '../money/currency';
import { formatAmount } from '../money/decimal';
import { PartnerTimeline } from '../partners/partner-standing';
import { PassedOverReason } from '../program/binding';
import { ProgramTerms } from '../program/terms';
import { Rules } from '../program/rules';
import { isoTimestamp as isoOf } from '../time/iso-timestamp';
import { attributeAll, decideReferrals } from '../rules/evaluate';
import { AmountType, ExpectedAmount, ReferralOutcome } from '../rules/evaluation';
import { SubmissionVerdict } from '../rules/attribution';
import { countBilling, qualify } from '../rules/commission';

/** An event a step rests on. */
export interface EventRef {
  source: string;
  id: string;
  type: string;
  time: number;
}

export type StepKind =
  | 'BINDING' | 'PARTNER' | 'SUBMISSION' | 'CLAIM' | 'ACTIVATION' | 'QUALIFICATION' | 'BONUS' | 'COMMISSION' | 'REVERSAL' | 'TERMINATION' | 'EXPIRY';

/** One step of a derivation: a sentence, the events it used and the terms it applied; amount steps carry their amount. */
export interface ExplanationStep {
  kind: StepKind;
  text: string;
  events: EventRef[];
  terms: Record<string, string>;
  amount: { type: AmountType; currency: Currency; minor: bigint; effectiveAt: number } | null;
}

/** How a referral's status and every amount the ledger holds for it follow from its events and terms (CONTRACT §8). */
export interface Explanation {
  referral: ReferralOutcome;
  steps: ExplanationStep[];
  /** the amounts of the steps, summed per currency: the referral's ledger total */
  totals: Partial<Record<Currency, bigint>>;
}

const ref = (e: InputEvent): EventRef => ({ source: e.source, id: e.id, type: e.type, time: e.time });
const days = (ms: number) => `${ms / 86_400_000} days`;
const percent = (bps: bigint) => `${Number(bps) / 100}%`;
const PASSED_OVER: Record<PassedOverReason, string> = {
  REGION_NOT_IN_SCOPE: 'its regions do not include the prospect\'s region',
  GROUP_NOT_IN_SCOPE: 'its partner groups do not include the partner\'s',
  NO_VERSION_YET: 'it had no version in force yet',
  RETIRED: 'its version in force is retired',
};

/**
 * The explanation of one referral from the same rules the ledger follows: `events` must hold the referral's family,
 * its claimant's facts and its partner's events (what the engine evaluates for it). Null when no event submitted it.
 */
export function explainReferral(referralId: string, events: Iterable<InputEvent>, now: number, rules: Rules): Explanation | null {
  const { verdicts, facts, partners } = attributeAll(events, rules);
  const verdict = verdicts.find((v) => v.submission.referralId === referralId);
  if (!verdict) return null;
  const evaluation = decideReferrals([verdict], facts, partners, now);
  const referral = evaluation.referrals[0];
  const factsById = new Map<string, InputEvent>();
  for (const fact of facts) if ((fact.type === 'billing.usage_billed' || fact.type === 'billing.refunded') && fact.customerId === referral.customerId) factsById.set(fact.id, fact);
  const steps = [
    ...attributionSteps(verdict, rules),
    ...lifecycleSteps(verdict, referral, facts, now),
    ...evaluation.amounts.map((amount) => amountStep(amount, verdict.binding.terms, factsById)),
    ...terminationSteps(partners.get(verdict.submission.partnerId), referral),
  ];
  const totals: Partial<Record<Currency, bigint>> = {};
  for (const step of steps) if (step.amount) totals[step.amount.currency] = (totals[step.amount.currency] ?? 0n) + step.amount.minor;
  return { referral, steps, totals };
}

function step(kind: StepKind, text: string, events: InputEvent[] = [], terms: Record<string, string> = {}): ExplanationStep {
  return { kind, text, events: events.map(ref), terms, amount: null };
}

function attributionSteps(verdict: SubmissionVerdict, rules: Rules): ExplanationStep[] {
  const { submission, binding, partner } = verdict;
  const steps: ExplanationStep[] = [];
  const passed = binding.passedOver.map((p) => `${p.programId} (priority ${p.priority}) was passed over: ${PASSED_OVER[p.reason]}`);
  steps.push(step(
    'BINDING',
    `Submission ${submission.referralId} of ${isoOf(submission.time)} by partner ${submission.partnerId} (group ${partner.group}, region ` +
      `${submission.region ?? 'none'}) is bound to program ${binding.programId} version ${binding.version}, in force from ${isoOf(binding.effectiveFrom)}` +
      `${passed.length > 0 ? `; ${passed.join('; ')}` : ''}.`,
    [submission],
    { programId: binding.programId, version: String(binding.version), priority: String(binding.priority) },
  ));
  const standing = partner.since ? `${partner.state} since ${isoOf(partner.since.time)}` : `${partner.state} (no partner event yet; enrollment is ${rules.partnerEnrollment})`;
  steps.push(step('PARTNER', `At the submission's time partner ${submission.partnerId} was ${standing}.`, partner.since ? [partner.since] : [], { partnerEnrollment: rules.partnerEnrollment }));
  const terms = binding.terms;
  switch (verdict.rejection) {
    case 'PARTNER_NOT_ELIGIBLE':
      steps.push(step('SUBMISSION', `Rejected (PARTNER_NOT_ELIGIBLE): the partner was not approved when it submitted.`, [submission]));
      break;
    case 'EXCLUDED_CHANNEL':
      steps.push(step('SUBMISSION', `Rejected (EXCLUDED_CHANNEL): channel ${submission.channel} is excluded by the program.`, [submission], { excludedChannels: [...terms.excludedChannels].join(',') }));
      break;
    case 'SELF_REFERRAL':
      steps.push(step('SUBMISSION', `Rejected (SELF_REFERRAL): the prospect's domain ${submission.prospectDomain} is the partner's own.`, [submission]));
      break;
    case 'EXISTING_CUSTOMER': {
      const signup = verdict.rejectedFor!;
      const who = signup.type === 'customer.signed_up' ? `customer ${signup.customerId}` : 'a customer';
      steps.push(step('SUBMISSION', `Rejected (EXISTING_CUSTOMER): ${who} of domain ${submission.prospectDomain} had signed up at ${isoOf(signup.time)} (event ${signup.id}), before the submission.`, [submission, signup]));
      break;
    }
    case 'DUPLICATE': {
      const earlier = verdict.rejectedFor!;
      steps.push(step('SUBMISSION', `Rejected (DUPLICATE): ${earlier.type === 'referral.submitted' ? earlier.referralId : earlier.id}, accepted earlier for domain ${submission.prospectDomain}, still held it within its attribution window.`, [submission, earlier]));
      break;
    }
    case null:
      steps.push(step('SUBMISSION', `Accepted: the channel is not excluded, the domain is not the partner's, no customer of the domain had signed up, and no earlier accepted submission held the domain.`, [submission]));
  }
  return steps;
}

function lifecycleSteps(verdict: SubmissionVerdict, referral: ReferralOutcome, facts: readonly InputEvent[], now: number): ExplanationStep[] {
  if (verdict.rejection) return [];
  const terms = verdict.binding.terms;
  const steps: ExplanationStep[] = [];
  const expiry = (text: string, deadline: number, events: InputEvent[]) => {
    const passed = now >= deadline;
    steps.push(step('EXPIRY', `${text} The deadline ${isoOf(deadline)} ${passed ? `had passed at ${isoOf(now)}: EXPIRED (${referral.reason})` : `is after ${isoOf(now)}: it can still happen`}.`, events, { expiryGraceDays: days(terms.expiryGraceMs) }));
  };
  const signup = verdict.claimedBy;
  if (!signup) {
    expiry(`No signup claimed it within the attribution window (${days(terms.attributionWindowMs)}).`, verdict.submission.time + terms.attributionWindowMs + terms.expiryGraceMs, [verdict.submission]);
    return steps;
  }
  steps.push(step(
    'CLAIM',
    `Customer ${signup.customerId} signed up at ${isoOf(signup.time)} and claimed it ${verdict.claimedVia === 'code' ? 'by naming it as its referral code' : `by its email domain ${signup.emailDomain}`}, within the attribution window of ${days(terms.attributionWindowMs)}` +
      `${signup.priorAccount ? '; the customer had a prior account: REJECTED (EXISTING_CUSTOMER)' : ''}.`,
    [signup],
    { attributionWindowDays: days(terms.attributionWindowMs) },
  ));
  if (signup.priorAccount) return steps;
  if (referral.activatedAt === null) {
    expiry(`No activation came within the activation window (${days(terms.activationWindowMs)}).`, signup.time + terms.activationWindowMs + terms.expiryGraceMs, [signup]);
    return steps;
  }
  const activation = sortEvents(facts.filter((e): e is CustomerActivated => e.type === 'customer.activated' && e.customerId === signup.customerId))[0];
  steps.push(step('ACTIVATION', `The customer activated at ${isoOf(activation.time)}, so the referral counts as activated from ${isoOf(referral.activatedAt)}.`, [activation], { activationWindowDays: days(terms.activationWindowMs) }));
  if (referral.qualifiedAt === null) {
    expiry(`Eligible spend did not reach a threshold within the qualification window (${days(terms.qualificationWindowMs)}).`, referral.activatedAt + terms.qualificationWindowMs + terms.expiryGraceMs, [activation]);
    return steps;
  }
  const currency = referral.qualifyingCurrency!;
  // the qualifying line as the rules find it: several lines may share its time and currency (an excluded product, a
  // repeated invoiceLineId, one earlier in order)
  const seen = new Set<string>();
  const lines = sortEvents(facts.filter((e): e is UsageBilled => {
    if (e.type !== 'billing.usage_billed' || e.customerId !== signup.customerId || seen.has(eventKey(e))) return false;
    seen.add(eventKey(e));
    return true;
  }));
  const line = qualify(countBilling(lines, [], []), referral.activatedAt, terms)?.line;
  steps.push(step(
    'QUALIFICATION',
    `Qualified at ${isoOf(referral.qualifiedAt)}: with line ${line?.invoiceLineId ?? '?'} the eligible ${currency} spend reached ${formatAmount(referral.qualifyingSpend!, currency)}, ` +
      `at least the threshold of ${formatAmount(terms.currencies[currency]!.qualificationThreshold, currency)}.`,
    line ? [line] : [],
    { qualificationThreshold: formatAmount(terms.currencies[currency]!.qualificationThreshold, currency), qualificationWindowDays: days(terms.qualificationWindowMs) },
  ));
  return steps;
}

function amountStep(amount: ExpectedAmount, terms: ProgramTerms, factsById: ReadonlyMap<string, InputEvent>): ExplanationStep {
  const f = (minor: bigint) => formatAmount(minor, amount.currency);
  const source = factsById.get(amount.sourceEventId);
  const events = source ? [ref(source)] : [];
  if (amount.basis?.kind === 'REFUND') {
    const line = factsById.get(amount.basis.lineEventId);
    if (line) events.push(ref(line));
  }
  const base = { events, amount: { type: amount.type, currency: amount.currency, minor: amount.amount, effectiveAt: amount.effectiveAt } };
  const basis = amount.basis;
  if (basis?.kind === 'USAGE') {
    const capped = basis.raw > basis.capLeft;
    return {
      ...base,
      kind: 'COMMISSION',
      text: `Commission on line ${source?.type === 'billing.usage_billed' ? source.invoiceLineId : amount.sourceEventId} of ${isoOf(amount.effectiveAt)}: spend before it ${f(basis.spendBefore)}; ${f(basis.below)} below the tier boundary at ` +
        `${percent(terms.baseRateBps)} and ${f(basis.above)} above at ${percent(terms.upperRateBps)} give ${f(basis.raw)} (rounded half to even)` +
        `${capped ? `, capped to the ${f(basis.capLeft)} left under the commission cap` : ''}: ${f(amount.amount)}.`,
      terms: { baseRate: percent(terms.baseRateBps), upperRate: percent(terms.upperRateBps), tierBoundary: f(terms.currencies[amount.currency]!.tierBoundary), commissionCap: f(terms.currencies[amount.currency]!.commissionCap) },
    };
  }
  if (basis?.kind === 'REFUND') {
    const limited = basis.raw > basis.commission - basis.reversedBefore;
    return {
      ...base,
      kind: 'REVERSAL',
      text: `Refund ${source?.type === 'billing.refunded' ? `${source.refundId} ` : ''}of ${f(basis.refunded)} on line ${source?.type === 'billing.refunded' ? source.invoiceLineId : basis.lineEventId} of ${f(basis.lineAmount)}, which earned ${f(basis.commission)}: reversal ${f(basis.raw)} (the same proportion, rounded)` +
        `${limited ? `, limited to the ${f(basis.commission - basis.reversedBefore)} not yet reversed` : ''}: ${f(amount.amount)}.`,
      terms: {},
    };
  }
  return { ...base, kind: 'BONUS', text: `Qualification bonus: ${f(amount.amount)} ${amount.currency}, effective at ${isoOf(amount.effectiveAt)}.`, terms: { bonus: f(terms.currencies[amount.currency]!.bonus) } };
}

function terminationSteps(timeline: PartnerTimeline | undefined, referral: ReferralOutcome): ExplanationStep[] {
  if (!timeline || timeline.terminatedAt === null) return [];
  const terminated = timeline.standings.at(-1)!.since!;
  const effect = referral.qualifiedAt === null ? 'nothing had been earned' : 'no bonus qualified from then on and no commission on lines from then on; reversals of earlier commissions still apply';
  return [step('TERMINATION', `Partner ${timeline.partnerId} was terminated at ${isoOf(timeline.terminatedAt)}: ${effect}.`, [terminated])];
}

/** The explanation as sentences a partner-support agent can paste into a reply, one numbered step per line. */
export function explanationText(explanation: Explanation): string {
  const { referral, steps, totals } = explanation;
  const status = `${referral.status}${referral.reason ? ` (${referral.reason})` : ''}`;
  const total = Object.entries(totals).map(([currency, minor]) => `${formatAmount(minor!, currency as Currency)} ${currency}`).join(', ') || 'nothing';
  return [
    `Referral ${referral.referralId} of partner ${referral.partnerId}: ${status} under program ${referral.programId} version ${referral.programVersion}; earned in total ${total}.`,
    ...steps.map((s, i) => `${i + 1}. ${s.text}`),
  ].join('\n') + '\n';
}
