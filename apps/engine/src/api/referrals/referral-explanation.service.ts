import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '@engine/config';
import { Currency, explainReferral, Explanation, formatAmount, isoTimestamp, RuleSettings } from '@engine/domain';
import { DataSource } from 'typeorm';
import { API_DATA_SOURCE, RULE_SETTINGS } from '../../engine.tokens';
import { Principal } from '../auth/principal';
import { ApiException, ApiExceptionCode } from '../errors/api.exception';
import { ReferralExplanationDto } from './dtos/referral-explanation.dto';
import { ReferralInputsQuery } from './referral-inputs.query';
import { ReferralViewRepository } from './referral-view.repository';
import { visibleReferral } from './referral-view.service';

/** The explanation as the API returns it: amounts as decimal strings in the currency's digits, times as ISO 8601. */
export function explanationView(explanation: Explanation): ReferralExplanationDto {
  const { referral, steps, totals } = explanation;
  return {
    referralId: referral.referralId,
    status: referral.status,
    reason: referral.reason,
    partnerId: referral.partnerId,
    program: { programId: referral.programId, version: referral.programVersion },
    totals: Object.fromEntries(Object.entries(totals).map(([currency, minor]) => [currency, formatAmount(minor!, currency as Currency)])),
    steps: steps.map((s, i) => ({
      step: i + 1,
      kind: s.kind,
      text: s.text,
      events: s.events.map((e) => ({ source: e.source, id: e.id, type: e.type, time: isoTimestamp(e.time) })),
      terms: s.terms,
      amount: s.amount && {
        type: s.amount.type, currency: s.amount.currency, amount: formatAmount(s.amount.minor, s.amount.currency), effectiveAt: isoTimestamp(s.amount.effectiveAt),
      },
    })),
  };
}

/**
 * How a referral's status and amounts follow from its events and terms (CONTRACT §8 "Explanation"), recomputed by the
 * ledger's own rules at the engine clock from the stored events, for finance and for the referral's current partner.
 */
@Injectable()
export class ReferralExplanationService {
  private readonly referrals = new ReferralViewRepository();
  private readonly inputs = new ReferralInputsQuery();

  constructor(
    @Inject(API_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(RULE_SETTINGS) private readonly settings: RuleSettings,
    private readonly clock: Clock,
  ) {}

  /** 404 / 403 for unknown ids and other partners' referrals as GET /v1/referrals/{id} (visibleReferral). */
  async explain(referralId: string, principal: Principal): Promise<Explanation> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      await manager.query('SET TRANSACTION READ ONLY');
      visibleReferral(await this.referrals.referral(manager, referralId), referralId, principal);
      const { events, rules } = await this.inputs.load(manager, referralId, this.settings);
      const explanation = explainReferral(referralId, events, this.clock.now(), rules);
      if (!explanation) throw new ApiException(ApiExceptionCode.NOT_FOUND, `no submission of referral ${referralId} is stored`, { referralId });
      return explanation;
    });
  }
}
