import { Currency, parseAmount } from '@engine/domain';

export type SignedAmountError = 'NOT_DECIMAL' | 'ZERO' | 'TOO_MANY_DIGITS' | 'TOO_LARGE';

/** A manual adjustment amount: like an event amount (CONTRACT §2) but signed ("-12.50", "+3") and non-zero. */
export function parseSignedAmount(text: string, currency: Currency): { ok: true; minor: bigint } | { ok: false; error: SignedAmountError } {
  const negative = text.startsWith('-');
  const unsigned = negative || text.startsWith('+') ? text.slice(1) : text;
  const parsed = parseAmount(unsigned, currency);
  if (parsed.ok) return { ok: true, minor: negative ? -parsed.minor : parsed.minor };
  return { ok: false, error: parsed.error === 'NOT_POSITIVE' ? 'ZERO' : parsed.error };
}
