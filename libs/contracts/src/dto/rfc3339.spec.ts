import fc from 'fast-check';
import { parseRfc3339 } from './rfc3339';

/** The regular-expression parser this one replaced: the reference it must agree with on every input. */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
function reference(text: string): number | null {
  const m = RFC3339.exec(text);
  if (!m) return null;
  const year = +m[1], month = +m[2], day = +m[3], hour = +m[4], minute = +m[5], second = +m[6];
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return null;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const daysInMonth = month === 2 ? (leap ? 29 : 28) : DAYS_IN_MONTH[month - 1];
  if (day < 1 || day > daysInMonth) return null;
  let offsetMinutes = 0;
  if (!m[8]) {
    const [oh, om] = [Number(m[10]), Number(m[11])];
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const millis = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  let utc = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  if (year < 100) {
    const date = new Date(utc);
    date.setUTCFullYear(year);
    utc = date.getTime();
  }
  return utc - offsetMinutes * 60_000;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');
/** Timestamps near the grammar: every field drawn a little past its range, optional fractions of 0–11 digits, all zone forms. */
const nearTimestamp = fc
  .tuple(
    fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), fc.constantFrom('T', 't', ' ', 'X'),
    fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }), fc.integer({ min: 0, max: 61 }),
    fc.option(fc.stringMatching(/^[0-9]{0,11}$/), { nil: undefined }),
    fc.oneof(fc.constantFrom('Z', 'z', '', 'ZZ', '+', '+00:00x'), fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 })).map(([s, h, m]) => `${s}${pad(h, 2)}:${pad(m, 2)}`)),
  )
  .map(([y, mo, d, t, h, mi, s, fraction, zone]) => `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}${t}${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}${fraction === undefined ? '' : `.${fraction}`}${zone}`);

describe('parseRfc3339', () => {
  it('agrees with the regular-expression parser on timestamps near the grammar and on any string', () => {
    fc.assert(fc.property(nearTimestamp, (text) => expect(parseRfc3339(text)).toBe(reference(text))), { numRuns: 20_000 });
    fc.assert(fc.property(fc.string({ maxLength: 40 }), (text) => expect(parseRfc3339(text)).toBe(reference(text))), { numRuns: 5_000 });
  });

  it('reads the forms the contract allows, and refuses impossible dates', () => {
    expect(parseRfc3339('2026-05-01T00:00:00Z')).toBe(Date.UTC(2026, 4, 1));
    expect(parseRfc3339('2026-05-01t00:00:00.5z')).toBe(Date.UTC(2026, 4, 1, 0, 0, 0, 500));
    expect(parseRfc3339('2026-05-01T02:30:00.123456789+02:30')).toBe(Date.UTC(2026, 4, 1, 0, 0, 0, 123));
    expect(parseRfc3339('0001-01-01T00:00:00Z')).toBe(new Date('0001-01-01T00:00:00Z').getTime());
    expect(parseRfc3339('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
    for (const bad of ['2023-02-29T00:00:00Z', '2026-05-01T24:00:00Z', '2026-05-01T00:00:00', '2026-05-01T00:00:00.Z', '2026-05-01T00:00:00.1234567890Z', '2026-5-01T00:00:00Z']) {
      expect(parseRfc3339(bad)).toBeNull();
    }
  });
});
