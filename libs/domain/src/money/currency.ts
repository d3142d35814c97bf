/** The currencies the program pays in, with their ISO 4217 minor-unit digits. */
export const CURRENCIES = ['USD', 'EUR', 'CNY', 'JPY'] as const;
export type Currency = (typeof CURRENCIES)[number];

export const MINOR_DIGITS: Readonly<Record<Currency, number>> = { USD: 2, EUR: 2, CNY: 2, JPY: 0 };

export function isCurrency(value: unknown): value is Currency {
  return typeof value === 'string' && (CURRENCIES as readonly string[]).includes(value);
}
