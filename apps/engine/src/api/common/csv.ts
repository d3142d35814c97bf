/** RFC 4180 fields and records: a field holding a comma, a double quote, CR or LF is quoted, quotes doubled; CRLF ends a record. */
export const CSV_EOL = '\r\n';

const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRecord(fields: readonly (string | number | boolean | null | undefined)[]): string {
  return fields.map(csvField).join(',') + CSV_EOL;
}
