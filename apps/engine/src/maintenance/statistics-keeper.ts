import { Queryable } from '@engine/persistence';

/**
 * The tables the transaction path reads by key with `= ANY($n)` on non-unique columns, and those columns:
 * the working-set read of input_event and the posted cells of ledger_entry. (referral is read by its primary
 * key, which the planner estimates right without statistics.)
 */
export const KEPT_TABLES: Readonly<Record<string, readonly string[]>> = {
  input_event: ['referral_id', 'referral_code', 'customer_id', 'domain', 'partner_id', 'payout_id'],
  ledger_entry: ['referral_id'],
};

/** A table's live rows now, and the rows it had at its last ANALYZE (0 if never analyzed). */
export interface TableGrowth {
  table: string;
  liveRows: number;
  analyzedRows: number;
}

/**
 * Which tables are due: grown by at least `minRows` and by at least the rows they had at the last ANALYZE, so
 * a growing table is analyzed at 5k, 10k, 20k, 40k… rows (a logarithmic number of times), and a table at its
 * working size is left to autovacuum.
 */
export function tablesDue(growth: readonly TableGrowth[], minRows: number): string[] {
  return growth.filter((g) => g.liveRows - g.analyzedRows >= Math.max(minRows, g.analyzedRows)).map((g) => g.table);
}

/**
 * Keeps the planner's statistics up with a fast-growing event store. Autovacuum visits a database once a minute
 * (autovacuum_naptime) and analyzes after 10% growth, so a bulk load into a new or small store (a backfill, a
 * month-end run, the benchmark) runs its first minutes on no statistics. With none, the planner guesses a third
 * of `input_event` for the working-set read (`referral_id = ANY($1) OR … customer_id = ANY($2) …`) and scans
 * the whole table: 47 ms per read at 200k rows, 4.5 s of PostgreSQL time in a 200k-event drain, against 0.35 s
 * with statistics. `run()` compares live rows (pg_stat_user_tables) with the rows at the last ANALYZE
 * (pg_class.reltuples) and analyzes what is due, off the transaction path, only the key columns (a third of the
 * cost of a full ANALYZE; a column list leaves autovacuum's own counter alone, hence the row comparison).
 * The engine's role may not ANALYZE (only an owner may): `analyze_hot_table` does it for it.
 */
export class StatisticsKeeper {
  constructor(
    private readonly db: Queryable,
    private readonly minRows = 5_000,
    private readonly tables: Readonly<Record<string, readonly string[]>> = KEPT_TABLES,
  ) {}

  /** Analyzes the tables that are due; returns their names. */
  async run(): Promise<string[]> {
    const rows: { table: string; live_rows: string; analyzed_rows: string }[] = await this.db.query(
      `SELECT s.relname AS table, s.n_live_tup::text AS live_rows, greatest(c.reltuples, 0)::int8::text AS analyzed_rows
         FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
        WHERE s.schemaname = current_schema() AND s.relname = ANY($1::text[])`,
      [Object.keys(this.tables)],
    );
    const due = tablesDue(rows.map((r) => ({ table: r.table, liveRows: Number(r.live_rows), analyzedRows: Number(r.analyzed_rows) })), this.minRows);
    // ANALYZE needs the table's owner: the engine's role owns nothing, so it asks the owner's SECURITY DEFINER function
    // (migration 1764979200000-least-privilege), which analyzes input_event and ledger_entry only
    for (const table of due) await this.db.query('SELECT analyze_hot_table($1, $2::text[])', [table, this.tables[table]]);
    return due;
  }
}
