/**
 * `new Date(epochMs).toISOString()`, with the date part ('YYYY-MM-DDT') cached per day: output events and row
 * timestamps are written by the thousand per transaction, and Date's own formatting cost microseconds each on the
 * benchmark machine. The cache holds up to MAX_DAYS days (then starts again); the result depends on the argument
 * only. Outside years 1970–9999 or for a non-integer it is Date's own.
 */
const DAY_MS = 86_400_000;
const YEAR_10000 = 253_402_300_800_000;
const MAX_DAYS = 20_000;

/** day number since 1970-01-01 → 'YYYY-MM-DDT' (one day at a time missed a lot: a batch's times span months) */
const prefixes = new Map<number, string>();

const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);
const three = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

export function isoTimestamp(epochMs: number): string {
  if (!Number.isInteger(epochMs) || epochMs < 0 || epochMs >= YEAR_10000) return new Date(epochMs).toISOString(); // (Date truncates a fraction; NaN throws)
  const inDay = epochMs % DAY_MS;
  const day = (epochMs - inDay) / DAY_MS;
  let prefix = prefixes.get(day);
  if (prefix === undefined) {
    if (prefixes.size >= MAX_DAYS) prefixes.clear();
    prefix = new Date(epochMs - inDay).toISOString().slice(0, 11);
    prefixes.set(day, prefix);
  }
  const ms = inDay % 1000;
  const seconds = (inDay - ms) / 1000;
  const s = seconds % 60;
  const minutes = (seconds - s) / 60;
  const m = minutes % 60;
  return `${prefix}${two((minutes - m) / 60)}:${two(m)}:${two(s)}.${three(ms)}Z`;
}
