import { InputEvent } from './input-event';

/**
 * The contract's order between two events: time, then id as a plain string compare.
 * `source` breaks the last tie so that the order is total.
 */
export function compareEvents(a: Pick<InputEvent, 'time' | 'id' | 'source'>, b: Pick<InputEvent, 'time' | 'id' | 'source'>): number {
  // no `a.time - b.time`: epoch milliseconds are not small integers, and every difference would be a heap number
  if (a.time !== b.time) return a.time < b.time ? -1 : 1;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  if (a.source !== b.source) return a.source < b.source ? -1 : 1;
  return 0;
}

/**
 * The events in the contract's order, as a new array. Times are read once into a Float64Array and the sort
 * compares those: reading `time` (epoch milliseconds, not a small integer) from events of five shapes boxes a
 * fresh heap number per read, which for a comparator means 2·n·log n short-lived allocations. The indexes are a
 * plain array, whose sort (TimSort) takes ordered runs as they are: a component read back in time order with a late
 * event at its end costs ~n comparisons, not the n·log n of a typed array's merge sort.
 */
export function sortEvents<T extends Pick<InputEvent, 'time' | 'id' | 'source'>>(events: readonly T[]): T[] {
  const n = events.length;
  const times = new Float64Array(n);
  const order: number[] = [];
  for (let i = 0; i < n; i++) {
    times[i] = events[i].time;
    order.push(i);
  }
  order.sort((a, b) => (times[a] !== times[b] ? (times[a] < times[b] ? -1 : 1) : compareEvents(events[a], events[b])));
  const sorted = new Array<T>(n);
  for (let i = 0; i < n; i++) sorted[i] = events[order[i]];
  return sorted;
}
