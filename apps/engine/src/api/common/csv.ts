/**
 * RFC 4180 fields and records: a field holding a comma, a double quote, CR or LF is quoted, quotes doubled; CRLF ends a
 * record. Text that came from outside (ids of upstream systems, reasons, references) is written through `csvText`,
 * which neutralises spreadsheet formulas; values the engine writes itself (amounts, periods, times, codes) are not
 * touched, so a negative amount stays `-12.30`.
 */
export const CSV_EOL = '\r\n';

const NEEDS_QUOTES = /[",\r\n]/;

/**
 * OWASP's CSV-injection rule: a cell starting with `=`, `+`, `-`, `@`, a tab or a CR is read as a formula by
 * spreadsheets. Such text gets a leading `'`, which makes the cell plain text. The SQL twin for the ledger export is
 * `neutralisedSql` (ledger-export.repository.ts); the two are tested against each other.
 */
export const FORMULA_TRIGGER = /^[=+\-@\t\r]/;

export function neutraliseFormula(text: string): string {
  return FORMULA_TRIGGER.test(text) ? `'${text}` : text;
}

/** A cell of untrusted text: neutralised against formula injection when written (see `neutraliseFormula`). */
export interface CsvText {
  readonly csvText: string | null | undefined;
}

export type CsvValue = string | number | boolean | null | undefined;

/** Marks text from outside the engine, for `csvRecord`. */
export function csvText(value: string | null | undefined): CsvText {
  return { csvText: value };
}

export function csvField(value: CsvValue | CsvText): string {
  if (value === null || value === undefined) return '';
  let text: string;
  if (typeof value === 'object') {
    if (value.csvText === null || value.csvText === undefined) return '';
    text = neutraliseFormula(value.csvText);
  } else text = String(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRecord(fields: readonly (CsvValue | CsvText)[]): string {
  return fields.map(csvField).join(',') + CSV_EOL;
}
