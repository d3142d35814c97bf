import { tablesDue } from './statistics-keeper';

describe('tablesDue', () => {
  const growth = (table: string, liveRows: number, analyzedRows: number) => ({ table, liveRows, analyzedRows });

  it('analyzes a never-analyzed table once it has the minimum of rows, not before', () => {
    expect(tablesDue([growth('input_event', 4_999, 0)], 5_000)).toEqual([]);
    expect(tablesDue([growth('input_event', 5_000, 0)], 5_000)).toEqual(['input_event']);
  });

  it('analyzes again each time a table has doubled since its last ANALYZE', () => {
    expect(tablesDue([growth('input_event', 79_999, 40_000)], 5_000)).toEqual([]);
    expect(tablesDue([growth('input_event', 80_000, 40_000)], 5_000)).toEqual(['input_event']);
    expect(tablesDue([growth('input_event', 7_000, 3_000)], 5_000)).toEqual([]); // doubled, but by fewer than the minimum
    // a big table at its working size grows by a small share: left to autovacuum
    expect(tablesDue([growth('ledger_entry', 2_050_000, 2_000_000)], 5_000)).toEqual([]);
  });

  it('decides per table, and never for a table that shrank', () => {
    expect(tablesDue([growth('input_event', 15_000, 5_000), growth('ledger_entry', 100, 0), growth('referral', 1_000, 9_000)], 5_000)).toEqual(['input_event']);
  });
});
