import { ENGINE_SOURCE, Topics } from '@engine/contracts';
import { formatAmount, isoTimestamp, PayoutOrder, ReferralOutcome, StatusChange } from '@engine/domain';
import { LedgerEntry, OutboxMessage, PayoutStatusChange } from '@engine/persistence';

/** CloudEvents 1.0 (structured JSON) published by the engine, CONTRACT §7. Ids are stable: derived from what they describe. */
function cloudEvent(id: string, type: string, time: number, data: Record<string, unknown>): object {
  return {
    specversion: '1.0',
    id,
    source: ENGINE_SOURCE,
    type,
    time: isoTimestamp(time),
    datacontenttype: 'application/json',
    data,
  };
}

export function statusChangedMessage(outcome: ReferralOutcome, change: StatusChange, topics: Topics): OutboxMessage {
  const eventId = `referral-status:${change.referralId}:${change.sequence}`;
  return {
    eventId,
    topic: topics.status,
    key: change.referralId,
    event: cloudEvent(eventId, 'referral.status_changed', change.changedAt, {
      referralId: change.referralId,
      partnerId: change.partnerId,
      customerId: outcome.customerId,
      status: change.status,
      previousStatus: change.previousStatus,
      reason: change.reason,
      sequence: change.sequence,
      ...(change.previousPartnerId !== null ? { previousPartnerId: change.previousPartnerId } : {}),
    }),
  };
}

export function qualifiedMessage(outcome: ReferralOutcome, version: number, now: number, topics: Topics): OutboxMessage {
  const eventId = `referral-qualified:${outcome.referralId}:${version}`;
  return {
    eventId,
    topic: topics.qualified,
    key: outcome.referralId,
    event: cloudEvent(eventId, 'referral.qualified', now, {
      referralId: outcome.referralId,
      partnerId: outcome.partnerId,
      customerId: outcome.customerId,
      qualifiedAt: isoTimestamp(outcome.qualifiedAt!),
      currency: outcome.qualifyingCurrency,
      qualifyingSpend: formatAmount(outcome.qualifyingSpend!, outcome.qualifyingCurrency!),
    }),
  };
}

export function accruedMessage(entry: LedgerEntry, topics: Topics): OutboxMessage {
  const eventId = `ledger-entry:${entry.entryId}`;
  return {
    eventId,
    topic: topics.accrued,
    key: entry.partnerId,
    event: cloudEvent(eventId, 'commission.accrued', entry.createdAt, {
      entryId: entry.entryId,
      referralId: entry.referralId,
      partnerId: entry.partnerId,
      customerId: entry.customerId,
      type: entry.type,
      amount: formatAmount(entry.amount, entry.currency),
      currency: entry.currency,
      effectiveAt: isoTimestamp(entry.effectiveAt),
      effectivePeriod: entry.effectivePeriod,
      bookedPeriod: entry.bookedPeriod,
      sourceEventId: entry.sourceEventId,
      programId: entry.programId,
      programVersion: entry.programVersion,
      releaseAt: isoTimestamp(entry.releaseAt),
    }),
  };
}

export function payoutStatusMessage(order: PayoutOrder, change: PayoutStatusChange, topics: Topics): OutboxMessage {
  const eventId = `payout-status:${change.payoutId}:${change.sequence}`;
  return {
    eventId,
    topic: topics.payoutStatus,
    key: order.partnerId,
    event: cloudEvent(eventId, 'payout.status_changed', change.changedAt, {
      payoutId: order.payoutId,
      partnerId: order.partnerId,
      currency: order.currency,
      period: order.period,
      amount: formatAmount(order.amount, order.currency),
      status: change.status,
      previousStatus: change.previousStatus,
      ...(change.reason !== null ? { reason: change.reason } : {}),
      sequence: change.sequence,
    }),
  };
}
