import { ReferralOutcome } from '../rules/evaluation';
import { ReferralStatus, StatusReason } from './referral-status';

/** A referral as last written: the rules' outcome plus the counters of what was published about it. */
export interface StoredReferral extends ReferralOutcome {
  sequence: number;
  qualifiedVersion: number;
}

export interface ReferralWrite {
  outcome: ReferralOutcome;
  sequence: number;
  qualifiedVersion: number;
}

/** One entry of a referral's status history: a change of status, reason or partner (CONTRACT §7). */
export interface StatusChange {
  referralId: string;
  sequence: number;
  status: ReferralStatus;
  reason: StatusReason | null;
  previousStatus: ReferralStatus | null;
  partnerId: string;
  /** the partner before a takeover changed it (a late, earlier submission of the same referralId); null otherwise */
  previousPartnerId: string | null;
  changedAt: number;
}

export interface ReferralChanges {
  /** rows to write: every referral whose outcome differs in any field from what is stored */
  writes: ReferralWrite[];
  statusChanges: { outcome: ReferralOutcome; change: StatusChange }[];
  /** referrals (re)qualified, with the version of their qualification (1, then one more per change of it) */
  qualifications: { outcome: ReferralOutcome; version: number }[];
}

function sameQualification(stored: StoredReferral | undefined, outcome: ReferralOutcome): boolean {
  return (
    stored !== undefined &&
    stored.qualifiedAt === outcome.qualifiedAt &&
    stored.qualifyingCurrency === outcome.qualifyingCurrency &&
    stored.qualifyingSpend === outcome.qualifyingSpend
  );
}

function sameOutcome(stored: StoredReferral, outcome: ReferralOutcome): boolean {
  return (
    stored.status === outcome.status &&
    stored.reason === outcome.reason &&
    stored.partnerId === outcome.partnerId &&
    stored.programId === outcome.programId &&
    stored.programVersion === outcome.programVersion &&
    stored.submittedAt === outcome.submittedAt &&
    stored.customerId === outcome.customerId &&
    stored.signedUpAt === outcome.signedUpAt &&
    stored.activatedAt === outcome.activatedAt &&
    stored.expiresAt === outcome.expiresAt &&
    sameQualification(stored, outcome)
  );
}

/**
 * What changed between the stored referrals and the rules' outcomes: the rows to write (so that stored rows equal the
 * outcome in every field), one status change per change of status, reason or partner (sequence from 1 per referral),
 * and the qualifications to announce. `now` stamps the changes.
 */
export function diffReferrals(outcomes: readonly ReferralOutcome[], stored: ReadonlyMap<string, StoredReferral>, now: number): ReferralChanges {
  const changes: ReferralChanges = { writes: [], statusChanges: [], qualifications: [] };
  for (const outcome of outcomes) {
    const before = stored.get(outcome.referralId);
    if (before && sameOutcome(before, outcome)) continue;
    let sequence = before?.sequence ?? 0;
    let qualifiedVersion = before?.qualifiedVersion ?? 0;
    const partnerChanged = before !== undefined && before.partnerId !== outcome.partnerId;
    if (!before || before.status !== outcome.status || before.reason !== outcome.reason || partnerChanged) {
      sequence += 1;
      changes.statusChanges.push({
        outcome,
        change: {
          referralId: outcome.referralId, sequence, status: outcome.status, reason: outcome.reason, previousStatus: before?.status ?? null,
          partnerId: outcome.partnerId, previousPartnerId: partnerChanged ? before.partnerId : null, changedAt: now,
        },
      });
    }
    if (outcome.status === 'QUALIFIED' && (!sameQualification(before, outcome) || partnerChanged)) {
      qualifiedVersion += 1;
      changes.qualifications.push({ outcome, version: qualifiedVersion });
    }
    changes.writes.push({ outcome, sequence, qualifiedVersion });
  }
  return changes;
}
