import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { ID_MESSAGE, ID_PATTERN, IsPeriod } from '../../common/validators';

export const EXPORT_FORMATS = ['json', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export class LedgerQueryDto {
  @ApiProperty({ description: 'booked period, YYYY-MM', example: '2026-10' })
  @IsPeriod()
  period: string;

  @ApiPropertyOptional({ description: 'only this partner (a partner key may name only its own; without it, a partner key gets its own entries)', example: 'P-001' })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  partnerId?: string;

  @ApiPropertyOptional({ enum: EXPORT_FORMATS, default: 'json' })
  @IsOptional()
  @IsIn(EXPORT_FORMATS, { message: 'format must be json or csv' })
  format?: ExportFormat;
}
