/**
 * The Node/V8 flags the engine process is launched with: by `npm start`, the Dockerfile, the benchmark and the
 * test harness (`node-flags.spec.ts` keeps package.json and the Dockerfile in step with this list). They cannot
 * be set from inside the process: V8 sizes the young generation when the isolate is created.
 *
 * `--max-semi-space-size=32`: a young generation of 2 × 32 MB instead of Node 20's 2 × 16 MB. A transaction's
 * objects (~5,000 parsed events, their rows and output messages) live across its database round trips, so with
 * 16 MB semi-spaces a scavenge ran every ~80 ms and copied most of them, ~10 ms each (212 scavenges, 2.2 s of a
 * 200k-event drain). In paired drain runs the engine's CPU per event fell from 66–68 to 61–62 µs and throughput
 * rose 8–15%, with no higher peak RSS that showed above the noise (docs/BENCHMARKS.md). Later flags override it
 * (`node --max-semi-space-size=16 …`, or the benchmark's `BENCH_ENGINE_FLAGS`).
 */
export const ENGINE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32'];
