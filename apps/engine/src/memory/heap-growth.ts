import { setFlagsFromString } from 'node:v8';

/**
 * Caps how far V8 grows the old generation past what survived its last full collection (V8's
 * `--heap-growing-percent`). Left alone, V8 picks a factor of up to 4× when collecting is cheap relative to the
 * allocation rate: ~100 MB live became 250–470 MB of heap and a 600–1,071 MB peak RSS in the benchmark. At 50% the
 * next full collection starts at 1.5× the live size; its marking runs concurrently, so the engine's throughput
 * stays where it was (measured in docs/BENCHMARKS.md). V8 flags are per process: parse workers share it.
 * Must run before the heap has grown (first thing in main). 0 leaves V8's policy alone.
 */
export function applyHeapGrowingPercent(percent: number): boolean {
  if (percent <= 0) return false;
  setFlagsFromString(`--heap-growing-percent=${Math.floor(percent)}`);
  return true;
}
