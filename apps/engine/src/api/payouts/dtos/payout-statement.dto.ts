import { ApiProperty } from '@nestjs/swagger';
import { CURRENCIES, formatAmount, PayoutStatement } from '@engine/domain';

export const PAYOUTS_CSV_HEADER = 'period,partner_id,currency,opening,net,closing,payable,carried,closed,held,available';

/** One statement; amounts are decimal strings with the currency's minor digits. */
export class PayoutStatementDto {
  @ApiProperty({ example: '2026-10' }) period: string;
  @ApiProperty({ example: 'P-001' }) partnerId: string;
  @ApiProperty({ enum: CURRENCIES }) currency: string;
  @ApiProperty({ description: 'the previous statement carried amount', example: '20.00' }) opening: string;
  @ApiProperty({ description: 'sum of the entries booked in the period', example: '30.00' }) net: string;
  @ApiProperty({ description: 'opening + net', example: '50.00' }) closing: string;
  @ApiProperty({ description: 'positive entries booked in the period or before and not released by its end (CONTRACT §10)', example: '0.00' }) held: string;
  @ApiProperty({ description: 'closing − held', example: '50.00' }) available: string;
  @ApiProperty({ description: 'available when it reaches the minimum payout of the currency and the partner is not suspended at the period end, else 0', example: '50.00' }) payable: string;
  @ApiProperty({ description: 'closing − payable, the next statement opening', example: '0.00' }) carried: string;
  @ApiProperty({ description: 'false: provisional (the period is open)' }) closed: boolean;

  static of(s: PayoutStatement, closed: boolean): PayoutStatementDto {
    const f = (v: bigint) => formatAmount(v, s.currency);
    return {
      period: s.period, partnerId: s.partnerId, currency: s.currency, opening: f(s.opening), net: f(s.net), closing: f(s.closing),
      held: f(s.held), available: f(s.available), payable: f(s.payable), carried: f(s.carried), closed,
    };
  }
}

/** The statements of one period: final once the period is closed, provisional while it is open. */
export class PeriodStatementsDto {
  @ApiProperty({ example: '2026-10' }) period: string;
  @ApiProperty() closed: boolean;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'when the period was closed (null while open)' }) closedAt: string | null;
  @ApiProperty({ type: PayoutStatementDto, isArray: true }) statements: PayoutStatementDto[];
}
