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

export function sortEvents<T extends Pick<InputEvent, 'time' | 'id' | 'source'>>(events: readonly T[]): T[] {
  return [...events].sort(compareEvents);
}
