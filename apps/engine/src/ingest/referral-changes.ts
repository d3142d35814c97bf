import { Topics } from '@engine/contracts';
import { ReferralOutcome } from '@engine/domain';
import { OutboxMessage, ReferralWrite, StatusChange, StoredReferral } from '@engine/persistence';
import { qualifiedMessage, statusChangedMessage } from './output-events';

export interface ReferralChanges {
  writes: ReferralWrite[];
  history: StatusChange[];
  messages: OutboxMessage[];
}

function sameQualification(stored: StoredReferral | undefined, outcome: ReferralOutcome): boolean {
  return (
    stored !== undefined &&
    stored.qualifiedAt === outcome.qualifiedAt &&
    stored.qualifyingCurrency === outcome.qualifyingCurrency &&
    stored.qualifyingSpend === outcome.qualifyingSpend
  );
}

function sameState(stored: StoredReferral, outcome: ReferralOutcome): boolean {
  return (
    stored.status === outcome.status &&
    stored.reason === outcome.reason &&
    stored.customerId === outcome.customerId &&
    stored.signedUpAt === outcome.signedUpAt &&
    stored.activatedAt === outcome.activatedAt &&
    stored.expiresAt === outcome.expiresAt &&
    sameQualification(stored, outcome)
  );
}

/**
 * Compares recomputed outcomes with what is stored: which rows to write, which status changes to append
 * (one per change, sequence from 1) and which events to publish. Pure.
 */
export function diffReferrals(outcomes: ReferralOutcome[], stored: ReadonlyMap<string, StoredReferral>, now: number, topics: Topics): ReferralChanges {
  const changes: ReferralChanges = { writes: [], history: [], messages: [] };
  for (const outcome of outcomes) {
    const before = stored.get(outcome.referralId);
    if (before && sameState(before, outcome)) continue;
    let sequence = before?.sequence ?? 0;
    let qualifiedVersion = before?.qualifiedVersion ?? 0;
    if (!before || before.status !== outcome.status || before.reason !== outcome.reason) {
      sequence += 1;
      const change: StatusChange = {
        referralId: outcome.referralId,
        sequence,
        status: outcome.status,
        reason: outcome.reason,
        previousStatus: before?.status ?? null,
        changedAt: now,
      };
      changes.history.push(change);
      changes.messages.push(statusChangedMessage(outcome, change, topics));
    }
    if (outcome.status === 'QUALIFIED' && !sameQualification(before, outcome)) {
      qualifiedVersion += 1;
      changes.messages.push(qualifiedMessage(outcome, qualifiedVersion, now, topics));
    }
    changes.writes.push({ outcome, sequence, qualifiedVersion });
  }
  return changes;
}
