import { Body, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces } from '@nestjs/swagger';
import { Response } from 'express';
import { PartnerScoped, Roles } from '../auth/roles.decorator';
import { ApiV1Controller } from '../common/api-controller.decorator';
import { PartnerIdParamDto } from '../referrals/dtos/referral-params.dto';
import { PAYOUT_ORDERS_CSV_HEADER, PayoutOrderDto, PayoutOrdersDto, payoutOrdersCsv } from './dtos/payout-order.dto';
import { PartnerPayoutOrdersQueryDto, PayoutIdParamDto, PayoutOrdersQueryDto } from './dtos/payout-order-query.dto';
import { RecordFailedDto, RecordPaidDto } from './dtos/record-outcome.dto';
import { PayoutOrderService } from './payout-order.service';

const OUTCOME_RULES =
  'The outcome is the earliest one (event time, then id) whether it came from the payment system (payments.payouts.v1) or from finance; ' +
  'an API call counts at the engine clock. The same outcome again → 200 with the order, nothing written. ' +
  'The other outcome → 409 PAYOUT_OUTCOME_CONFLICT naming the current status (listed as an anomaly).';

/** Writes the CSV with its headers, or returns the JSON view. */
function render(view: PayoutOrdersDto, format: string | undefined, filename: string, response: Response): PayoutOrdersDto | string {
  if (format !== 'csv') return view;
  response.setHeader('Content-Type', 'text/csv; charset=utf-8');
  response.setHeader('Content-Disposition', `attachment; filename="${filename.replace(/[^A-Za-z0-9._-]/g, '_')}.csv"`);
  return payoutOrdersCsv(view);
}

@ApiV1Controller('payout-orders', 'payout-orders')
export class PayoutOrdersController {
  constructor(private readonly payoutOrders: PayoutOrderService) {}

  @Get()
  @Roles('finance')
  @ApiOperation({
    summary: 'Payout orders of a period (finance)',
    description: `The orders created by closing \`period\`, optionally of one status, in payoutId order. CSV (format=csv): RFC 4180, CRLF, header \`${PAYOUT_ORDERS_CSV_HEADER}\`.`,
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: PayoutOrdersDto })
  @ApiBadRequestResponse({ description: 'a missing or bad period, a bad status or format (the message names it)' })
  async list(@Query() query: PayoutOrdersQueryDto, @Res({ passthrough: true }) response: Response): Promise<PayoutOrdersDto | string> {
    const view = await this.payoutOrders.list({ period: query.period, status: query.status });
    return render(view, query.format, `payout-orders-${query.period}`, response);
  }

  @Post(':payoutId/paid')
  @HttpCode(200)
  @Roles('finance')
  @ApiOperation({ summary: 'Record that a payout was paid (finance)', description: OUTCOME_RULES })
  @ApiOkResponse({ type: PayoutOrderDto })
  @ApiNotFoundResponse({ description: 'no such payout order' })
  @ApiConflictResponse({ description: 'PAYOUT_OUTCOME_CONFLICT: the order is already FAILED' })
  @ApiBadRequestResponse({ description: 'a bad payoutId or reference (the message names it)' })
  paid(@Param() params: PayoutIdParamDto, @Body() body: RecordPaidDto): Promise<PayoutOrderDto> {
    return this.payoutOrders.record(params.payoutId, { status: 'PAID', reference: body.reference ?? null });
  }

  @Post(':payoutId/failed')
  @HttpCode(200)
  @Roles('finance')
  @ApiOperation({
    summary: 'Record that a payout failed (finance)',
    description: `${OUTCOME_RULES} A failure gives the money back: a PAYOUT_RETURNED ledger entry of +amount, effective at the failure, paid with the next statement.`,
  })
  @ApiOkResponse({ type: PayoutOrderDto })
  @ApiNotFoundResponse({ description: 'no such payout order' })
  @ApiConflictResponse({ description: 'PAYOUT_OUTCOME_CONFLICT: the order is already PAID' })
  @ApiBadRequestResponse({ description: 'a bad payoutId, a missing or bad reason (the message names it)' })
  failed(@Param() params: PayoutIdParamDto, @Body() body: RecordFailedDto): Promise<PayoutOrderDto> {
    return this.payoutOrders.record(params.payoutId, { status: 'FAILED', reason: body.reason });
  }
}

@ApiV1Controller('partners', 'payout-orders')
export class PartnerPayoutOrdersController {
  constructor(private readonly payoutOrders: PayoutOrderService) {}

  @Get(':partnerId/payout-orders')
  @Roles('finance', 'partner')
  @PartnerScoped('params')
  @ApiOperation({
    summary: "A partner's payout orders, of every period unless one is named, in payoutId order",
    description: `CSV (format=csv) as GET /v1/payout-orders. An unknown partner gives an empty list.`,
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: PayoutOrdersDto })
  @ApiBadRequestResponse({ description: 'a bad partnerId, period, status or format (the message names it)' })
  async list(
    @Param() params: PartnerIdParamDto,
    @Query() query: PartnerPayoutOrdersQueryDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<PayoutOrdersDto | string> {
    const view = await this.payoutOrders.list({ partnerId: params.partnerId, period: query.period, status: query.status });
    return render(view, query.format, `payout-orders-${params.partnerId}${query.period ? `-${query.period}` : ''}`, response);
  }
}
