import { ValidatorConstraint, ValidatorConstraintInterface } from 'class-validator';

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const ZERO = 48;

/** The number written by `count` ASCII digits at `at`, or -1 when one of them is not a digit. */
function digits(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const d = text.charCodeAt(i) - ZERO;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/**
 * Epoch milliseconds of an RFC 3339 timestamp, or null when it is not one (impossible dates included):
 * `YYYY-MM-DD[Tt]hh:mm:ss[.f{1,9}]([Zz]|±hh:mm)`. Read character by character (every message has one, and the
 * regular expression it replaces allocated an array of twelve strings per call).
 */
export function parseRfc3339(text: string): number | null {
  const length = text.length;
  if (length < 20 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return null;
  const t = text.charCodeAt(10);
  if (t !== 84 && t !== 116) return null; // T, t
  const year = digits(text, 0, 4), month = digits(text, 5, 2), day = digits(text, 8, 2);
  const hour = digits(text, 11, 2), minute = digits(text, 14, 2), second = digits(text, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return null;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const daysInMonth = month === 2 ? (leap ? 29 : 28) : DAYS_IN_MONTH[month - 1];
  if (day < 1 || day > daysInMonth) return null;
  let at = 19;
  let millis = 0;
  if (text.charCodeAt(at) === 46) { // '.': 1 to 9 digits, of which the first three are milliseconds
    const start = ++at;
    while (at < length && at - start < 10 && digits(text, at, 1) >= 0) at++;
    const count = at - start;
    if (count < 1 || count > 9) return null;
    for (let i = 0; i < 3; i++) millis = millis * 10 + (i < count ? text.charCodeAt(start + i) - ZERO : 0);
  }
  let offsetMinutes = 0;
  const zone = text.charCodeAt(at);
  if (zone === 90 || zone === 122) { // Z, z
    if (at + 1 !== length) return null;
  } else if (zone === 43 || zone === 45) { // +, -
    if (at + 6 !== length || text.charCodeAt(at + 3) !== 58) return null;
    const oh = digits(text, at + 1, 2), om = digits(text, at + 4, 2);
    if (oh < 0 || om < 0 || oh > 23 || om > 59) return null;
    offsetMinutes = (zone === 45 ? -1 : 1) * (oh * 60 + om);
  } else {
    return null;
  }
  let utc = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  if (year < 100) {
    // Date.UTC maps years 0..99 to 1900..1999; setUTCFullYear puts them back.
    const date = new Date(utc);
    date.setUTCFullYear(year);
    utc = date.getTime();
  }
  return utc - offsetMinutes * 60_000;
}

@ValidatorConstraint({ name: 'isRfc3339', async: false })
export class IsRfc3339 implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && parseRfc3339(value) !== null;
  }
  defaultMessage(): string {
    return '$property must be an RFC 3339 timestamp';
  }
}
