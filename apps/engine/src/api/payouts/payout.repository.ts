import { BookedNet, Currency, HeldAtEnd, PayoutStatement } from '@engine/domain';
import { Queryable } from '@engine/persistence';

const STATEMENT_COLUMNS = `period, partner_id, currency, opening::text, net::text, closing::text, held::text, available::text, payable::text, carried::text`;

function toStatement(r: any): PayoutStatement {
  return {
    period: r.period, partnerId: r.partner_id, currency: r.currency as Currency,
    opening: BigInt(r.opening), net: BigInt(r.net), closing: BigInt(r.closing), held: BigInt(r.held), available: BigInt(r.available),
    payable: BigInt(r.payable), carried: BigInt(r.carried),
  };
}

/** Accounting periods, stored payout statements and booked sums (CONTRACT §5). */
export class PayoutRepository {
  /** When the period was closed, or null while it is open. */
  async closedAt(q: Queryable, period: string): Promise<Date | null> {
    const rows: { closed_at: Date }[] = await q.query('SELECT closed_at FROM accounting_period WHERE period = $1', [period]);
    return rows[0]?.closed_at ?? null;
  }

  /** The latest closed period before `period`, or null. */
  async lastClosedBefore(q: Queryable, period: string): Promise<string | null> {
    const rows: { period: string | null }[] = await q.query('SELECT max(period) AS period FROM accounting_period WHERE period < $1', [period]);
    return rows[0].period;
  }

  /** Every closed period, ascending (one row per month: a small table). */
  async closedPeriods(q: Queryable): Promise<string[]> {
    const rows: { period: string }[] = await q.query('SELECT period FROM accounting_period ORDER BY period');
    return rows.map((r) => r.period);
  }

  /** The first period with booked entries, or null for an empty ledger. */
  async earliestKnownPeriod(q: Queryable): Promise<string | null> {
    const rows: { period: string | null }[] = await q.query('SELECT min(booked_period) AS period FROM ledger_entry');
    return rows[0].period;
  }

  /** Open periods before `period` that have entries booked in them (they block closing `period`). */
  async openPeriodsWithEntriesBefore(q: Queryable, period: string): Promise<string[]> {
    const rows: { period: string }[] = await q.query(
      `SELECT DISTINCT booked_period AS period FROM ledger_entry l
        WHERE booked_period < $1 AND NOT EXISTS (SELECT 1 FROM accounting_period a WHERE a.period = l.booked_period)
        ORDER BY 1`,
      [period],
    );
    return rows.map((r) => r.period);
  }

  /** Stored statements of a closed period, by partner then currency (byte order, like the domain sorts them). */
  async statements(q: Queryable, period: string): Promise<PayoutStatement[]> {
    const rows = await q.query(
      `SELECT ${STATEMENT_COLUMNS} FROM payout_statement WHERE period = $1 ORDER BY partner_id COLLATE "C", currency COLLATE "C"`,
      [period],
    );
    return rows.map(toStatement);
  }

  /** The latest stored statement of every (partner, currency) before `period`. */
  async latestStatementsBefore(q: Queryable, period: string): Promise<PayoutStatement[]> {
    const rows = await q.query(
      `SELECT DISTINCT ON (partner_id, currency) ${STATEMENT_COLUMNS}
         FROM payout_statement WHERE period < $1 ORDER BY partner_id, currency, period DESC`,
      [period],
    );
    return rows.map(toStatement);
  }

  /** Sums of the entries booked in open periods after `after` (exclusive, null: from the start) up to `upTo`. */
  async openNets(q: Queryable, after: string | null, upTo: string): Promise<BookedNet[]> {
    const rows: any[] = await q.query(
      `SELECT partner_id, currency, booked_period, sum(amount)::text AS net
         FROM ledger_entry l
        WHERE booked_period <= $2 AND ($1::text IS NULL OR booked_period > $1)
          AND NOT EXISTS (SELECT 1 FROM accounting_period a WHERE a.period = l.booked_period)
        GROUP BY partner_id, currency, booked_period`,
      [after, upTo],
    );
    return rows.map((r) => ({ partnerId: r.partner_id, currency: r.currency, period: r.booked_period, net: BigInt(r.net) }));
  }

  /** Sums of the entries booked in the given periods. */
  async netsOf(q: Queryable, periods: string[]): Promise<BookedNet[]> {
    const rows: any[] = await q.query(
      `SELECT partner_id, currency, booked_period, sum(amount)::text AS net FROM ledger_entry
        WHERE booked_period = ANY($1::text[]) GROUP BY partner_id, currency, booked_period`,
      [periods],
    );
    return rows.map((r) => ({ partnerId: r.partner_id, currency: r.currency, period: r.booked_period, net: BigInt(r.net) }));
  }

  /**
   * What is held at the end of each period (CONTRACT §10): per (partner, currency), the positive entries booked in the
   * period or before whose release time is after the period's end.
   */
  async heldAtEnd(q: Queryable, periods: readonly string[]): Promise<HeldAtEnd[]> {
    if (periods.length === 0) return [];
    const rows: any[] = await q.query(
      `SELECT p.period, l.partner_id, l.currency, sum(l.amount)::text AS held
         FROM unnest($1::text[]) AS p(period)
         JOIN ledger_entry l ON l.booked_period <= p.period AND l.release_at > ((p.period || '-01')::date + interval '1 month') AT TIME ZONE 'UTC'
          AND l.amount > 0
        GROUP BY p.period, l.partner_id, l.currency`,
      [periods],
    );
    return rows.map((r) => ({ period: r.period, partnerId: r.partner_id, currency: r.currency, held: BigInt(r.held) }));
  }

  /** Marks the periods closed (one closing time for all) and returns that time. */
  async insertClosedPeriods(q: Queryable, periods: string[]): Promise<Date> {
    const rows: { closed_at: Date }[] = await q.query(
      `INSERT INTO accounting_period (period, closed_at) SELECT p, now() FROM unnest($1::text[]) AS p RETURNING closed_at`,
      [periods],
    );
    return rows[0].closed_at;
  }

  async insertStatements(q: Queryable, statements: PayoutStatement[]): Promise<void> {
    if (statements.length === 0) return;
    const col = (f: (s: PayoutStatement) => string) => statements.map(f);
    await q.query(
      `INSERT INTO payout_statement (period, partner_id, currency, opening, net, closing, held, available, payable, carried)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[], $5::int8[], $6::int8[], $7::int8[], $8::int8[], $9::int8[], $10::int8[])`,
      [
        col((s) => s.period), col((s) => s.partnerId), col((s) => s.currency), col((s) => s.opening.toString()),
        col((s) => s.net.toString()), col((s) => s.closing.toString()), col((s) => s.held.toString()), col((s) => s.available.toString()),
        col((s) => s.payable.toString()), col((s) => s.carried.toString()),
      ],
    );
  }
}
