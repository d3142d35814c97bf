import 'reflect-metadata';
import { CURRENCIES, Currency, PROGRAM_ID_PATTERN } from '@engine/domain';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayNotEmpty, ArrayUnique, Equals, IsArray, IsDefined, IsInt, IsNotEmpty, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min,
  registerDecorator, Validate, ValidateIf, ValidateNested, ValidationArguments, ValidationOptions,
} from 'class-validator';
import { IsRfc3339 } from '../dto/rfc3339';
import { AmountFloor, parseTermsAmount, termsAmountProblem } from './terms-amount';

/**
 * The program document of CONTRACT §8, as class-validator DTOs: the body of POST /v1/programs, each item of a
 * PROGRAMS_FILE, and (ProgramVersionDocumentDto alone) the body of POST /v1/programs/{id}/versions. The API and the
 * import at start validate with the same classes and options (validateProgramDocument and friends); unknown
 * properties are refused everywhere.
 *
 * Bounds where the contract gives none: windows and periods at most 36,500 days (100 years; the domain keeps them in
 * milliseconds, far from 2^53); priority and version numbers 32-bit (the table's int columns); lists of at most
 * 1,000 distinct, non-empty strings; amounts as for events (at most 10^12 in major units).
 */

export const MAX_DAYS = 36_500;
const INT32_MAX = 2_147_483_647;
const MAX_LIST = 1_000;
const PROGRAM_ID_MESSAGE = '$property must match [a-z0-9][a-z0-9-]{0,63}';
const RFC3339_MESSAGE = '$property must be an RFC 3339 timestamp such as 2027-01-01T00:00:00Z';

/** A decimal string of program terms in `currency` (see parseTermsAmount). */
function IsTermsAmount(currency: Currency, floor: AmountFloor, options: ValidationOptions = {}): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isTermsAmount',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => parseTermsAmount(value, currency, floor).ok,
        defaultMessage: (args: ValidationArguments) => {
          const parsed = parseTermsAmount(args.value, currency, floor);
          return `$property ${parsed.ok ? 'is invalid' : termsAmountProblem(parsed.error, currency, floor)}`;
        },
      },
    });
}

/** An object whose keys are all supported currencies; the message names the first one that is not. */
function HasOnlyCurrencyKeys(options: ValidationOptions = {}): PropertyDecorator {
  const unsupported = (value: unknown) =>
    value !== null && typeof value === 'object' ? Object.keys(value).find((key) => !(CURRENCIES as readonly string[]).includes(key)) : undefined;
  return (target, propertyName) =>
    registerDecorator({
      name: 'hasOnlyCurrencyKeys',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => unsupported(value) === undefined,
        defaultMessage: (args: ValidationArguments) =>
          `$property has an unsupported currency ${JSON.stringify(unsupported(args.value))} (supported: ${CURRENCIES.join(', ')})`,
      },
    });
}

/** Refuses the property when `other` is present (not null) too: a retired version carries no terms. */
function IsAbsentWith(other: string, options: ValidationOptions = {}): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isAbsentWith',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `$property cannot come with ${other}: a retired version has no terms`, ...options },
      validator: { validate: (_: unknown, args: ValidationArguments) => (args.object as Record<string, unknown>)[other] == null },
    });
}

/** An array of objects whose `version` numbers are distinct; the message names the first one repeated. */
function HasDistinctVersions(options: ValidationOptions = {}): PropertyDecorator {
  const repeated = (value: unknown) => {
    if (!Array.isArray(value)) return undefined;
    const seen = new Set<unknown>();
    for (const item of value) {
      const version = (item as { version?: unknown } | null)?.version;
      if (version === undefined) continue;
      if (seen.has(version)) return version;
      seen.add(version);
    }
    return undefined;
  };
  return (target, propertyName) =>
    registerDecorator({
      name: 'hasDistinctVersions',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => repeated(value) === undefined,
        defaultMessage: (args: ValidationArguments) => `$property holds version ${String(repeated(args.value))} more than once`,
      },
    });
}

/** An array of programs whose `programId`s are distinct (a PROGRAMS_FILE); the message names the first one repeated. */
function HasDistinctProgramIds(options: ValidationOptions = {}): PropertyDecorator {
  const repeated = (value: unknown) => {
    if (!Array.isArray(value)) return undefined;
    const seen = new Set<unknown>();
    for (const item of value) {
      const id = (item as { programId?: unknown } | null)?.programId;
      if (id === undefined) continue;
      if (seen.has(id)) return id;
      seen.add(id);
    }
    return undefined;
  };
  return (target, propertyName) =>
    registerDecorator({
      name: 'hasDistinctProgramIds',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => repeated(value) === undefined,
        defaultMessage: (args: ValidationArguments) => `$property holds program ${JSON.stringify(repeated(args.value))} more than once`,
      },
    });
}

/**
 * The constraints in the order written, so that with `stopAtFirstError` the first one reported is the first one
 * listed (stacked decorators register bottom-up: `@IsInt() @Max(9)` would report a missing field as "greater than 9").
 */
function InOrder(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, propertyName) => decorators.forEach((decorate) => decorate(target, propertyName));
}

/** An integer from `min` to `max`, with one message for every way to miss it. */
function IntegerIn(min: number, max: number, what = 'an integer'): PropertyDecorator {
  const message = `$property must be ${what} from ${min} to ${max}`;
  return InOrder(IsInt({ message }), Min(min, { message }), Max(max, { message }));
}

/** A list of distinct, non-empty strings of at most `maxLength` characters. */
function StringList(maxLength: number, what: string): PropertyDecorator {
  return InOrder(
    IsArray(),
    ArrayMaxSize(MAX_LIST),
    IsString({ each: true, message: `$property must hold ${what} as strings` }),
    IsNotEmpty({ each: true, message: `$property must not hold an empty string` }),
    MaxLength(maxLength, { each: true, message: `$property must hold strings of at most ${maxLength} characters` }),
    ArrayUnique({ message: '$property must not hold the same value twice' }),
  );
}

/** The amounts of one currency under a version's terms: decimal strings in that currency's digits. */
export interface CurrencyTermsDocument {
  qualificationThreshold: string;
  bonus: string;
  tierBoundary: string;
  commissionCap: string;
}

/** The DTO of one currency's amounts, checked in that currency's digits (one class per currency). */
function currencyTermsDto(currency: Currency): new () => CurrencyTermsDocument {
  class CurrencyTermsDto implements CurrencyTermsDocument {
    @IsTermsAmount(currency, 'positive') qualificationThreshold: string;
    @IsTermsAmount(currency, 'zero') bonus: string;
    @IsTermsAmount(currency, 'zero') tierBoundary: string;
    @IsTermsAmount(currency, 'zero') commissionCap: string;
  }
  Object.defineProperty(CurrencyTermsDto, 'name', { value: `${currency}TermsDto` });
  return CurrencyTermsDto;
}

const USD_TERMS = currencyTermsDto('USD');
const EUR_TERMS = currencyTermsDto('EUR');
const CNY_TERMS = currencyTermsDto('CNY');
const JPY_TERMS = currencyTermsDto('JPY');

/** `terms.currencies`: the supported currencies a version pays in; a currency left out earns nothing under it. */
export class CurrenciesDto implements Partial<Record<Currency, CurrencyTermsDocument>> {
  @IsOptional() @InOrder(IsObject(), ValidateNested()) @Type(() => USD_TERMS) USD?: CurrencyTermsDocument;
  @IsOptional() @InOrder(IsObject(), ValidateNested()) @Type(() => EUR_TERMS) EUR?: CurrencyTermsDocument;
  @IsOptional() @InOrder(IsObject(), ValidateNested()) @Type(() => CNY_TERMS) CNY?: CurrencyTermsDocument;
  @IsOptional() @InOrder(IsObject(), ValidateNested()) @Type(() => JPY_TERMS) JPY?: CurrencyTermsDocument;
}

/** The complete terms of a version (never a diff). Windows in days, rates in basis points. */
export class ProgramTermsDto {
  @IntegerIn(1, MAX_DAYS, 'a whole number of days') attributionWindowDays: number;
  @IntegerIn(1, MAX_DAYS, 'a whole number of days') activationWindowDays: number;
  @IntegerIn(1, MAX_DAYS, 'a whole number of days') qualificationWindowDays: number;
  @IntegerIn(1, MAX_DAYS, 'a whole number of days') commissionWindowDays: number;
  @IntegerIn(0, MAX_DAYS, 'a whole number of days') expiryGraceDays: number;
  @IntegerIn(0, MAX_DAYS, 'a whole number of days') holdingPeriodDays: number;
  @StringList(100, 'channels') excludedChannels: string[];
  @StringList(200, 'product code prefixes') excludedProductPrefixes: string[];
  @IntegerIn(0, 10_000, 'a whole number of basis points') baseRateBps: number;
  @IntegerIn(0, 10_000, 'a whole number of basis points') upperRateBps: number;

  @InOrder(IsDefined(), IsObject(), HasOnlyCurrencyKeys(), ValidateNested()) @Type(() => CurrenciesDto)
  currencies: CurrenciesDto;
}

/**
 * One version: `{version, effectiveFrom, terms}`, or `{version, effectiveFrom, retired: true}` (from then on the
 * program matches nothing). The body of POST /v1/programs/{programId}/versions.
 */
export class ProgramVersionDocumentDto {
  @IntegerIn(1, INT32_MAX) version: number;

  @InOrder(IsString({ message: RFC3339_MESSAGE }), Validate(IsRfc3339, { message: RFC3339_MESSAGE })) effectiveFrom: string;

  @ValidateIf((o: ProgramVersionDocumentDto) => o.retired === undefined || o.retired === null)
  @InOrder(IsDefined({ message: '$property is required (or retired: true)' }), IsObject(), ValidateNested()) @Type(() => ProgramTermsDto)
  terms?: ProgramTermsDto;

  @IsOptional() @InOrder(Equals(true, { message: '$property must be true when given' }), IsAbsentWith('terms'))
  retired?: true;
}

/** `scope`: a list that is null or absent matches everything; a list given must not be empty. */
export class ProgramScopeDto {
  @IsOptional() @InOrder(StringList(64, 'regions'), ArrayNotEmpty({ message: '$property must not be empty (null matches every region)' }))
  regions?: string[] | null;

  @IsOptional() @InOrder(StringList(200, 'partner groups'), ArrayNotEmpty({ message: '$property must not be empty (null matches every partner group)' }))
  partnerGroups?: string[] | null;
}

/** A program (CONTRACT §8): its id, name, priority and scope, fixed when it is created, and its versions. */
export class ProgramDocumentDto {
  @InOrder(IsString({ message: PROGRAM_ID_MESSAGE }), Matches(PROGRAM_ID_PATTERN, { message: PROGRAM_ID_MESSAGE }))
  programId: string;

  @InOrder(IsString(), Matches(/\S/, { message: '$property must not be blank' }), MaxLength(200))
  name: string;

  @IntegerIn(-INT32_MAX, INT32_MAX)
  priority: number;

  @IsOptional() @InOrder(IsObject(), ValidateNested()) @Type(() => ProgramScopeDto)
  scope?: ProgramScopeDto | null;

  @InOrder(IsArray(), ArrayNotEmpty({ message: '$property must hold at least one version' }), ArrayMaxSize(MAX_LIST), HasDistinctVersions(), ValidateNested({ each: true }))
  @Type(() => ProgramVersionDocumentDto)
  versions: ProgramVersionDocumentDto[];
}

/** A PROGRAMS_FILE: `{"programs": [...]}`, each programId once. */
export class ProgramsFileDto {
  @InOrder(IsArray(), ArrayMaxSize(MAX_LIST), HasDistinctProgramIds(), ValidateNested({ each: true })) @Type(() => ProgramDocumentDto)
  programs: ProgramDocumentDto[];
}
