import fc from 'fast-check';
import { compareEvents, sortEvents } from './order';

type Keyed = { time: number; id: string; source: string; n: number };

const keyed = fc.record({
  // few distinct values, so ties on time and on id are common; epoch milliseconds are past 2^31
  time: fc.constantFrom(1_767_225_600_000, 1_767_225_600_001, 1_767_312_000_000, 0),
  id: fc.constantFrom('a', 'b', 'B', 'evt-10', 'evt-9'),
  source: fc.constantFrom('billing', 'crm'),
  n: fc.nat(),
});

describe('sortEvents', () => {
  it('orders exactly as sorting with compareEvents does (time, then id, then source)', () => {
    fc.assert(
      fc.property(fc.array(keyed, { maxLength: 60 }), (events: Keyed[]) => {
        const expected = [...events].sort(compareEvents);
        const sorted = sortEvents(events);
        expect(sorted.map((e) => [e.time, e.id, e.source])).toEqual(expected.map((e) => [e.time, e.id, e.source]));
        const asSet = (list: Keyed[]) => list.map((e) => JSON.stringify(e)).sort();
        expect(asSet(sorted)).toEqual(asSet(events)); // a permutation of the same events
      }),
      { numRuns: 2000 },
    );
  });

  it('returns a new array and leaves its input as it was', () => {
    const events = [{ time: 2, id: 'b', source: 's' }, { time: 1, id: 'a', source: 's' }];
    const sorted = sortEvents(events);
    expect(sorted.map((e) => e.id)).toEqual(['a', 'b']);
    expect(events.map((e) => e.id)).toEqual(['b', 'a']);
  });
});
