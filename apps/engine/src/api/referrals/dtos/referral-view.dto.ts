import { ApiProperty } from '@nestjs/swagger';
import { CURRENCIES, EXPIRY_REASONS, REFERRAL_STATUSES, REJECTION_REASONS } from '@engine/domain';

const REASONS = [...REJECTION_REASONS, ...EXPIRY_REASONS];

export class StatusChangeDto {
  @ApiProperty({ example: 1 }) sequence: number;
  @ApiProperty({ enum: REFERRAL_STATUSES }) status: string;
  @ApiProperty({ enum: REASONS, nullable: true, type: String }) reason: string | null;
  @ApiProperty({ enum: REFERRAL_STATUSES, nullable: true, type: String }) previousStatus: string | null;
  @ApiProperty({ required: false, description: 'the partner after a takeover (a late, earlier submission of the same referralId)' }) partnerId?: string;
  @ApiProperty({ required: false, description: 'the partner before that takeover' }) previousPartnerId?: string;
  @ApiProperty({ format: 'date-time', description: 'when the engine recorded the change' }) changedAt: string;
}

export class CurrencyTotalDto {
  @ApiProperty({ enum: CURRENCIES }) currency: string;
  @ApiProperty({ description: 'sum of the referral ledger entries, decimal string', example: '150.00' }) amount: string;
}

export class BoundProgramDto {
  @ApiProperty({ example: 'standard' }) programId: string;
  @ApiProperty({ example: 1 }) version: number;
}

export class ReferralSummaryDto {
  @ApiProperty() referralId: string;
  @ApiProperty() partnerId: string;
  @ApiProperty({ nullable: true, type: String }) customerId: string | null;
  @ApiProperty({ enum: REFERRAL_STATUSES }) status: string;
  @ApiProperty({ enum: REASONS, nullable: true, type: String }) reason: string | null;
  @ApiProperty({ format: 'date-time' }) submittedAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) signedUpAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) activatedAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) qualifiedAt: string | null;
  @ApiProperty({ type: BoundProgramDto, description: 'the program version the submission is bound to (CONTRACT §8)' }) program: BoundProgramDto;
}

export class ReferralViewDto extends ReferralSummaryDto {
  @ApiProperty({ type: StatusChangeDto, isArray: true }) history: StatusChangeDto[];
  @ApiProperty({ type: CurrencyTotalDto, isArray: true }) totals: CurrencyTotalDto[];
}

export class PartnerReferralsDto {
  @ApiProperty() partnerId: string;
  @ApiProperty({ type: ReferralSummaryDto, isArray: true }) referrals: ReferralSummaryDto[];
  @ApiProperty({ nullable: true, type: String, description: 'pass as `after` for the next page; null on the last page' }) nextAfter: string | null;
}
