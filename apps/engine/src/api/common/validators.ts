import { isPeriod } from '@engine/domain';
import { applyDecorators } from '@nestjs/common';
import { IsNotEmpty, IsString, Matches, MaxLength, registerDecorator, ValidationOptions } from 'class-validator';

/** Identifiers (partner, referral): 1–200 characters, no control characters, no surrounding spaces. */
export const ID_PATTERN = /^(?=.{1,200}$)[^\p{Cc}\s](?:[^\p{Cc}]*[^\p{Cc}\s])?$/u;
export const ID_MESSAGE = '$property must be 1-200 characters without control characters or surrounding spaces';

export const PERIOD_MESSAGE = '$property must be YYYY-MM';

/** A calendar month `YYYY-MM` (years 1970–9999). */
export function IsPeriod(options: ValidationOptions = {}): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isPeriod',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: PERIOD_MESSAGE, ...options },
      validator: { validate: (value: unknown) => isPeriod(value) && value >= '1970-01' },
    });
}

/** U+0000 and unpaired surrogates: PostgreSQL text cannot hold the one, its JSON parser refuses the other. */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Free text the engine stores as given (a reason, a reference): no U+0000, well-formed Unicode. */
export function IsStorableText(options: ValidationOptions = {}): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isStorableText',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must not contain U+0000 or unpaired surrogates', ...options },
      validator: { validate: (value: unknown) => typeof value !== 'string' || !UNSTORABLE.test(value) },
    });
}

/** A reason kept with what it explains (an adjustment, a failed payout): 1-1000 characters, not blank, storable. */
export function IsReason(): PropertyDecorator {
  return applyDecorators(IsString(), IsNotEmpty(), Matches(/\S/, { message: '$property must not be blank' }), MaxLength(1000), IsStorableText());
}
