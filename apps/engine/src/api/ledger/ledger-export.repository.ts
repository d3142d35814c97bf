import { CURRENCIES, MINOR_DIGITS } from '@engine/domain';
import { Queryable } from '@engine/persistence';
import { escapeLiteral } from 'pg';

export interface LedgerFilter {
  period: string;
  partnerId: string | null;
}

export type LineFormat = 'csv' | 'json';

/** ISO-8601 UTC with milliseconds, like Date.prototype.toISOString. */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * `amount` (integer minor units) as the contract's decimal string, per currency: the SQL twin of formatAmount, built
 * from the same MINOR_DIGITS table (the integration tests compare the two).
 */
export function amountSql(amount = 'amount', currency = 'currency'): string {
  const cases = CURRENCIES.map((c) => {
    const digits = MINOR_DIGITS[c];
    if (digits === 0) return `WHEN '${c}' THEN ${amount}::text`;
    const scale = 10 ** digits;
    return `WHEN '${c}' THEN (CASE WHEN ${amount} < 0 THEN '-' ELSE '' END) || (abs(${amount}) / ${scale})::text || '.' || lpad((abs(${amount}) % ${scale})::text, ${digits}, '0')`;
  });
  return `(CASE ${currency} ${cases.join(' ')} END)`;
}

/**
 * `text` with OWASP's CSV-injection rule applied: a value starting with `=`, `+`, `-`, `@`, a tab or a CR gets a
 * leading `'`, so that spreadsheets read it as text and not as a formula. The SQL twin of neutraliseFormula
 * (common/csv.ts); the integration tests compare the two. Null stays null.
 */
export function neutralisedSql(text: string): string {
  return `(CASE WHEN left(${text}, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) THEN '''' || ${text} ELSE ${text} END)`;
}

/**
 * The export's columns, named as the CSV header of CONTRACT §5 and in its order (§8 adds the program and the release
 * time at the end). `text`: ids that come from upstream systems, neutralised against formula injection in the CSV
 * (not in JSON, which no spreadsheet evaluates); the columns the engine writes itself (ids, periods, type, amount,
 * currency, times) are left as they are, so a negative amount stays `-12.30`.
 */
const COLUMNS: [name: string, json: string, sql: string, text?: 'text'][] = [
  ['entry_id', 'entryId', 'entry_id::text'],
  ['booked_period', 'bookedPeriod', 'booked_period::text'],
  ['effective_period', 'effectivePeriod', 'effective_period::text'],
  ['partner_id', 'partnerId', 'partner_id', 'text'],
  ['referral_id', 'referralId', 'referral_id', 'text'],
  ['customer_id', 'customerId', 'customer_id', 'text'],
  ['type', 'type', 'type'],
  ['amount', 'amount', amountSql()],
  ['currency', 'currency', 'currency'],
  ['source_event_id', 'sourceEventId', 'source_event_id', 'text'],
  ['effective_at', 'effectiveAt', iso('effective_at')],
  ['created_at', 'createdAt', iso('created_at')],
  ['program_id', 'programId', 'program_id', 'text'],
  ['program_version', 'programVersion', 'program_version'],
  ['release_at', 'releaseAt', iso('release_at')],
];

/** One compact JSON object per entry, keys in the CSV's order, nulls as null (PostgreSQL escapes the strings). */
const JSON_OBJECT = `'{' || ${COLUMNS.map(([, key, sql], i) => `'${i ? ',' : ''}"${key}":' || coalesce(to_json(${sql})::text, 'null')`).join(' || ')} || '}'`;

function where(filter: LedgerFilter): string {
  // COPY takes no bind parameters: the values are quoted literals (escapeLiteral) of already validated input.
  return `WHERE booked_period = ${escapeLiteral(filter.period)}${filter.partnerId === null ? '' : ` AND partner_id = ${escapeLiteral(filter.partnerId)}`}`;
}

/** Reads the ledger for exports. */
export class LedgerExportRepository {
  async count(q: Queryable, filter: LedgerFilter): Promise<number> {
    const rows: { n: string }[] = await q.query(
      `SELECT count(*)::text AS n FROM ledger_entry WHERE booked_period = $1 AND ($2::text IS NULL OR partner_id = $2)`,
      [filter.period, filter.partnerId],
    );
    return Number(rows[0].n);
  }

  /**
   * The COPY statement that streams the entries booked in the period, in entry_id order: CSV with the header row,
   * quoted by PostgreSQL as RFC 4180 asks (fields holding a comma, a quote, CR or LF; quotes doubled), the text
   * columns neutralised against spreadsheet formulas (neutralisedSql), or one JSON
   * object per line (written as CSV with control-character quote and delimiter, which JSON text never holds raw, so
   * nothing is ever quoted or escaped).
   */
  copyStatement(filter: LedgerFilter, format: LineFormat): string {
    const order = `FROM ledger_entry ${where(filter)} ORDER BY entry_id`;
    if (format === 'csv') {
      const cells = COLUMNS.map(([name, , sql, text]) => `${text ? neutralisedSql(sql) : sql} AS ${name}`);
      return `COPY (SELECT ${cells.join(', ')} ${order}) TO STDOUT WITH (FORMAT csv, HEADER true)`;
    }
    return `COPY (SELECT ${JSON_OBJECT} ${order}) TO STDOUT WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')`;
  }
}
