import { Get, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Principal } from '../auth/principal';
import { CurrentPrincipal, PartnerScoped, Roles } from '../auth/roles.decorator';
import { ApiV1Controller } from '../common/api-controller.decorator';
import { PartnerIdParamDto, PartnerReferralsQueryDto, ReferralIdParamDto } from './dtos/referral-params.dto';
import { PartnerReferralsDto, ReferralViewDto } from './dtos/referral-view.dto';
import { ReferralViewService } from './referral-view.service';

@ApiV1Controller('referrals', 'referrals')
export class ReferralsController {
  constructor(private readonly referrals: ReferralViewService) {}

  @Get(':referralId')
  @Roles('finance', 'partner')
  @ApiOperation({
    summary: 'A referral: status, reason, dates, full status history, ledger totals per currency',
    description: 'Finance: 404 for an unknown referral. Partner key: 403 for another partner referral and for an unknown id alike.',
  })
  @ApiOkResponse({ type: ReferralViewDto })
  @ApiNotFoundResponse({ description: 'no such referral (finance keys)' })
  @ApiBadRequestResponse({ description: 'a malformed referralId' })
  referral(@Param() params: ReferralIdParamDto, @CurrentPrincipal() principal: Principal): Promise<ReferralViewDto> {
    return this.referrals.referral(params.referralId, principal);
  }
}

@ApiV1Controller('partners', 'referrals')
export class PartnerReferralsController {
  constructor(private readonly referrals: ReferralViewService) {}

  @Get(':partnerId/referrals')
  @Roles('finance', 'partner')
  @PartnerScoped('params')
  @ApiOperation({ summary: "A partner's referrals, optionally of one status, in referralId order (paged)" })
  @ApiOkResponse({ type: PartnerReferralsDto })
  @ApiBadRequestResponse({ description: 'a bad partnerId, status, limit or after (the message names it)' })
  list(@Param() params: PartnerIdParamDto, @Query() query: PartnerReferralsQueryDto): Promise<PartnerReferralsDto> {
    return this.referrals.ofPartner(params.partnerId, query.status ?? null, query.after ?? null, query.limit);
  }
}
