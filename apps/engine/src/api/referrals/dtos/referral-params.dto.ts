import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { REFERRAL_STATUSES } from '@engine/domain';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { ID_MESSAGE, ID_PATTERN } from '../../common/validators';

export class ReferralIdParamDto {
  @ApiProperty({ example: 'R-101-21' })
  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  referralId: string;
}

export class PartnerIdParamDto {
  @ApiProperty({ example: 'P-001' })
  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  partnerId: string;
}

export const MAX_PAGE = 1000;

export class PartnerReferralsQueryDto {
  @ApiPropertyOptional({ enum: REFERRAL_STATUSES })
  @IsOptional()
  @IsIn(REFERRAL_STATUSES, { message: `status must be one of ${REFERRAL_STATUSES.join(', ')}` })
  status?: string;

  @ApiPropertyOptional({ description: `page size, 1-${MAX_PAGE}`, default: MAX_PAGE })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1)
  @Max(MAX_PAGE)
  limit?: number;

  @ApiPropertyOptional({ description: 'return the referrals after this referralId (the nextAfter of the previous page)' })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  after?: string;
}
