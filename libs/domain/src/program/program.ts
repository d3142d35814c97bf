import { Currency } from '../money/currency';

export const DAY_MS = 86_400_000;

export interface CurrencyTerms {
  /** all in minor units */
  qualificationThreshold: bigint;
  bonus: bigint;
  tierBoundary: bigint;
  commissionCap: bigint;
  minimumPayout: bigint;
}

/** The rules of one partner program (CONTRACT §3). Windows are in milliseconds, half-open [start, start + window). */
export interface Program {
  attributionWindowMs: number;
  activationWindowMs: number;
  qualificationWindowMs: number;
  commissionWindowMs: number;
  expiryGraceMs: number;
  excludedChannels: ReadonlySet<string>;
  excludedProductPrefixes: readonly string[];
  genericEmailDomains: ReadonlySet<string>;
  /** rates in basis points (1000 = 10%) */
  baseRateBps: bigint;
  upperRateBps: bigint;
  terms: Readonly<Record<Currency, CurrencyTerms>>;
}

export const STANDARD_PROGRAM: Program = {
  attributionWindowMs: 90 * DAY_MS,
  activationWindowMs: 30 * DAY_MS,
  qualificationWindowMs: 90 * DAY_MS,
  commissionWindowMs: 365 * DAY_MS,
  expiryGraceMs: 7 * DAY_MS,
  excludedChannels: new Set(['paid_search_brand', 'coupon_site']),
  excludedProductPrefixes: ['marketplace.', 'credits.'],
  genericEmailDomains: new Set([
    'gmail.com', 'outlook.com', 'hotmail.com', 'yahoo.com', 'qq.com', '163.com', '126.com', 'icloud.com', 'proton.me',
  ]),
  baseRateBps: 1000n,
  upperRateBps: 1500n,
  terms: {
    USD: { qualificationThreshold: 10000n, bonus: 5000n, tierBoundary: 1000000n, commissionCap: 500000n, minimumPayout: 5000n },
    EUR: { qualificationThreshold: 10000n, bonus: 5000n, tierBoundary: 1000000n, commissionCap: 500000n, minimumPayout: 5000n },
    CNY: { qualificationThreshold: 70000n, bonus: 35000n, tierBoundary: 7000000n, commissionCap: 3500000n, minimumPayout: 35000n },
    JPY: { qualificationThreshold: 15000n, bonus: 7500n, tierBoundary: 1500000n, commissionCap: 750000n, minimumPayout: 7500n },
  },
};

export function isGenericDomain(program: Program, domain: string): boolean {
  return program.genericEmailDomains.has(domain);
}

export function hasExcludedPrefix(program: Program, productCode: string): boolean {
  for (const prefix of program.excludedProductPrefixes) if (productCode.startsWith(prefix)) return true; // no closure per line
  return false;
}
