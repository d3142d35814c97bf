import { Queryable } from '@engine/persistence';
import { DataSource } from 'typeorm';

/** A ledger entry as exported (CONTRACT §5): everything already text, times ISO-8601 UTC with milliseconds. */
export interface LedgerExportRow {
  entry_id: string;
  booked_period: string;
  effective_period: string;
  partner_id: string;
  referral_id: string | null;
  customer_id: string | null;
  type: string;
  amount: string;
  currency: string;
  source_event_id: string | null;
  effective_at: string;
  created_at: string;
}

export interface LedgerFilter {
  period: string;
  partnerId: string | null;
}

const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
const SELECT_ROWS = `
  SELECT entry_id::text, booked_period, effective_period, partner_id, referral_id, customer_id, type, amount::text, currency,
         source_event_id, to_char(effective_at AT TIME ZONE 'UTC', ${ISO}) AS effective_at,
         to_char(created_at AT TIME ZONE 'UTC', ${ISO}) AS created_at
    FROM ledger_entry
   WHERE booked_period = $1 AND ($2::text IS NULL OR partner_id = $2)
   ORDER BY entry_id`;

/** Reads the ledger for exports: through a server-side cursor, so memory stays flat whatever the period's size. */
export class LedgerExportRepository {
  constructor(private readonly dataSource: DataSource) {}

  async count(q: Queryable, filter: LedgerFilter): Promise<number> {
    const rows: { n: string }[] = await q.query(
      `SELECT count(*)::text AS n FROM ledger_entry WHERE booked_period = $1 AND ($2::text IS NULL OR partner_id = $2)`,
      [filter.period, filter.partnerId],
    );
    return Number(rows[0].n);
  }

  /**
   * The entries booked in the period, in entry_id order, `batchSize` rows at a time from a cursor (DECLARE/FETCH) on a
   * connection of its own, inside a read-only REPEATABLE READ transaction: one consistent snapshot for the whole
   * export. Stopping the iteration early (client gone) closes the cursor and releases the connection.
   */
  async *rows(filter: LedgerFilter, batchSize = 2000): AsyncGenerator<LedgerExportRow[]> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction('REPEATABLE READ');
      await runner.query('SET TRANSACTION READ ONLY');
      await runner.query(`DECLARE ledger_export NO SCROLL CURSOR FOR ${SELECT_ROWS}`, [filter.period, filter.partnerId]);
      for (;;) {
        const batch: LedgerExportRow[] = await runner.query(`FETCH FORWARD ${Math.max(1, Math.floor(batchSize))} FROM ledger_export`);
        if (batch.length === 0) break;
        yield batch;
      }
      await runner.commitTransaction();
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      await runner.release();
    }
  }
}
