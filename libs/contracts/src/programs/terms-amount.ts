import { AmountParseError, Currency, MINOR_DIGITS, parseAmount } from '@engine/domain';

/** Which amounts of a currency's terms may be zero: a qualification threshold must be positive, the others may be 0. */
export type AmountFloor = 'positive' | 'zero';

/**
 * An amount of program terms (CONTRACT §8): a decimal string in the currency's digits, at most 10^12 in major units,
 * and positive, or (floor `zero`) zero or positive. Returns minor units.
 */
export function parseTermsAmount(text: unknown, currency: Currency, floor: AmountFloor): { ok: true; minor: bigint } | { ok: false; error: AmountParseError | 'NOT_A_STRING' } {
  if (typeof text !== 'string') return { ok: false, error: 'NOT_A_STRING' };
  const parsed = parseAmount(text, currency);
  if (!parsed.ok && parsed.error === 'NOT_POSITIVE' && floor === 'zero') return { ok: true, minor: 0n };
  return parsed;
}

/** Why an amount of terms was refused, as the end of a message that starts with the field's name. */
export function termsAmountProblem(error: AmountParseError | 'NOT_A_STRING', currency: Currency, floor: AmountFloor): string {
  const digits = MINOR_DIGITS[currency];
  switch (error) {
    case 'NOT_A_STRING':
    case 'NOT_DECIMAL':
      return `must be a decimal string in ${currency} (${digits === 0 ? 'no decimals' : `at most ${digits} decimal digits`}), such as "${digits === 0 ? '15000' : '100.00'}"`;
    case 'TOO_MANY_DIGITS':
      return `must have at most ${digits} decimal digits for ${currency}`;
    case 'NOT_POSITIVE':
      return floor === 'positive' ? 'must be greater than 0' : 'must not be negative';
    case 'TOO_LARGE':
      return 'must be at most 10^12 in major units';
  }
}
