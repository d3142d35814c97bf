import { Currency } from '../money/currency';

export const DAY_MS = 86_400_000;

/** A currency's amounts in one version of a program's terms, all in minor units. */
export interface CurrencyTerms {
  qualificationThreshold: bigint;
  bonus: bigint;
  tierBoundary: bigint;
  commissionCap: bigint;
}

/**
 * The complete terms of one program version (CONTRACT §3, §8). Windows are in milliseconds, half-open
 * [start, start + window). A currency missing from `currencies` earns nothing under these terms.
 */
export interface ProgramTerms {
  attributionWindowMs: number;
  activationWindowMs: number;
  qualificationWindowMs: number;
  commissionWindowMs: number;
  expiryGraceMs: number;
  holdingPeriodMs: number;
  excludedChannels: ReadonlySet<string>;
  excludedProductPrefixes: readonly string[];
  /** rates in basis points (1000 = 10%) */
  baseRateBps: bigint;
  upperRateBps: bigint;
  currencies: Readonly<Partial<Record<Currency, CurrencyTerms>>>;
}

/** The terms of the built-in program `standard`, version 1 (CONTRACT §3). */
export const STANDARD_TERMS: ProgramTerms = {
  attributionWindowMs: 90 * DAY_MS,
  activationWindowMs: 30 * DAY_MS,
  qualificationWindowMs: 90 * DAY_MS,
  commissionWindowMs: 365 * DAY_MS,
  expiryGraceMs: 7 * DAY_MS,
  holdingPeriodMs: 0,
  excludedChannels: new Set(['paid_search_brand', 'coupon_site']),
  excludedProductPrefixes: ['marketplace.', 'credits.'],
  baseRateBps: 1000n,
  upperRateBps: 1500n,
  currencies: {
    USD: { qualificationThreshold: 10000n, bonus: 5000n, tierBoundary: 1000000n, commissionCap: 500000n },
    EUR: { qualificationThreshold: 10000n, bonus: 5000n, tierBoundary: 1000000n, commissionCap: 500000n },
    CNY: { qualificationThreshold: 70000n, bonus: 35000n, tierBoundary: 7000000n, commissionCap: 3500000n },
    JPY: { qualificationThreshold: 15000n, bonus: 7500n, tierBoundary: 1500000n, commissionCap: 750000n },
  },
};

export function hasExcludedPrefix(terms: ProgramTerms, productCode: string): boolean {
  for (const prefix of terms.excludedProductPrefixes) if (productCode.startsWith(prefix)) return true; // no closure per line
  return false;
}
