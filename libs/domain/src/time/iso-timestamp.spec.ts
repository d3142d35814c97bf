import fc from 'fast-check';
import { isoTimestamp } from './iso-timestamp';

describe('isoTimestamp', () => {
  const reference = (ms: number) => new Date(ms).toISOString();

  it('is toISOString for any instant of years 1970–9999, in any call order (the day cache never leaks)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 253_402_300_799_999 }), { minLength: 1, maxLength: 50 }), (instants) => {
        for (const ms of instants) expect(isoTimestamp(ms)).toBe(reference(ms));
      }),
      { numRuns: 500 },
    );
  });

  it('is toISOString around day ends, within one day and across them', () => {
    const midnight = Date.parse('2026-02-28T00:00:00.000Z');
    for (const ms of [midnight - 1, midnight, midnight + 1, midnight + 86_399_999, midnight + 86_400_000, midnight + 999, midnight + 59_999, midnight + 3_599_999, 0, 1]) {
      expect(isoTimestamp(ms)).toBe(reference(ms));
    }
    fc.assert(fc.property(fc.integer({ min: 0, max: 86_399_999 }), (offset) => expect(isoTimestamp(midnight + offset)).toBe(reference(midnight + offset))));
  });

  it('falls back to Date for what it does not format (before 1970, fractions, years past 9999) and throws like it for NaN', () => {
    for (const ms of [-1, -86_400_001, 1.5, 253_402_300_800_000]) expect(isoTimestamp(ms)).toBe(reference(ms));
    isoTimestamp(5); // 1970-01-01 is cached now: a fraction inside it is still Date's
    for (const ms of [1.5, 999.999, 86_399_999.5]) expect(isoTimestamp(ms)).toBe(reference(ms));
    expect(() => isoTimestamp(NaN)).toThrow(RangeError);
  });

  it('stays toISOString past its bound of cached days (it starts again)', () => {
    const first = Date.parse('1990-01-01T12:34:56.789Z');
    for (let day = 0; day < 20_500; day += 1) {
      const ms = first + day * 86_400_000 + (day % 1000);
      if (day % 97 === 0 || day >= 19_990) expect(isoTimestamp(ms)).toBe(reference(ms));
      else isoTimestamp(ms);
    }
    expect(isoTimestamp(first)).toBe(reference(first));
  });
});
