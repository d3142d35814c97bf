/** Accounting periods are calendar months in UTC, written `YYYY-MM`. */
export type Period = string;

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function isPeriod(value: unknown): value is Period {
  return typeof value === 'string' && PERIOD.test(value);
}

// The month of the last call: a batch's entries mostly fall in a few months, and formatting a Date per entry was
// a measurable share of writing the ledger. A cache of one value; the result depends on the argument only.
let lastStart = 0;
let lastEnd = -1;
let lastPeriod: Period = '';

export function periodOf(epochMs: number): Period {
  if (epochMs >= lastStart && epochMs < lastEnd) return lastPeriod;
  const date = new Date(epochMs);
  const period = date.toISOString().slice(0, 7);
  lastStart = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  lastEnd = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
  lastPeriod = period;
  return period;
}

export function nextPeriod(period: Period): Period {
  const [year, month] = period.split('-').map(Number);
  return month === 12 ? `${year + 1}-01` : `${year}-${String(month + 1).padStart(2, '0')}`;
}

/** The periods from `from` to `to`, both included, in order (none when `from` is after `to`). */
export function periodsFrom(from: Period, to: Period): Period[] {
  const periods: Period[] = [];
  for (let period = from; period <= to; period = nextPeriod(period)) periods.push(period);
  return periods;
}

export function previousPeriod(period: Period): Period {
  const [year, month] = period.split('-').map(Number);
  return month === 1 ? `${year - 1}-12` : `${year}-${String(month - 1).padStart(2, '0')}`;
}

/** First instant after the period, epoch ms. */
export function periodEnd(period: Period): number {
  const [year, month] = period.split('-').map(Number);
  return Date.UTC(year, month, 1);
}

/**
 * bookedPeriod = the effective period when it is open, else the earliest open period after it (CONTRACT §5).
 * Every month before the first closed one counts as closed too: they were empty when finance first closed a
 * month (a close needs every earlier month with entries closed), and an entry booked there would never reach
 * a statement and would block later closes.
 */
export function bookedPeriod(effective: Period, closed: ReadonlySet<Period>): Period {
  if (closed.size === 0) return effective;
  let earliest: Period | null = null;
  for (const period of closed) if (earliest === null || period < earliest) earliest = period;
  let period = effective < earliest! ? earliest! : effective;
  while (closed.has(period)) period = nextPeriod(period);
  return period;
}
