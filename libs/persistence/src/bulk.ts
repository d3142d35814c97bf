/**
 * Set-based writes: a whole batch of rows goes to PostgreSQL as ONE json parameter expanded by
 * json_to_recordset. One round trip per table per batch, and far less work in Node than array parameters
 * (JSON.stringify is native; the pg driver's array escaping is not).
 */
export type Columns = readonly (readonly [name: string, type: string])[];

export function fromRecordset(columns: Columns, parameter = 1): string {
  return `SELECT ${columns.map(([name]) => name).join(', ')} FROM json_to_recordset($${parameter}::json) AS r(${columns.map(([name, type]) => `${name} ${type}`).join(', ')})`;
}

export function columnList(columns: Columns): string {
  return columns.map(([name]) => name).join(', ');
}

/**
 * `[a,b,…]` from JSON texts, as ONE flat string: join() writes a flat string, while a template or `+` around it
 * makes a cons string, which the pg driver's Buffer.byteLength flattens into a second full-size copy (about 1 MB
 * per 1,000 events on the hot path). Takes ownership of `items` (its ends get the brackets).
 */
export function jsonArray(items: string[]): string {
  if (items.length === 0) return '[]';
  items[0] = `[${items[0]}`;
  items[items.length - 1] = `${items[items.length - 1]}]`;
  return items.join(',');
}
