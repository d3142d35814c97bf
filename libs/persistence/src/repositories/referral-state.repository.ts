import { Currency, ReferralOutcome, ReferralStatus, StatusReason } from '@engine/domain';
import { Queryable } from '../queryable';

/** A referral as the database holds it: the last outcome plus the counters of what was published. */
export interface StoredReferral {
  referralId: string;
  status: ReferralStatus;
  reason: StatusReason | null;
  customerId: string | null;
  signedUpAt: number | null;
  activatedAt: number | null;
  qualifiedAt: number | null;
  qualifyingCurrency: Currency | null;
  qualifyingSpend: bigint | null;
  expiresAt: number | null;
  sequence: number;
  qualifiedVersion: number;
}

export interface ReferralWrite {
  outcome: ReferralOutcome;
  sequence: number;
  qualifiedVersion: number;
}

export interface StatusChange {
  referralId: string;
  sequence: number;
  status: ReferralStatus;
  reason: StatusReason | null;
  previousStatus: ReferralStatus | null;
  changedAt: number;
}

const ms = (value: Date | null) => (value === null ? null : value.getTime());
const iso = (value: number | null) => (value === null ? null : new Date(value).toISOString());

/** Current referral state and its status history. Reads and writes are one statement per batch. */
export class ReferralStateRepository {
  async load(q: Queryable, referralIds: string[]): Promise<Map<string, StoredReferral>> {
    if (referralIds.length === 0) return new Map();
    const rows: any[] = await q.query(
      `SELECT referral_id, status, reason, customer_id, signed_up_at, activated_at, qualified_at, qualifying_currency,
              qualifying_spend, expires_at, sequence, qualified_version
         FROM referral WHERE referral_id = ANY($1::text[])`,
      [referralIds],
    );
    return new Map(
      rows.map((r) => [
        r.referral_id,
        {
          referralId: r.referral_id, status: r.status, reason: r.reason, customerId: r.customer_id,
          signedUpAt: ms(r.signed_up_at), activatedAt: ms(r.activated_at), qualifiedAt: ms(r.qualified_at),
          qualifyingCurrency: r.qualifying_currency, qualifyingSpend: r.qualifying_spend === null ? null : BigInt(r.qualifying_spend),
          expiresAt: ms(r.expires_at), sequence: r.sequence, qualifiedVersion: r.qualified_version,
        },
      ]),
    );
  }

  async upsert(q: Queryable, writes: ReferralWrite[], now: number): Promise<void> {
    if (writes.length === 0) return;
    const col = <T>(f: (w: ReferralWrite) => T) => writes.map(f);
    await q.query(
      `INSERT INTO referral (referral_id, partner_id, customer_id, status, reason, submitted_at, signed_up_at, activated_at, qualified_at,
                             qualifying_currency, qualifying_spend, expires_at, sequence, qualified_version, updated_at)
       SELECT *, $15::timestamptz FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[],
                           $8::timestamptz[], $9::timestamptz[], $10::text[], $11::int8[], $12::timestamptz[], $13::int4[], $14::int4[])
       ON CONFLICT (referral_id) DO UPDATE SET
         partner_id = excluded.partner_id, customer_id = excluded.customer_id, status = excluded.status, reason = excluded.reason,
         submitted_at = excluded.submitted_at, signed_up_at = excluded.signed_up_at, activated_at = excluded.activated_at,
         qualified_at = excluded.qualified_at, qualifying_currency = excluded.qualifying_currency,
         qualifying_spend = excluded.qualifying_spend, expires_at = excluded.expires_at, sequence = excluded.sequence,
         qualified_version = excluded.qualified_version, updated_at = excluded.updated_at`,
      [
        col((w) => w.outcome.referralId), col((w) => w.outcome.partnerId), col((w) => w.outcome.customerId),
        col((w) => w.outcome.status), col((w) => w.outcome.reason), col((w) => iso(w.outcome.submittedAt)),
        col((w) => iso(w.outcome.signedUpAt)), col((w) => iso(w.outcome.activatedAt)), col((w) => iso(w.outcome.qualifiedAt)),
        col((w) => w.outcome.qualifyingCurrency), col((w) => w.outcome.qualifyingSpend?.toString() ?? null),
        col((w) => iso(w.outcome.expiresAt)), col((w) => w.sequence), col((w) => w.qualifiedVersion), iso(now),
      ],
    );
  }

  async appendHistory(q: Queryable, changes: StatusChange[]): Promise<void> {
    if (changes.length === 0) return;
    await q.query(
      `INSERT INTO referral_status_history (referral_id, sequence, status, reason, previous_status, changed_at)
       SELECT * FROM unnest($1::text[], $2::int4[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])`,
      [
        changes.map((c) => c.referralId), changes.map((c) => c.sequence), changes.map((c) => c.status),
        changes.map((c) => c.reason), changes.map((c) => c.previousStatus), changes.map((c) => iso(c.changedAt)),
      ],
    );
  }

  /** Referrals whose pending expiry is due at `now` (for the periodic sweep). */
  async dueForExpiry(q: Queryable, now: number, limit: number): Promise<string[]> {
    const rows: { referral_id: string }[] = await q.query(
      `SELECT referral_id FROM referral WHERE expires_at <= $1::timestamptz ORDER BY expires_at LIMIT $2`,
      [iso(now), limit],
    );
    return rows.map((r) => r.referral_id);
  }
}
