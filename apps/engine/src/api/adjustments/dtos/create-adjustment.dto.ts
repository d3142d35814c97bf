import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CURRENCIES, isCurrency, MINOR_DIGITS } from '@engine/domain';
import { IsIn, IsOptional, IsString, Matches, registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';
import { ID_MESSAGE, ID_PATTERN, IsReason } from '../../common/validators';
import { parseSignedAmount } from '../signed-amount';

/** A signed, non-zero decimal string with at most the minor digits of the DTO's `currency`. */
function IsSignedAmount(options: ValidationOptions = {}): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isSignedAmount',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate(value: unknown, args: ValidationArguments) {
          const currency = (args.object as { currency?: unknown }).currency;
          if (typeof value !== 'string') return false;
          return parseSignedAmount(value, isCurrency(currency) ? currency : 'USD').ok;
        },
        defaultMessage(args: ValidationArguments) {
          const currency = (args.object as { currency?: unknown }).currency;
          const value = args.value;
          if (typeof value !== 'string') return 'amount must be a decimal string such as "12.30" or "-5.00"';
          const result = parseSignedAmount(value, isCurrency(currency) ? currency : 'USD');
          if (result.ok) return 'amount is invalid';
          switch (result.error) {
            case 'NOT_DECIMAL':
              return 'amount must be a decimal string such as "12.30" or "-5.00"';
            case 'ZERO':
              return 'amount must not be zero';
            case 'TOO_MANY_DIGITS':
              return `amount must have at most ${isCurrency(currency) ? MINOR_DIGITS[currency] : 2} decimal digits for ${isCurrency(currency) ? currency : 'its currency'}`;
            case 'TOO_LARGE':
              return 'amount must be at most 10^12 in major units';
          }
        },
      },
    });
}

/** POST /v1/adjustments: a manual adjustment of a partner's balance (finance). */
export class CreateAdjustmentDto {
  @ApiProperty({ example: 'P-001' })
  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  partnerId: string;

  @ApiPropertyOptional({ description: 'the referral it concerns (must be one of the partner referrals); omit for a partner-level adjustment', example: 'R-17', nullable: true, type: String })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  referralId?: string | null;

  @ApiProperty({ description: 'signed decimal string, non-zero, at most the currency minor digits', example: '-12.50' })
  @IsSignedAmount()
  amount: string;

  @ApiProperty({ enum: CURRENCIES })
  @IsIn(CURRENCIES, { message: `currency must be one of ${CURRENCIES.join(', ')}` })
  currency: string;

  @ApiProperty({ description: 'why (kept with the entry): 1-1000 characters, not blank, without U+0000 or unpaired surrogates', example: 'goodwill credit, ticket 4411' })
  @IsReason()
  reason: string;
}
