import { columnList, fromRecordset, jsonArray } from './bulk';

describe('bulk SQL helpers', () => {
  it('jsonArray joins JSON texts into one JSON array', () => {
    expect(JSON.parse(jsonArray(['{"a":1}', '"x"', '[2,3]']))).toEqual([{ a: 1 }, 'x', [2, 3]]);
    expect(JSON.parse(jsonArray(['7']))).toEqual([7]);
    expect(jsonArray([])).toBe('[]');
  });

  it('fromRecordset expands one json parameter into typed columns', () => {
    const columns = [['a', 'text'], ['b', 'int8']] as const;
    expect(columnList(columns)).toBe('a, b');
    expect(fromRecordset(columns, 2)).toBe('SELECT a, b FROM json_to_recordset($2::json) AS r(a text, b int8)');
  });
});
