import { ApiProperty } from '@nestjs/swagger';
import { CURRENCIES, formatAmount, isoTimestamp, PayoutStatus } from '@engine/domain';
import { StoredPayoutOrder } from '@engine/persistence';
import { csvRecord, csvText } from '../../common/csv';

export const PAYOUT_STATUSES: readonly PayoutStatus[] = ['PENDING', 'PAID', 'FAILED'];

export const PAYOUT_ORDERS_CSV_HEADER = 'payout_id,period,partner_id,currency,amount,status,reference,reason,outcome_at,created_at,updated_at';

/** One payout order (CONTRACT §10): what closing a period owes a partner in one currency, and its outcome. */
export class PayoutOrderDto {
  @ApiProperty({ example: '2026-10:P-001:USD', description: '<period>:<partnerId>:<currency>' }) payoutId: string;
  @ApiProperty({ example: '2026-10', description: 'the closed period whose statement it pays' }) period: string;
  @ApiProperty({ example: 'P-001' }) partnerId: string;
  @ApiProperty({ enum: CURRENCIES }) currency: string;
  @ApiProperty({ example: '125.40', description: "the statement's payable" }) amount: string;
  @ApiProperty({ enum: PAYOUT_STATUSES }) status: string;
  @ApiProperty({ nullable: true, type: String, description: 'the payment reference of the outcome that decided it (PAID)' }) reference: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'the reason of the outcome that decided it (FAILED)' }) reason: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'the time of the deciding outcome: its event time, or the engine clock for an API call' })
  outcomeAt: string | null;
  @ApiProperty({ format: 'date-time', description: 'when the period close created it (engine clock)' }) createdAt: string;
  @ApiProperty({ format: 'date-time', description: 'when its status or outcome last changed (engine clock)' }) updatedAt: string;

  static of(order: StoredPayoutOrder): PayoutOrderDto {
    return {
      payoutId: order.payoutId,
      period: order.period,
      partnerId: order.partnerId,
      currency: order.currency,
      amount: formatAmount(order.amount, order.currency),
      status: order.status,
      reference: order.outcome?.reference ?? null,
      reason: order.outcome?.reason ?? null,
      outcomeAt: order.outcome ? isoTimestamp(order.outcome.time) : null,
      createdAt: isoTimestamp(order.createdAt),
      updatedAt: isoTimestamp(order.updatedAt),
    };
  }
}

export class PayoutOrdersDto {
  @ApiProperty({ type: PayoutOrderDto, isArray: true, description: 'in payoutId order (byte order)' }) payoutOrders: PayoutOrderDto[];
}

/**
 * RFC 4180, CRLF, the header PAYOUT_ORDERS_CSV_HEADER; null fields are empty. Text from outside (the payout and
 * partner ids, the outcome's reference and reason) is neutralised against spreadsheet formulas (csvText); amounts,
 * codes and times are written as they are.
 */
export function payoutOrdersCsv(view: PayoutOrdersDto): string {
  let text = `${PAYOUT_ORDERS_CSV_HEADER}\r\n`;
  for (const o of view.payoutOrders) {
    text += csvRecord([csvText(o.payoutId), o.period, csvText(o.partnerId), o.currency, o.amount, o.status, csvText(o.reference), csvText(o.reason), o.outcomeAt, o.createdAt, o.updatedAt]);
  }
  return text;
}
