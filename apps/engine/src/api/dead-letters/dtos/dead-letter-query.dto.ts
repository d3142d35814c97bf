import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsRfc3339 } from '@engine/contracts';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, Validate } from 'class-validator';
import { CURSOR_PATTERN, DLQ_CODES, TOPIC_PATTERN } from '../../../dead-letters/dead-letter-view';
import { EXPORT_FORMATS, ExportFormat } from '../../ledger/dtos/ledger-query.dto';

export const MAX_DEAD_LETTER_PAGE = 1000;
export const DEFAULT_DEAD_LETTER_PAGE = 100;

export class DeadLettersQueryDto {
  @ApiPropertyOptional({
    description: 'only letters from this source topic: a contract name (`partner.referrals.v1`, the engine\'s topic of that name with KAFKA_TOPIC_PREFIX) or a topic name as it is',
    example: 'partner.referrals.v1',
  })
  @IsOptional()
  @IsString()
  @Matches(TOPIC_PATTERN, { message: 'topic must be a Kafka topic name (1-249 characters of A-Z, a-z, 0-9, ".", "_", "-")' })
  topic?: string;

  @ApiPropertyOptional({ enum: DLQ_CODES, description: 'only letters of this DLQ code (CONTRACT §2)' })
  @IsOptional()
  @IsIn(DLQ_CODES, { message: `code must be one of ${DLQ_CODES.join(', ')}` })
  code?: string;

  @ApiPropertyOptional({ description: 'only letters dead-lettered at or after this time (RFC 3339)', example: '2026-11-01T00:00:00Z' })
  @IsOptional()
  @IsString()
  @Validate(IsRfc3339, { message: 'since must be an RFC 3339 timestamp' })
  since?: string;

  @ApiPropertyOptional({ description: `page size, 1-${MAX_DEAD_LETTER_PAGE} (each letter carries its bytes)`, default: DEFAULT_DEAD_LETTER_PAGE })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1)
  @Max(MAX_DEAD_LETTER_PAGE)
  limit?: number;

  @ApiPropertyOptional({ description: 'the letters after this one, `topic:partition:offset` (the nextAfter of the previous page)' })
  @IsOptional()
  @IsString()
  @Matches(CURSOR_PATTERN, { message: 'after must be topic:partition:offset (the nextAfter of the previous page)' })
  after?: string;

  @ApiPropertyOptional({ enum: EXPORT_FORMATS, default: 'json' })
  @IsOptional()
  @IsIn(EXPORT_FORMATS, { message: 'format must be json or csv' })
  format?: ExportFormat;
}
