import { Queryable } from '@engine/persistence';

export interface ReferralRow {
  referral_id: string;
  partner_id: string;
  program_id: string;
  program_version: number;
  customer_id: string | null;
  status: string;
  reason: string | null;
  submitted_at: Date;
  signed_up_at: Date | null;
  activated_at: Date | null;
  qualified_at: Date | null;
}

export interface HistoryRow {
  sequence: number;
  status: string;
  reason: string | null;
  previous_status: string | null;
  partner_id: string | null;
  previous_partner_id: string | null;
  changed_at: Date;
}

const REFERRAL_COLUMNS = 'referral_id, partner_id, program_id, program_version, customer_id, status, reason, submitted_at, signed_up_at, activated_at, qualified_at';

/** Read-only views of referrals, their status history and ledger totals. */
export class ReferralViewRepository {
  async referral(q: Queryable, referralId: string): Promise<ReferralRow | null> {
    const rows: ReferralRow[] = await q.query(`SELECT ${REFERRAL_COLUMNS} FROM referral WHERE referral_id = $1`, [referralId]);
    return rows[0] ?? null;
  }

  async history(q: Queryable, referralId: string): Promise<HistoryRow[]> {
    return q.query(
      'SELECT sequence, status, reason, previous_status, partner_id, previous_partner_id, changed_at FROM referral_status_history WHERE referral_id = $1 ORDER BY sequence',
      [referralId],
    );
  }

  async totals(q: Queryable, referralId: string): Promise<{ currency: string; amount: string }[]> {
    return q.query(
      'SELECT currency, sum(amount)::text AS amount FROM ledger_entry WHERE referral_id = $1 GROUP BY currency ORDER BY currency COLLATE "C"',
      [referralId],
    );
  }

  /** A page of the partner's referrals in referral_id order (byte order), after `after` when given. */
  async ofPartner(q: Queryable, partnerId: string, status: string | null, after: string | null, limit: number): Promise<ReferralRow[]> {
    return q.query(
      `SELECT ${REFERRAL_COLUMNS} FROM referral
        WHERE partner_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR referral_id COLLATE "C" > $3)
        ORDER BY referral_id COLLATE "C" LIMIT $4`,
      [partnerId, status, after, limit],
    );
  }
}
