import { Inject, Injectable } from '@nestjs/common';
import { Currency, formatAmount } from '@engine/domain';
import { DataSource } from 'typeorm';
import { API_DATA_SOURCE } from '../../engine.tokens';
import { mayActFor, Principal } from '../auth/principal';
import { ApiException, ApiExceptionCode } from '../errors/api.exception';
import { MAX_PAGE } from './dtos/referral-params.dto';
import { PartnerReferralsDto, ReferralSummaryDto, ReferralViewDto } from './dtos/referral-view.dto';
import { ReferralRow, ReferralViewRepository } from './referral-view.repository';

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

function summary(r: ReferralRow): ReferralSummaryDto {
  return {
    referralId: r.referral_id, partnerId: r.partner_id, customerId: r.customer_id, status: r.status, reason: r.reason,
    submittedAt: r.submitted_at.toISOString(), signedUpAt: iso(r.signed_up_at), activatedAt: iso(r.activated_at), qualifiedAt: iso(r.qualified_at),
    program: { programId: r.program_id, version: r.program_version },
  };
}

/**
 * The referral row if the caller may see it. Finance gets 404 for an unknown id; a partner key gets 403 for an unknown
 * id as for another partner's referral, so that a partner cannot probe which referral ids exist.
 */
export function visibleReferral(row: ReferralRow | null, referralId: string, principal: Principal): ReferralRow {
  if (row && mayActFor(principal, row.partner_id)) return row;
  if (principal.kind === 'partner') throw new ApiException(ApiExceptionCode.FORBIDDEN, `a partner key sees only its own partner's referrals`);
  throw new ApiException(ApiExceptionCode.NOT_FOUND, `no referral ${referralId}`, { referralId });
}

/** Referral status, history and money for finance and for the referral's own partner. */
@Injectable()
export class ReferralViewService {
  private readonly repository = new ReferralViewRepository();

  constructor(@Inject(API_DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** One referral (see visibleReferral for unknown ids and other partners' referrals). */
  async referral(referralId: string, principal: Principal): Promise<ReferralViewDto> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const row = visibleReferral(await this.repository.referral(manager, referralId), referralId, principal);
      const history = await this.repository.history(manager, referralId);
      const totals = await this.repository.totals(manager, referralId);
      return {
        ...summary(row),
        history: history.map((h) => ({
          sequence: h.sequence, status: h.status, reason: h.reason, previousStatus: h.previous_status, changedAt: h.changed_at.toISOString(),
          ...(h.previous_partner_id ? { partnerId: h.partner_id!, previousPartnerId: h.previous_partner_id } : {}),
        })),
        totals: totals.map((t) => ({ currency: t.currency, amount: formatAmount(BigInt(t.amount), t.currency as Currency) })),
      };
    });
  }

  async ofPartner(partnerId: string, status: string | null, after: string | null, limit = MAX_PAGE): Promise<PartnerReferralsDto> {
    const rows = await this.repository.ofPartner(this.dataSource, partnerId, status, after, limit + 1);
    const page = rows.slice(0, limit);
    return { partnerId, referrals: page.map(summary), nextAfter: rows.length > limit ? page[page.length - 1].referral_id : null };
  }
}
