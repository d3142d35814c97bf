import { HttpCode, Param, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator';
import { ApiV1Controller } from '../common/api-controller.decorator';
import { PeriodParamDto } from './dtos/payout-query.dto';
import { PeriodStatementsDto } from './dtos/payout-statement.dto';
import { PayoutService } from './payout.service';

@ApiV1Controller('periods', 'payouts')
export class PeriodsController {
  constructor(private readonly payouts: PayoutService) {}

  @Post(':period/close')
  @HttpCode(200)
  @Roles('finance')
  @ApiOperation({
    summary: 'Close a period (finance)',
    description:
      'Freezes the period and stores its statements. Refused (409) when a later period is already closed (PERIOD_BEFORE_CLOSED: periods close in order), while the month has not ended by the engine clock (PERIOD_NOT_ENDED) or while an earlier period with entries is open (EARLIER_PERIOD_OPEN). Earlier open periods without entries are closed with it. Repeating the call returns the same statements (200).',
  })
  @ApiOkResponse({ type: PeriodStatementsDto })
  @ApiConflictResponse({ description: 'PERIOD_BEFORE_CLOSED, PERIOD_NOT_ENDED or EARLIER_PERIOD_OPEN, with the reason' })
  @ApiBadRequestResponse({ description: 'period is not YYYY-MM' })
  close(@Param() params: PeriodParamDto): Promise<PeriodStatementsDto> {
    return this.payouts.close(params.period);
  }
}
