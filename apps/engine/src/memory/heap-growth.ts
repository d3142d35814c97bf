import { setFlagsFromString } from 'node:v8';

/**
 * Caps how far V8 grows the old generation past what survived its last full collection (V8's
 * `--heap-growing-percent`). Left alone, V8 picks a factor of up to 4× when collecting is cheap relative to the
 * allocation rate: ~100 MB live became 250–470 MB of heap and a 600–1,071 MB peak RSS in the benchmark. The
 * default, 100%, starts the next full collection at 2× the live size. Paired drain runs on a 2-core EPYC: 100% and
 * 50% reach the same peak RSS (515–545 against 482–563 MB), but each full collection marks the whole live heap, and
 * at 50% they came so often that the engine used 61 µs of CPU per event against 56 (0: 54–57 µs, 662–773 MB;
 * docs/BENCHMARKS.md). V8 flags are per process: parse workers share it.
 * Must run before the heap has grown (first thing in main). 0 leaves V8's policy alone.
 */
export function applyHeapGrowingPercent(percent: number): boolean {
  if (percent <= 0) return false;
  setFlagsFromString(`--heap-growing-percent=${Math.floor(percent)}`);
  return true;
}
