import { Currency, MINOR_DIGITS } from './currency';

/** Largest accepted amount in major units (CONTRACT §2). */
export const MAX_MAJOR_UNITS = 10n ** 12n;

export type AmountParseError = 'NOT_DECIMAL' | 'NOT_POSITIVE' | 'TOO_MANY_DIGITS' | 'TOO_LARGE';

const DECIMAL = /^(\d{1,13})(?:\.(\d+))?$/;

/**
 * Parses a contract amount ("12.30", "7500") into integer minor units of `currency`.
 * Accepts only plain decimal notation: no sign, no exponent, no spaces, no leading '+'/'.'.
 */
export function parseAmount(text: string, currency: Currency): { ok: true; minor: bigint } | { ok: false; error: AmountParseError } {
  const match = DECIMAL.exec(text);
  if (!match) return { ok: false, error: 'NOT_DECIMAL' };
  const digits = MINOR_DIGITS[currency];
  const fraction = match[2] ?? '';
  if (fraction.length > digits) return { ok: false, error: 'TOO_MANY_DIGITS' };
  const major = BigInt(match[1]);
  const minor = major * 10n ** BigInt(digits) + (digits === 0 ? 0n : BigInt(fraction.padEnd(digits, '0')));
  if (minor <= 0n) return { ok: false, error: 'NOT_POSITIVE' };
  if (major > MAX_MAJOR_UNITS || (major === MAX_MAJOR_UNITS && minor % 10n ** BigInt(digits) !== 0n)) {
    return { ok: false, error: 'TOO_LARGE' };
  }
  return { ok: true, minor };
}

/** Formats integer minor units as the contract's decimal string: 1230n USD → "12.30", -5n EUR → "-0.05". */
export function formatAmount(minor: bigint, currency: Currency): string {
  const digits = MINOR_DIGITS[currency];
  const negative = minor < 0n;
  const abs = negative ? -minor : minor;
  if (digits === 0) return (negative ? '-' : '') + abs.toString();
  const scale = 10n ** BigInt(digits);
  const frac = (abs % scale).toString().padStart(digits, '0');
  return `${negative ? '-' : ''}${abs / scale}.${frac}`;
}
