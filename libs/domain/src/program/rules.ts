import { Currency } from '../money/currency';
import { Catalogue, STANDARD_CATALOGUE } from './catalogue';

/** How a partner with no events yet counts (CONTRACT §9, `PARTNER_ENROLLMENT`). */
export type PartnerEnrollment = 'open' | 'approval';

/**
 * Everything the rules read besides events and the clock: the program catalogue, and the global settings that are
 * not program terms (generic domains apply before a program is chosen, minimum payouts to a partner's whole balance).
 */
export interface Rules {
  catalogue: Catalogue;
  genericEmailDomains: ReadonlySet<string>;
  /** minor units */
  minimumPayouts: Readonly<Record<Currency, bigint>>;
  partnerEnrollment: PartnerEnrollment;
}

export const GENERIC_EMAIL_DOMAINS: ReadonlySet<string> = new Set([
  'gmail.com', 'outlook.com', 'hotmail.com', 'yahoo.com', 'qq.com', '163.com', '126.com', 'icloud.com', 'proton.me',
]);

export const MINIMUM_PAYOUTS: Readonly<Record<Currency, bigint>> = { USD: 5000n, EUR: 5000n, CNY: 35000n, JPY: 7500n };

/** The contract's defaults: the built-in catalogue, open enrollment. */
export const STANDARD_RULES: Rules = {
  catalogue: STANDARD_CATALOGUE,
  genericEmailDomains: GENERIC_EMAIL_DOMAINS,
  minimumPayouts: MINIMUM_PAYOUTS,
  partnerEnrollment: 'open',
};

export function isGenericDomain(rules: Pick<Rules, 'genericEmailDomains'>, domain: string): boolean {
  return rules.genericEmailDomains.has(domain);
}

/** The rules without the catalogue: what the engine is configured with (the catalogue is data, read from the database). */
export type RuleSettings = Omit<Rules, 'catalogue'>;
