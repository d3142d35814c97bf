import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PayoutStatus } from '@engine/domain';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { IsPeriod } from '../../common/validators';
import { EXPORT_FORMATS, ExportFormat } from '../../ledger/dtos/ledger-query.dto';
import { PAYOUT_STATUSES } from './payout-order.dto';

/** `<period>:<partnerId>:<currency>`: a partnerId is up to 200 characters, so up to 212; no control characters, no surrounding spaces. */
const PAYOUT_ID_PATTERN = /^(?=.{1,220}$)[^\p{Cc}\s](?:[^\p{Cc}]*[^\p{Cc}\s])?$/u;

export class PayoutIdParamDto {
  @ApiProperty({ example: '2026-10:P-001:USD' })
  @IsString()
  @Matches(PAYOUT_ID_PATTERN, { message: '$property must be 1-220 characters without control characters or surrounding spaces' })
  payoutId: string;
}

/** The filters both lists take. */
class PayoutOrderFiltersDto {
  @ApiPropertyOptional({ enum: PAYOUT_STATUSES })
  @IsOptional()
  @IsIn(PAYOUT_STATUSES, { message: `status must be one of ${PAYOUT_STATUSES.join(', ')}` })
  status?: PayoutStatus;

  @ApiPropertyOptional({ enum: EXPORT_FORMATS, default: 'json' })
  @IsOptional()
  @IsIn(EXPORT_FORMATS, { message: 'format must be json or csv' })
  format?: ExportFormat;
}

export class PayoutOrdersQueryDto extends PayoutOrderFiltersDto {
  @ApiProperty({ description: 'the period whose orders to list (the closed period they pay), YYYY-MM', example: '2026-10' })
  @IsPeriod()
  period: string;
}

/** A partner's orders: every period unless one is named. */
export class PartnerPayoutOrdersQueryDto extends PayoutOrderFiltersDto {
  @ApiPropertyOptional({ description: 'only this period, YYYY-MM', example: '2026-10' })
  @IsOptional()
  @IsPeriod()
  period?: string;
}
