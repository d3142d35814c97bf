/** Accounting periods are calendar months in UTC, written `YYYY-MM`. */
export type Period = string;

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function isPeriod(value: unknown): value is Period {
  return typeof value === 'string' && PERIOD.test(value);
}

export function periodOf(epochMs: number): Period {
  return new Date(epochMs).toISOString().slice(0, 7);
}

export function nextPeriod(period: Period): Period {
  const [year, month] = period.split('-').map(Number);
  return month === 12 ? `${year + 1}-01` : `${year}-${String(month + 1).padStart(2, '0')}`;
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

/** bookedPeriod = the effective period when it is open, else the earliest open period after it (CONTRACT §5). */
export function bookedPeriod(effective: Period, closed: ReadonlySet<Period>): Period {
  let period = effective;
  while (closed.has(period)) period = nextPeriod(period);
  return period;
}
