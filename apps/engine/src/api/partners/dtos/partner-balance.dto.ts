import { ApiProperty } from '@nestjs/swagger';
import { CURRENCIES, formatAmount, PartnerBalance } from '@engine/domain';

/** A partner's money in one currency at the engine clock (CONTRACT §10); decimal strings with the currency's digits. */
export class CurrencyBalanceDto {
  @ApiProperty({ enum: CURRENCIES }) currency: string;
  @ApiProperty({ example: '540.00', description: "the sum of all the partner's ledger entries" }) earned: string;
  @ApiProperty({ example: '120.00', description: 'positive entries not yet released (releaseAt after the clock)' }) held: string;
  @ApiProperty({ example: '300.00', description: 'PENDING payout orders' }) pending: string;
  @ApiProperty({ example: '100.00', description: 'PAID payout orders' }) paid: string;
  @ApiProperty({ example: '0.00', description: 'FAILED payout orders: their amounts came back as PAYOUT_RETURNED entries, which are in earned (README, "Holding and payout orders")' }) failed: string;
  @ApiProperty({ example: '20.00', description: 'earned − held − pending − paid (CONTRACT §10)' }) available: string;

  static of(b: PartnerBalance): CurrencyBalanceDto {
    const f = (v: bigint) => formatAmount(v, b.currency);
    return { currency: b.currency, earned: f(b.earned), held: f(b.held), pending: f(b.pending), paid: f(b.paid), failed: f(b.failed), available: f(b.available) };
  }
}

export class PartnerBalanceDto {
  @ApiProperty({ example: 'P-001' }) partnerId: string;
  @ApiProperty({ format: 'date-time', description: 'the engine clock the balance is taken at' }) at: string;
  @ApiProperty({ type: CurrencyBalanceDto, isArray: true, description: 'one per currency with entries or orders, in currency code order; empty for a partner with neither' })
  balances: CurrencyBalanceDto[];
}
