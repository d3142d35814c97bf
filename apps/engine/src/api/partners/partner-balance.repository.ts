import { Currency, isoTimestamp } from '@engine/domain';
import { Queryable } from '@engine/persistence';

export interface LedgerSums {
  currency: Currency;
  /** every entry */
  earned: bigint;
  /** positive entries released after `at` */
  held: bigint;
}

/** What a partner's ledger sums to, per currency (CONTRACT §10, "Balance"). */
export class PartnerBalanceRepository {
  async ledgerSums(q: Queryable, partnerId: string, at: number): Promise<LedgerSums[]> {
    const rows: { currency: string; earned: string; held: string }[] = await q.query(
      `SELECT currency, sum(amount)::text AS earned, coalesce(sum(amount) FILTER (WHERE amount > 0 AND release_at > $2::timestamptz), 0)::text AS held
         FROM ledger_entry WHERE partner_id = $1 GROUP BY currency`,
      [partnerId, isoTimestamp(at)],
    );
    return rows.map((r) => ({ currency: r.currency as Currency, earned: BigInt(r.earned), held: BigInt(r.held) }));
  }
}
