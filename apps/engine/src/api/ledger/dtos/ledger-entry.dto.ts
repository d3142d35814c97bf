import { ApiProperty } from '@nestjs/swagger';
import { CURRENCIES } from '@engine/domain';

export const LEDGER_CSV_HEADER = 'entry_id,booked_period,effective_period,partner_id,referral_id,customer_id,type,amount,currency,source_event_id,effective_at,created_at,program_id,program_version,release_at';

const TYPES = ['QUALIFICATION_BONUS', 'USAGE_COMMISSION', 'REFUND_REVERSAL', 'MANUAL_ADJUSTMENT', 'CORRECTION'];

/** One ledger entry of the JSON export (the export is a JSON array of these, streamed). */
export class LedgerEntryDto {
  @ApiProperty({ example: '1042' }) entryId: string;
  @ApiProperty({ example: '2026-10' }) bookedPeriod: string;
  @ApiProperty({ example: '2026-09' }) effectivePeriod: string;
  @ApiProperty({ example: 'P-001' }) partnerId: string;
  @ApiProperty({ nullable: true, type: String, example: 'R-17' }) referralId: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'C-17' }) customerId: string | null;
  @ApiProperty({ enum: TYPES }) type: string;
  @ApiProperty({ description: 'signed decimal string with the currency minor digits', example: '12.30' }) amount: string;
  @ApiProperty({ enum: CURRENCIES }) currency: string;
  @ApiProperty({ nullable: true, type: String, example: 'billing:e101-28' }) sourceEventId: string | null;
  @ApiProperty({ format: 'date-time' }) effectiveAt: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ nullable: true, type: String, example: 'standard', description: "the referral's program (CONTRACT §8); null for partner-level entries" }) programId: string | null;
  @ApiProperty({ nullable: true, type: Number, example: 1 }) programVersion: number | null;
  @ApiProperty({ format: 'date-time', description: 'when the entry is released for payment (CONTRACT §10)' }) releaseAt: string;
}
