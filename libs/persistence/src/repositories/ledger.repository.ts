import { bookedPeriod, Currency, LedgerEntryType, PlannedEntry, PostedCell, periodOf } from '@engine/domain';
import { Queryable } from '../queryable';

/** A ledger entry as written (CONTRACT §5). Amounts are integer minor units. */
export interface LedgerEntry {
  entryId: string;
  partnerId: string;
  referralId: string | null;
  customerId: string | null;
  type: LedgerEntryType;
  amount: bigint;
  currency: Currency;
  sourceEventId: string | null;
  effectiveAt: number;
  effectivePeriod: string;
  bookedPeriod: string;
  createdAt: number;
}

export interface NewLedgerEntry extends Omit<PlannedEntry, 'slot'> {
  slot: string | null;
}

/** The append-only commission ledger. It only ever INSERTs (a trigger refuses UPDATE and DELETE). */
export class LedgerRepository {
  /** What the ledger holds per (referral, slot, currency, effectiveAt) for the given referrals. */
  async postedCells(q: Queryable, referralIds: string[]): Promise<PostedCell[]> {
    if (referralIds.length === 0) return [];
    const rows: any[] = await q.query(
      `SELECT referral_id, partner_id, slot, currency, (extract(epoch from effective_at) * 1000)::int8 AS effective_ms, sum(amount)::text AS amount,
              (array_agg(customer_id ORDER BY entry_id DESC))[1] AS customer_id,
              (array_agg(source_event_id ORDER BY entry_id DESC))[1] AS source_event_id
         FROM ledger_entry
        WHERE referral_id = ANY($1::text[]) AND slot IS NOT NULL
        GROUP BY referral_id, partner_id, slot, currency, effective_at`,
      [referralIds],
    );
    return rows.map((r) => ({
      referralId: r.referral_id, partnerId: r.partner_id, customerId: r.customer_id, slot: r.slot, currency: r.currency,
      effectiveAt: Number(r.effective_ms), amount: BigInt(r.amount), sourceEventId: r.source_event_id,
    }));
  }

  async closedPeriods(q: Queryable): Promise<Set<string>> {
    const rows: { period: string }[] = await q.query('SELECT period FROM accounting_period');
    return new Set(rows.map((r) => r.period));
  }

  /** One multi-row insert; returns the entries with their ids, in the order given. */
  async append(q: Queryable, entries: NewLedgerEntry[], closed: ReadonlySet<string>): Promise<LedgerEntry[]> {
    if (entries.length === 0) return [];
    const effective = entries.map((e) => periodOf(e.effectiveAt));
    const rows: any[] = await q.query(
      `INSERT INTO ledger_entry (partner_id, referral_id, customer_id, type, slot, amount, currency, source_event_id,
                                 effective_at, effective_period, booked_period)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[], $7::text[], $8::text[],
                            $9::timestamptz[], $10::text[], $11::text[])
       RETURNING entry_id::text, (extract(epoch from created_at) * 1000)::int8 AS created_ms`,
      [
        entries.map((e) => e.partnerId), entries.map((e) => e.referralId), entries.map((e) => e.customerId),
        entries.map((e) => e.type), entries.map((e) => e.slot), entries.map((e) => e.amount.toString()),
        entries.map((e) => e.currency), entries.map((e) => e.sourceEventId),
        entries.map((e) => new Date(e.effectiveAt).toISOString()), effective, effective.map((p) => bookedPeriod(p, closed)),
      ],
    );
    return rows.map((row, i) => ({
      entryId: row.entry_id,
      partnerId: entries[i].partnerId,
      referralId: entries[i].referralId,
      customerId: entries[i].customerId,
      type: entries[i].type,
      amount: entries[i].amount,
      currency: entries[i].currency,
      sourceEventId: entries[i].sourceEventId,
      effectiveAt: entries[i].effectiveAt,
      effectivePeriod: effective[i],
      bookedPeriod: bookedPeriod(effective[i], closed),
      createdAt: Number(row.created_ms),
    }));
  }
}
