import { ApiProperty } from '@nestjs/swagger';
import { csvRecord, csvText } from '../../common/csv';
import { DeadLetterView, DLQ_CODES } from '../../../dead-letters/dead-letter-view';

export const DEAD_LETTERS_CSV_HEADER = 'topic,partition,offset,code,message,key,key_base64,value,value_base64,dead_lettered_at,replayed_at';

/** A message the engine refused (CONTRACT §2), with its coordinates and original bytes. */
export class DeadLetterDto implements DeadLetterView {
  @ApiProperty({ example: 'partner.referrals.v1', description: 'the source topic (with KAFKA_TOPIC_PREFIX)' }) topic: string;
  @ApiProperty({ example: 2 }) partition: number;
  @ApiProperty({ example: '1041', description: 'the offset in the source partition (int64, as a decimal string)' }) offset: string;
  @ApiProperty({ enum: DLQ_CODES }) code: string;
  @ApiProperty({ example: 'data.amount must have at most 2 decimal digits for USD', description: 'why it was refused (x-error-message)' }) message: string;
  @ApiProperty({ nullable: true, type: String, description: 'the message key as text (null without a key or when it is not UTF-8)' }) key: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'byte', description: 'the message key, base64' }) keyBase64: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'the original value as text when it is valid UTF-8, else null' }) value: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'byte', description: 'the original value, base64 (null only for letters recorded before the bytes were kept)' })
  valueBase64: string | null;
  @ApiProperty({ format: 'date-time', description: 'when it was dead-lettered (database time)' }) deadLetteredAt: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'when `npm run dlq -- replay` last republished it' }) replayedAt: string | null;
}

export class DeadLettersDto {
  @ApiProperty({ type: DeadLetterDto, isArray: true, description: 'in (topic, partition, offset) order' }) deadLetters: DeadLetterDto[];
  @ApiProperty({ nullable: true, type: String, description: 'the `after` of the next page; null on the last one' }) nextAfter: string | null;
}

/**
 * RFC 4180, CRLF, the header DEAD_LETTERS_CSV_HEADER; null fields are empty. Text from outside (topic, message, key,
 * value and their base64, which may start with `+`) is neutralised against spreadsheet formulas (csvText); numbers,
 * codes and times are written as they are. A program that needs the exact bytes reads the JSON.
 */
export function deadLettersCsv(view: DeadLettersDto): string {
  let text = `${DEAD_LETTERS_CSV_HEADER}\r\n`;
  for (const d of view.deadLetters) {
    text += csvRecord([
      csvText(d.topic), d.partition, d.offset, d.code, csvText(d.message), csvText(d.key), csvText(d.keyBase64), csvText(d.value), csvText(d.valueBase64),
      d.deadLetteredAt, d.replayedAt,
    ]);
  }
  return text;
}
