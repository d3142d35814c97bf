import { isoTimestamp, ReferralWrite, StatusChange, StoredReferral } from '@engine/domain';
import { columnList, fromRecordset } from '../bulk';
import { Queryable } from '../queryable';

const ms = (value: Date | null) => (value === null ? null : value.getTime());
const iso = (value: number | null) => (value === null ? null : isoTimestamp(value));

/** Current referral state and its status history. Reads and writes are one statement per batch. */
export class ReferralStateRepository {
  async load(q: Queryable, referralIds: string[]): Promise<Map<string, StoredReferral>> {
    if (referralIds.length === 0) return new Map();
    const rows: any[] = await q.query(
      `SELECT referral_id, partner_id, program_id, program_version, submitted_at, status, reason, customer_id, signed_up_at, activated_at, qualified_at, qualifying_currency,
              qualifying_spend, expires_at, sequence, qualified_version
         FROM referral WHERE referral_id = ANY($1::text[])`,
      [referralIds],
    );
    return new Map(
      rows.map((r) => [
        r.referral_id,
        {
          referralId: r.referral_id, partnerId: r.partner_id, programId: r.program_id, programVersion: r.program_version, submittedAt: ms(r.submitted_at)!, status: r.status, reason: r.reason, customerId: r.customer_id,
          signedUpAt: ms(r.signed_up_at), activatedAt: ms(r.activated_at), qualifiedAt: ms(r.qualified_at),
          qualifyingCurrency: r.qualifying_currency, qualifyingSpend: r.qualifying_spend === null ? null : BigInt(r.qualifying_spend),
          expiresAt: ms(r.expires_at), sequence: r.sequence, qualifiedVersion: r.qualified_version,
        },
      ]),
    );
  }

  async upsert(q: Queryable, writes: ReferralWrite[], now: number): Promise<void> {
    if (writes.length === 0) return;
    const columns = [
      ['referral_id', 'text'], ['partner_id', 'text'], ['program_id', 'text'], ['program_version', 'int4'], ['customer_id', 'text'], ['status', 'text'], ['reason', 'text'], ['submitted_at', 'timestamptz'],
      ['signed_up_at', 'timestamptz'], ['activated_at', 'timestamptz'], ['qualified_at', 'timestamptz'], ['qualifying_currency', 'text'],
      ['qualifying_spend', 'int8'], ['expires_at', 'timestamptz'], ['sequence', 'int4'], ['qualified_version', 'int4'], ['updated_at', 'timestamptz'],
    ] as const;
    const updatedAt = iso(now);
    await q.query(
      `INSERT INTO referral (${columnList(columns)}) ${fromRecordset(columns)}
       ON CONFLICT (referral_id) DO UPDATE SET
         partner_id = excluded.partner_id, program_id = excluded.program_id, program_version = excluded.program_version, customer_id = excluded.customer_id, status = excluded.status, reason = excluded.reason,
         submitted_at = excluded.submitted_at, signed_up_at = excluded.signed_up_at, activated_at = excluded.activated_at,
         qualified_at = excluded.qualified_at, qualifying_currency = excluded.qualifying_currency,
         qualifying_spend = excluded.qualifying_spend, expires_at = excluded.expires_at, sequence = excluded.sequence,
         qualified_version = excluded.qualified_version, updated_at = excluded.updated_at`,
      [JSON.stringify(writes.map(({ outcome: o, sequence, qualifiedVersion }) => ({
        referral_id: o.referralId, partner_id: o.partnerId, program_id: o.programId, program_version: o.programVersion, customer_id: o.customerId, status: o.status, reason: o.reason,
        submitted_at: iso(o.submittedAt), signed_up_at: iso(o.signedUpAt), activated_at: iso(o.activatedAt), qualified_at: iso(o.qualifiedAt),
        qualifying_currency: o.qualifyingCurrency, qualifying_spend: o.qualifyingSpend?.toString() ?? null, expires_at: iso(o.expiresAt),
        sequence, qualified_version: qualifiedVersion, updated_at: updatedAt,
      })))],
    );
  }

  async appendHistory(q: Queryable, changes: StatusChange[]): Promise<void> {
    if (changes.length === 0) return;
    await q.query(
      `INSERT INTO referral_status_history (referral_id, sequence, status, reason, previous_status, partner_id, previous_partner_id, changed_at)
       ${fromRecordset([['referral_id', 'text'], ['sequence', 'int4'], ['status', 'text'], ['reason', 'text'], ['previous_status', 'text'], ['partner_id', 'text'], ['previous_partner_id', 'text'], ['changed_at', 'timestamptz']])}`,
      [JSON.stringify(changes.map((c) => ({
        referral_id: c.referralId, sequence: c.sequence, status: c.status, reason: c.reason, previous_status: c.previousStatus,
        partner_id: c.partnerId, previous_partner_id: c.previousPartnerId, changed_at: iso(c.changedAt),
      })))],
    );
  }

  /** The referral each of these customers claimed (its stored row names it), by customer. */
  async claimsOf(q: Queryable, customerIds: string[]): Promise<Map<string, string>> {
    if (customerIds.length === 0) return new Map();
    const rows: { customer_id: string; referral_id: string }[] = await q.query(
      `SELECT customer_id, referral_id FROM referral WHERE customer_id = ANY($1::text[])`,
      [customerIds],
    );
    return new Map(rows.map((r) => [r.customer_id, r.referral_id]));
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
