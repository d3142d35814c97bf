import { nextPeriod, Period, periodEnd, periodsFrom } from './period';

/** What the close of a period (CONTRACT §5) is decided from: read under the rule-state lock, at one instant. */
export interface CloseFacts {
  /** the engine clock, epoch ms */
  now: number;
  /** every closed period */
  closed: ReadonlySet<Period>;
  /** the open periods before the requested one that have booked entries, ascending */
  openWithEntriesBefore: readonly Period[];
  /** the first period with booked entries, or null for an empty ledger */
  earliestWithEntries: Period | null;
}

export type CloseRefusal =
  | { reason: 'PERIOD_NOT_ENDED' }
  /** a later period is already closed: `closedPeriod` is the latest closed one */
  | { reason: 'PERIOD_BEFORE_CLOSED'; closedPeriod: Period }
  | { reason: 'EARLIER_PERIOD_OPEN'; openPeriods: Period[] };

export type ClosePlan =
  /** already closed: its stored statements are the answer */
  | { outcome: 'closed' }
  | ({ outcome: 'refused' } & CloseRefusal)
  /** close these periods, ascending and contiguous, ending with the requested one, in one transaction */
  | { outcome: 'close'; periods: Period[] };

/**
 * How a close of `period` goes (CONTRACT §5). Periods close in order, so the closed periods always form one
 * contiguous run and every open period lies after it:
 * - a closed period is answered with its stored statements;
 * - an open period before a closed one is refused (PERIOD_BEFORE_CLOSED). Closing it would leave an open month
 *   behind a closed one; an entry booked there later would open with no carried balance, and the next statement
 *   would open with the later period's carried amount, dropping it from the chain;
 * - a month the engine clock has not finished is refused (PERIOD_NOT_ENDED);
 * - so is a month with an earlier open period that holds entries (EARLIER_PERIOD_OPEN);
 * - otherwise the open periods from the one after the last closed period (before any close: from the first period
 *   with entries) up to `period` close together; those before `period` are necessarily empty.
 */
export function planClose(period: Period, facts: CloseFacts): ClosePlan {
  if (facts.closed.has(period)) return { outcome: 'closed' };
  let latestClosed: Period | null = null;
  for (const p of facts.closed) if (latestClosed === null || p > latestClosed) latestClosed = p;
  if (latestClosed !== null && latestClosed > period) return { outcome: 'refused', reason: 'PERIOD_BEFORE_CLOSED', closedPeriod: latestClosed };
  if (periodEnd(period) > facts.now) return { outcome: 'refused', reason: 'PERIOD_NOT_ENDED' };
  if (facts.openWithEntriesBefore.length > 0) return { outcome: 'refused', reason: 'EARLIER_PERIOD_OPEN', openPeriods: [...facts.openWithEntriesBefore] };
  const start = latestClosed !== null ? nextPeriod(latestClosed) : (facts.earliestWithEntries ?? period);
  return { outcome: 'close', periods: start >= period ? [period] : periodsFrom(start, period) };
}
