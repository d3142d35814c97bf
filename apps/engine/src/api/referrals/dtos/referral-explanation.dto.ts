import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CURRENCIES, EXPIRY_REASONS, REFERRAL_STATUSES, REJECTION_REASONS, StepKind } from '@engine/domain';
import { IsIn, IsOptional } from 'class-validator';

export const EXPLANATION_FORMATS = ['json', 'text'] as const;
export type ExplanationFormat = (typeof EXPLANATION_FORMATS)[number];

export class ExplanationQueryDto {
  @ApiPropertyOptional({ enum: EXPLANATION_FORMATS, default: 'json', description: 'text: the steps as numbered sentences (text/plain)' })
  @IsOptional()
  @IsIn(EXPLANATION_FORMATS, { message: 'format must be json or text' })
  format?: ExplanationFormat;
}

const STEP_KINDS: readonly StepKind[] = [
  'BINDING', 'PARTNER', 'SUBMISSION', 'CLAIM', 'ACTIVATION', 'QUALIFICATION', 'BONUS', 'COMMISSION', 'REVERSAL', 'TERMINATION', 'EXPIRY',
];
const AMOUNT_TYPES = ['QUALIFICATION_BONUS', 'USAGE_COMMISSION', 'REFUND_REVERSAL'];
const REASONS = [...REJECTION_REASONS, ...EXPIRY_REASONS];

export class ExplanationEventDto {
  @ApiProperty({ example: 'billing' }) source: string;
  @ApiProperty({ example: 'e101-28' }) id: string;
  @ApiProperty({ example: 'billing.usage_billed' }) type: string;
  @ApiProperty({ format: 'date-time' }) time: string;
}

export class ExplanationAmountDto {
  @ApiProperty({ enum: AMOUNT_TYPES }) type: string;
  @ApiProperty({ enum: CURRENCIES }) currency: string;
  @ApiProperty({ description: 'signed decimal string with the currency minor digits', example: '12.30' }) amount: string;
  @ApiProperty({ format: 'date-time' }) effectiveAt: string;
}

export class ExplanationStepDto {
  @ApiProperty({ example: 1, description: 'position from 1' }) step: number;
  @ApiProperty({ enum: STEP_KINDS }) kind: string;
  @ApiProperty({ description: 'the step as a sentence' }) text: string;
  @ApiProperty({ type: ExplanationEventDto, isArray: true, description: 'the events the step used' }) events: ExplanationEventDto[];
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description: 'the terms the step applied', example: { baseRate: '10%' } })
  terms: Record<string, string>;
  @ApiProperty({ type: ExplanationAmountDto, nullable: true, description: 'the ledger amount the step derives; null for steps without one' })
  amount: ExplanationAmountDto | null;
}

export class ProgramRefDto {
  @ApiProperty({ example: 'standard' }) programId: string;
  @ApiProperty({ example: 1 }) version: number;
}

export class ReferralExplanationDto {
  @ApiProperty() referralId: string;
  @ApiProperty({ enum: REFERRAL_STATUSES }) status: string;
  @ApiProperty({ enum: REASONS, nullable: true, type: String }) reason: string | null;
  @ApiProperty() partnerId: string;
  @ApiProperty({ type: ProgramRefDto, description: 'the program version the submission is bound to' }) program: ProgramRefDto;
  @ApiProperty({
    type: 'object', additionalProperties: { type: 'string' }, example: { USD: '150.00' },
    description: 'the step amounts summed per currency, decimal strings: the referral ledger total',
  })
  totals: Record<string, string>;
  @ApiProperty({ type: ExplanationStepDto, isArray: true }) steps: ExplanationStepDto[];
}
