import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { IsPeriod } from '../../common/validators';
import { EXPORT_FORMATS, ExportFormat } from '../../ledger/dtos/ledger-query.dto';

export class PayoutQueryDto {
  @ApiProperty({ description: 'period, YYYY-MM', example: '2026-10' })
  @IsPeriod()
  period: string;

  @ApiPropertyOptional({ enum: EXPORT_FORMATS, default: 'json' })
  @IsOptional()
  @IsIn(EXPORT_FORMATS, { message: 'format must be json or csv' })
  format?: ExportFormat;
}

export class PeriodParamDto {
  @ApiProperty({ description: 'the month to close, YYYY-MM', example: '2026-10' })
  @IsPeriod()
  period: string;
}
