import {
  CURRENCIES, Currency, CurrencyTerms, DAY_MS, formatAmount, isCurrency, isoTimestamp, ProgramDefinition, ProgramTerms, ProgramVersion,
} from '@engine/domain';
import { canonicalJson } from '../canonical-json';
import { parseRfc3339 } from '../dto/rfc3339';
import type { CurrencyTermsDocument } from './program-document.dto';
import { AmountFloor, parseTermsAmount } from './terms-amount';

/**
 * The program document of CONTRACT §8 and its conversions to and from the domain's ProgramDefinition: days ↔
 * milliseconds, decimal strings ↔ minor units, RFC 3339 ↔ epoch ms. The documents written here (programToDocument
 * and friends) are canonical: every list sorted, amounts with the currency's digits ("5" → "5.00"), times in UTC with
 * milliseconds, scope lists null rather than absent. Two documents are "the same body" when their canonical forms
 * are equal as JSON (sameProgramDocument, sameVersionDocument).
 */

export interface ProgramTermsDocument {
  attributionWindowDays: number;
  activationWindowDays: number;
  qualificationWindowDays: number;
  commissionWindowDays: number;
  expiryGraceDays: number;
  holdingPeriodDays: number;
  excludedChannels: string[];
  excludedProductPrefixes: string[];
  baseRateBps: number;
  upperRateBps: number;
  currencies: Partial<Record<Currency, CurrencyTermsDocument>>;
}

export interface TermsVersionDocument {
  version: number;
  effectiveFrom: string;
  terms: ProgramTermsDocument;
}

export interface RetiredVersionDocument {
  version: number;
  effectiveFrom: string;
  retired: true;
}

export type ProgramVersionDocument = TermsVersionDocument | RetiredVersionDocument;

export interface ProgramScopeDocument {
  regions: string[] | null;
  partnerGroups: string[] | null;
}

export interface ProgramDocument {
  programId: string;
  name: string;
  priority: number;
  scope: ProgramScopeDocument;
  versions: ProgramVersionDocument[];
}

/** A version as it comes in (validated by ProgramVersionDocumentDto): terms, or retired. */
export interface ProgramVersionInput {
  version: number;
  effectiveFrom: string;
  terms?: ProgramTermsDocument | null;
  retired?: boolean | null;
}

/** A program as it comes in (validated by ProgramDocumentDto): scope and its lists may be absent. */
export interface ProgramDocumentInput {
  programId: string;
  name: string;
  priority: number;
  scope?: { regions?: readonly string[] | null; partnerGroups?: readonly string[] | null } | null;
  versions: readonly ProgramVersionInput[];
}

export const isRetiredVersion = (version: ProgramVersionDocument): version is RetiredVersionDocument => 'retired' in version && version.retired === true;

function amountOf(text: string, currency: Currency, floor: AmountFloor, field: string): bigint {
  const parsed = parseTermsAmount(text, currency, floor);
  if (!parsed.ok) throw new RangeError(`currencies.${currency}.${field} ${JSON.stringify(text)} is not a valid amount (${parsed.error})`);
  return parsed.minor;
}

function daysOf(ms: number, field: string): number {
  if (!Number.isSafeInteger(ms) || ms % DAY_MS !== 0) throw new RangeError(`${field} of ${ms} ms is not a whole number of days`);
  return ms / DAY_MS;
}

const sorted = (values: Iterable<string>): string[] => [...values].sort();

export function programTermsFromDocument(doc: ProgramTermsDocument): ProgramTerms {
  const currencies: Partial<Record<Currency, CurrencyTerms>> = {};
  for (const [currency, amounts] of Object.entries(doc.currencies)) {
    if (!isCurrency(currency)) throw new RangeError(`currencies.${currency} is not a supported currency`);
    if (!amounts) continue;
    currencies[currency] = {
      qualificationThreshold: amountOf(amounts.qualificationThreshold, currency, 'positive', 'qualificationThreshold'),
      bonus: amountOf(amounts.bonus, currency, 'zero', 'bonus'),
      tierBoundary: amountOf(amounts.tierBoundary, currency, 'zero', 'tierBoundary'),
      commissionCap: amountOf(amounts.commissionCap, currency, 'zero', 'commissionCap'),
    };
  }
  return {
    attributionWindowMs: doc.attributionWindowDays * DAY_MS,
    activationWindowMs: doc.activationWindowDays * DAY_MS,
    qualificationWindowMs: doc.qualificationWindowDays * DAY_MS,
    commissionWindowMs: doc.commissionWindowDays * DAY_MS,
    expiryGraceMs: doc.expiryGraceDays * DAY_MS,
    holdingPeriodMs: doc.holdingPeriodDays * DAY_MS,
    excludedChannels: new Set(doc.excludedChannels),
    excludedProductPrefixes: [...doc.excludedProductPrefixes],
    baseRateBps: BigInt(doc.baseRateBps),
    upperRateBps: BigInt(doc.upperRateBps),
    currencies,
  };
}

export function programTermsToDocument(terms: ProgramTerms): ProgramTermsDocument {
  const currencies: Partial<Record<Currency, CurrencyTermsDocument>> = {};
  for (const currency of CURRENCIES) {
    const amounts = terms.currencies[currency];
    if (!amounts) continue;
    currencies[currency] = {
      qualificationThreshold: formatAmount(amounts.qualificationThreshold, currency),
      bonus: formatAmount(amounts.bonus, currency),
      tierBoundary: formatAmount(amounts.tierBoundary, currency),
      commissionCap: formatAmount(amounts.commissionCap, currency),
    };
  }
  return {
    attributionWindowDays: daysOf(terms.attributionWindowMs, 'attributionWindowMs'),
    activationWindowDays: daysOf(terms.activationWindowMs, 'activationWindowMs'),
    qualificationWindowDays: daysOf(terms.qualificationWindowMs, 'qualificationWindowMs'),
    commissionWindowDays: daysOf(terms.commissionWindowMs, 'commissionWindowMs'),
    expiryGraceDays: daysOf(terms.expiryGraceMs, 'expiryGraceMs'),
    holdingPeriodDays: daysOf(terms.holdingPeriodMs, 'holdingPeriodMs'),
    excludedChannels: sorted(terms.excludedChannels),
    excludedProductPrefixes: sorted(terms.excludedProductPrefixes),
    baseRateBps: Number(terms.baseRateBps),
    upperRateBps: Number(terms.upperRateBps),
    currencies,
  };
}

export function programVersionFromDocument(doc: ProgramVersionInput): ProgramVersion {
  const effectiveFrom = parseRfc3339(doc.effectiveFrom);
  if (effectiveFrom === null) throw new RangeError(`effectiveFrom ${JSON.stringify(doc.effectiveFrom)} is not an RFC 3339 timestamp`);
  if (doc.retired === true) return { version: doc.version, effectiveFrom, terms: null };
  if (!doc.terms) throw new RangeError(`version ${doc.version} has neither terms nor retired: true`);
  return { version: doc.version, effectiveFrom, terms: programTermsFromDocument(doc.terms) };
}

export function programVersionToDocument(version: ProgramVersion): ProgramVersionDocument {
  const effectiveFrom = isoTimestamp(version.effectiveFrom);
  return version.terms === null
    ? { version: version.version, effectiveFrom, retired: true }
    : { version: version.version, effectiveFrom, terms: programTermsToDocument(version.terms) };
}

export function programFromDocument(doc: ProgramDocumentInput): ProgramDefinition {
  return {
    programId: doc.programId,
    name: doc.name,
    priority: doc.priority,
    regions: doc.scope?.regions ? [...doc.scope.regions] : null,
    partnerGroups: doc.scope?.partnerGroups ? [...doc.scope.partnerGroups] : null,
    versions: doc.versions.map(programVersionFromDocument),
  };
}

export function programToDocument(program: ProgramDefinition): ProgramDocument {
  return {
    programId: program.programId,
    name: program.name,
    priority: program.priority,
    scope: { regions: program.regions ? sorted(program.regions) : null, partnerGroups: program.partnerGroups ? sorted(program.partnerGroups) : null },
    versions: [...program.versions].sort((a, b) => a.version - b.version).map(programVersionToDocument),
  };
}

/** The canonical document of a (validated) program document. */
export const canonicalProgramDocument = (doc: ProgramDocumentInput): ProgramDocument => programToDocument(programFromDocument(doc));

/** The canonical document of a (validated) version document. */
export const canonicalVersionDocument = (doc: ProgramVersionInput): ProgramVersionDocument => programVersionToDocument(programVersionFromDocument(doc));

/** The canonical document of (validated) terms. */
export const canonicalTermsDocument = (doc: ProgramTermsDocument): ProgramTermsDocument => programTermsToDocument(programTermsFromDocument(doc));

/** Whether two program documents are the same body: same id, name, priority, scope and versions, whatever the notation. */
export function sameProgramDocument(a: ProgramDocumentInput, b: ProgramDocumentInput): boolean {
  return canonicalJson(canonicalProgramDocument(a)) === canonicalJson(canonicalProgramDocument(b));
}

/** Whether two version documents are the same: number, effective time and terms (or both retired). */
export function sameVersionDocument(a: ProgramVersionInput, b: ProgramVersionInput): boolean {
  return canonicalJson(canonicalVersionDocument(a)) === canonicalJson(canonicalVersionDocument(b));
}
