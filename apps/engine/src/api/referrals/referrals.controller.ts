import { Get, Param, Query, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces } from '@nestjs/swagger';
import { explanationText } from '@engine/domain';
import { Response } from 'express';
import { Principal } from '../auth/principal';
import { CurrentPrincipal, PartnerScoped, Roles } from '../auth/roles.decorator';
import { ApiV1Controller } from '../common/api-controller.decorator';
import { ExplanationQueryDto, ReferralExplanationDto } from './dtos/referral-explanation.dto';
import { PartnerIdParamDto, PartnerReferralsQueryDto, ReferralIdParamDto } from './dtos/referral-params.dto';
import { PartnerReferralsDto, ReferralViewDto } from './dtos/referral-view.dto';
import { explanationView, ReferralExplanationService } from './referral-explanation.service';
import { ReferralViewService } from './referral-view.service';

@ApiV1Controller('referrals', 'referrals')
export class ReferralsController {
  constructor(
    private readonly referrals: ReferralViewService,
    private readonly explanations: ReferralExplanationService,
  ) {}

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

  @Get(':referralId/explanation')
  @Roles('finance', 'partner')
  @ApiOperation({
    summary: 'How the referral status and every ledger amount for it follow from its events and program terms (CONTRACT §8)',
    description:
      'Ordered steps (binding, partner standing, submission rules, claim, activation, qualification, each commission, reversal, termination, expiry), ' +
      'each naming the events and terms it used, recomputed at the engine clock by the rules the ledger follows; the step amounts sum per currency ' +
      'to the referral ledger total. format=text: the same steps as numbered sentences (text/plain). Access as GET /v1/referrals/{referralId}.',
  })
  @ApiProduces('application/json', 'text/plain')
  @ApiOkResponse({ type: ReferralExplanationDto })
  @ApiNotFoundResponse({ description: 'no such referral (finance keys)' })
  @ApiBadRequestResponse({ description: 'a malformed referralId, or a format other than json or text (the message names it)' })
  async explanation(
    @Param() params: ReferralIdParamDto,
    @Query() query: ExplanationQueryDto,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ReferralExplanationDto | string> {
    const explanation = await this.explanations.explain(params.referralId, principal);
    if (query.format !== 'text') return explanationView(explanation);
    response.setHeader('Content-Type', 'text/plain; charset=utf-8');
    return explanationText(explanation);
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
