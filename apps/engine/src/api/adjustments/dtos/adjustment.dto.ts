import { ApiProperty } from '@nestjs/swagger';
import { LedgerEntryDto } from '../../ledger/dtos/ledger-entry.dto';

/** The MANUAL_ADJUSTMENT ledger entry posted for a request, with the request's key and reason. */
export class AdjustmentDto extends LedgerEntryDto {
  @ApiProperty({ example: '2026-10-close-fix-1' }) idempotencyKey: string;
  @ApiProperty({ example: 'goodwill credit, ticket 4411' }) reason: string;
}
