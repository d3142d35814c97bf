/**
 * `new Date(epochMs).toISOString()`, formatted by hand within the day of the last call: output events and row
 * timestamps are written by the thousand per transaction, mostly on a few days, and Date's own formatting cost
 * microseconds each on the benchmark machine. A cache of one day; the result depends on the argument only.
 * Outside years 1970–9999 or for a non-integer it is Date's own.
 */
let dayStart = 0;
let dayEnd = -1;
let dayPrefix = '';

const DAY_MS = 86_400_000;
const YEAR_10000 = 253_402_300_800_000;

const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);
const three = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

export function isoTimestamp(epochMs: number): string {
  if (!Number.isInteger(epochMs)) return new Date(epochMs).toISOString(); // (Date truncates a fraction; NaN throws)
  if (!(epochMs >= dayStart && epochMs < dayEnd)) {
    if (epochMs < 0 || epochMs >= YEAR_10000) return new Date(epochMs).toISOString();
    dayStart = epochMs - (epochMs % DAY_MS);
    dayEnd = dayStart + DAY_MS;
    dayPrefix = new Date(dayStart).toISOString().slice(0, 11); // 'YYYY-MM-DDT'
  }
  const inDay = epochMs - dayStart;
  const ms = inDay % 1000;
  const seconds = (inDay - ms) / 1000;
  const s = seconds % 60;
  const minutes = (seconds - s) / 60;
  const m = minutes % 60;
  return `${dayPrefix}${two((minutes - m) / 60)}:${two(m)}:${two(s)}.${three(ms)}Z`;
}
