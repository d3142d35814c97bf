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
