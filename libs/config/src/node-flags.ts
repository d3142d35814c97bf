/**
 * The Node/V8 flags the engine process is launched with: by `npm start`, the Dockerfile, the benchmark and the
 * test harness (`node-flags.spec.ts` keeps package.json and the Dockerfile in step with this list). They cannot
 * be set from inside the process: V8 sizes the young generation when the isolate is created.
 *
 * `--max-semi-space-size=16`: Node 20's own young generation (2 × 16 MB), written out so that it is one place to
 * change. From 2026-11-30 it was 32: a transaction's objects live across its database round trips, and the bigger
 * young generation copied them less (engine CPU per event 61–62 against 66–68 µs in paired drains). 16 is part of
 * the default memory budget (peak RSS ~300 MB, docs/BENCHMARKS.md). Later flags override it
 * (`node --max-semi-space-size=32 …`, or the benchmark's `BENCH_ENGINE_FLAGS`).
 */
export const ENGINE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=16'];
