import { Get, Param } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { PartnerScoped, Roles } from '../auth/roles.decorator';
import { ApiV1Controller } from '../common/api-controller.decorator';
import { PartnerIdParamDto } from '../referrals/dtos/referral-params.dto';
import { PartnerBalanceDto } from './dtos/partner-balance.dto';
import { PartnerViewDto } from './dtos/partner-view.dto';
import { PartnerBalanceService } from './partner-balance.service';
import { PartnerViewService } from './partner-view.service';

@ApiV1Controller('partners', 'partners')
export class PartnersController {
  constructor(
    private readonly partners: PartnerViewService,
    private readonly balances: PartnerBalanceService,
  ) {}

  @Get(':partnerId')
  @Roles('finance', 'partner')
  @PartnerScoped('params')
  @ApiOperation({
    summary: 'A partner: state and group at the engine clock, eligibility, and its standing after each partner event (CONTRACT §9)',
    description: 'A partner without any event is UNKNOWN in group default with an empty history. Events after a termination are listed under `ignored`.',
  })
  @ApiOkResponse({ type: PartnerViewDto })
  @ApiBadRequestResponse({ description: 'a malformed partnerId' })
  partner(@Param() params: PartnerIdParamDto): Promise<PartnerViewDto> {
    return this.partners.partner(params.partnerId);
  }

  @Get(':partnerId/balance')
  @Roles('finance', 'partner')
  @PartnerScoped('params')
  @ApiOperation({
    summary: "A partner's balance per currency at the engine clock (CONTRACT §10)",
    description:
      'earned = the sum of all its ledger entries; held = its positive entries whose releaseAt is after the clock; pending / paid = its PENDING / PAID ' +
      'payout orders; available = earned − held − pending − paid. In currency code order; a partner with no entries and no orders gets an empty list.',
  })
  @ApiOkResponse({ type: PartnerBalanceDto })
  @ApiBadRequestResponse({ description: 'a malformed partnerId' })
  balance(@Param() params: PartnerIdParamDto): Promise<PartnerBalanceDto> {
    return this.balances.balance(params.partnerId);
  }
}
