import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { IsReason, IsStorableText } from '../../common/validators';

/** POST /v1/payout-orders/{payoutId}/paid (finance). */
export class RecordPaidDto {
  @ApiPropertyOptional({ description: "the payment's reference (bank transfer id…), at most 200 characters", example: 'TRF-2026-11-0042', nullable: true, type: String })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @IsStorableText()
  reference?: string | null;
}

/** POST /v1/payout-orders/{payoutId}/failed (finance). */
export class RecordFailedDto {
  @ApiProperty({ description: 'why the payment failed, 1-1000 characters', example: 'account closed' })
  @IsReason()
  reason: string;
}
