import { bookedPeriod, Currency, isoTimestamp, LedgerEntryType, PlannedEntry, PostedCell, periodOf } from '@engine/domain';
import { columnList, fromRecordset } from '../bulk';
import { Queryable } from '../queryable';

/** A ledger entry as written (CONTRACT §5). Amounts are integer minor units. */
export interface LedgerEntry {
  entryId: string;
  partnerId: string;
  referralId: string | null;
  customerId: string | null;
  type: LedgerEntryType;
  /** what the amount is for (see ExpectedAmount.slot); null for manual adjustments */
  slot: string | null;
  amount: bigint;
  currency: Currency;
  sourceEventId: string | null;
  effectiveAt: number;
  effectivePeriod: string;
  bookedPeriod: string;
  createdAt: number;
  /** the referral's binding (CONTRACT §8); null for partner-level entries */
  programId: string | null;
  programVersion: number | null;
  releaseAt: number;
}

export interface NewLedgerEntry extends Omit<PlannedEntry, 'slot' | 'referralId' | 'programId' | 'programVersion'> {
  /** null for a partner-level adjustment */
  referralId: string | null;
  slot: string | null;
  programId: string | null;
  programVersion: number | null;
}

const ENTRY_COLUMNS = [
  ['partner_id', 'text'], ['referral_id', 'text'], ['customer_id', 'text'], ['type', 'text'], ['slot', 'text'], ['amount', 'int8'],
  ['currency', 'text'], ['source_event_id', 'text'], ['effective_at', 'timestamptz'], ['effective_period', 'text'], ['booked_period', 'text'],
  ['program_id', 'text'], ['program_version', 'int4'], ['release_at', 'timestamptz'],
] as const;

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
      `INSERT INTO ledger_entry (${columnList(ENTRY_COLUMNS)}) ${fromRecordset(ENTRY_COLUMNS)}
       RETURNING entry_id::text, (extract(epoch from created_at) * 1000)::int8 AS created_ms`,
      [JSON.stringify(entries.map((e, i) => ({
        partner_id: e.partnerId, referral_id: e.referralId, customer_id: e.customerId, type: e.type, slot: e.slot, amount: e.amount.toString(),
        currency: e.currency, source_event_id: e.sourceEventId, effective_at: isoTimestamp(e.effectiveAt),
        effective_period: effective[i], booked_period: bookedPeriod(effective[i], closed),
        program_id: e.programId, program_version: e.programVersion, release_at: isoTimestamp(e.releaseAt),
      })))],
    );
    return rows.map((row, i) => ({
      entryId: row.entry_id,
      partnerId: entries[i].partnerId,
      referralId: entries[i].referralId,
      customerId: entries[i].customerId,
      type: entries[i].type,
      slot: entries[i].slot,
      amount: entries[i].amount,
      currency: entries[i].currency,
      sourceEventId: entries[i].sourceEventId,
      effectiveAt: entries[i].effectiveAt,
      effectivePeriod: effective[i],
      bookedPeriod: bookedPeriod(effective[i], closed),
      createdAt: Number(row.created_ms),
      programId: entries[i].programId,
      programVersion: entries[i].programVersion,
      releaseAt: entries[i].releaseAt,
    }));
  }
}
