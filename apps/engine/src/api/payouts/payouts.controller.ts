import { Get, Query, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiProduces } from '@nestjs/swagger';
import { Response } from 'express';
import { Roles } from '../auth/roles.decorator';
import { ApiV1Controller } from '../common/api-controller.decorator';
import { PayoutQueryDto } from './dtos/payout-query.dto';
import { PAYOUTS_CSV_HEADER, PeriodStatementsDto } from './dtos/payout-statement.dto';
import { PayoutService } from './payout.service';

@ApiV1Controller('payouts', 'payouts')
export class PayoutsController {
  constructor(private readonly payouts: PayoutService) {}

  @Get()
  @Roles('finance')
  @ApiOperation({
    summary: 'Payout statements of a period (finance)',
    description: `Final for a closed period, provisional (closed=false) for an open one. CSV (format=csv): RFC 4180, CRLF, header \`${PAYOUTS_CSV_HEADER}\`.`,
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: PeriodStatementsDto })
  @ApiBadRequestResponse({ description: 'a bad period or format (the message names it)' })
  async statements(@Query() query: PayoutQueryDto, @Res({ passthrough: true }) response: Response): Promise<PeriodStatementsDto | string> {
    const view = await this.payouts.statements(query.period);
    if (query.format !== 'csv') return view;
    response.setHeader('Content-Type', 'text/csv; charset=utf-8');
    response.setHeader('Content-Disposition', `attachment; filename="payouts-${query.period}.csv"`);
    return PayoutService.csv(view);
  }
}
