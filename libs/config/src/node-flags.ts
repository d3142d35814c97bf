/**
 * The Node/V8 flags the engine process is launched with: by `npm start`, the Dockerfile, the benchmark and the
 * test harness (`node-flags.spec.ts` keeps package.json and the Dockerfile in step with this list). They cannot
 * be set from inside the process: V8 sizes the young generation when the isolate is created.
 *
 * `--max-semi-space-size=16`: Node 20's own young generation (2 × 16 MB), written out so that it is one place to
 * change. It is part of the default memory budget (peak RSS ~300 MB); 32 copies a transaction's long-lived objects
 * less and costs memory (the measurements are in docs/BENCHMARKS.md). Later flags override it
 * (`node --max-semi-space-size=32 …`, or the benchmark's `BENCH_ENGINE_FLAGS`).
 */
export const ENGINE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=16'];
