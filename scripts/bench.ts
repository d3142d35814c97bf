import 'reflect-metadata';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { ENGINE_NODE_FLAGS, integerOption } from '@engine/config';
import { inputTopics, outputTopics, TOPICS, topicNames, Topics } from '@engine/contracts';
import { KafkaGateway } from '@engine/messaging';
import { cloudEvents, dropDatabase, pollUntil, publishMessages, repoRoot, sampleStream, ScenarioMessage, testDatabaseUrl } from '@engine/testing';
import { Client } from 'pg';

/**
 * `npm run bench [-- --events 200000 --latency-seconds 60 --rate 2000 --late-lines 10000 --late-samples 5 --textbook-events 20000]`: end-to-end throughput against this
 * machine's raw ceiling (bare Kafka consume, PostgreSQL COPY), latency at a steady load, peak RSS and the cost
 * of a late event. Prints one `bench:` line and appends a row to docs/BENCHMARKS.md.
 */
const args = process.argv.slice(2);
const EVENTS = integerOption('events', 200_000, 1);
const LATENCY_SECONDS = integerOption('latency-seconds', 60);
const RATE = integerOption('rate', 2000, 1);
const LATE_LINES = integerOption('late-lines', 10_000);
const LATE_SAMPLES = integerOption('late-samples', 5, 1);
const TEXTBOOK_EVENTS = integerOption('textbook-events', 20_000);
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const log = (text: string) => console.log(`bench: ${text}`);

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

interface EngineProcess {
  child: ChildProcess;
  peakRssMb: () => number;
  stop: () => Promise<void>;
}

const ENGINE_SCRIPT = 'dist/apps/engine/src/main.js';
const TEXTBOOK_SCRIPT = 'dist/apps/textbook-baseline/src/main.js';

/** Starts a compiled app (the engine, or the textbook baseline) and waits until `ready` says it is up. */
async function startEngine(env: Record<string, string>, ready: (output: string) => Promise<boolean>, script = ENGINE_SCRIPT): Promise<EngineProcess> {
  const root = repoRoot();
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  if (process.env.BENCH_HEAP_PROF) profile.push('--heap-prof', `--heap-prof-dir=${process.env.BENCH_HEAP_PROF}`);
  if (process.env.BENCH_HEAP_SNAPSHOT) profile.push('--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${process.env.BENCH_HEAP_SNAPSHOT}`);
  const flags = (process.env.BENCH_ENGINE_FLAGS ?? '').split(' ').filter(Boolean);
  const launch = script === ENGINE_SCRIPT ? ENGINE_NODE_FLAGS : []; // the textbook baseline runs as plain `node`
  const child = spawn(process.execPath, [...launch, ...flags, ...profile, '-r', join(root, 'scripts/register-paths.js'), join(root, script)], {
    env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => {
    output += d.toString();
    if (process.env.ENGINE_TRACE) process.stdout.write(d);
  });
  child.stderr!.on('data', (d) => {
    output += d.toString();
    if (process.env.ENGINE_TRACE) process.stderr.write(d);
  });
  await pollUntil(async () => {
    if (child.exitCode !== null) throw new Error(`${script} exited: ${output}`);
    return ready(output);
  }, 60_000, 100, `${script} to start`).catch((error) => {
    child.kill('SIGKILL');
    throw error;
  });
  let peak = 0;
  const sample = () => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
    } catch { /* exited */ }
  };
  const timer = setInterval(sample, 500);
  return {
    child,
    peakRssMb: () => (sample(), peak),
    stop: async () => {
      sample();
      clearInterval(timer);
      child.kill('SIGTERM');
      await pollUntil(async () => child.exitCode !== null || child.signalCode !== null, 30_000, 100, 'the engine to stop').catch(() => child.kill('SIGKILL'));
    },
  };
}

const httpReady = (port: number) => async () => (await fetch(`http://127.0.0.1:${port}/health/live`).catch(() => null))?.ok === true;

function renameTopics(messages: ScenarioMessage[], topics: Topics): ScenarioMessage[] {
  const map: Record<string, string> = { [TOPICS.referrals]: topics.referrals, [TOPICS.lifecycle]: topics.lifecycle, [TOPICS.billing]: topics.billing };
  return messages.map((m) => ({ ...m, topic: map[m.topic] }));
}

function benchStream(events: number): ScenarioMessage[] {
  const out: ScenarioMessage[] = [];
  for (let seed = 1; out.length < events; seed++) {
    out.push(...sampleStream({ seed, prospects: 2000, linesPerCustomer: 30, idPrefix: `b${seed}`, outOfOrderShare: 0.1 }));
  }
  return out.slice(0, events);
}

async function settled(kafka: KafkaGateway, db: Client, groupId: string, topics: Topics, intervalMs = 100): Promise<void> {
  // Polled every `intervalMs` near the end only: while much is left, every probe (five admin requests) would take CPU
  // from the engine and the broker on this same machine, and measure nothing.
  const deadline = Date.now() + 30 * 60_000;
  for (;;) {
    let lag = -1; // unknown: the probe failed (a broker hiccup), asked again shortly
    try {
      lag = (await kafka.lag(groupId, inputTopics(topics))).reduce((sum, l) => sum + l.lag, 0);
      if (lag === 0 && (await db.query('SELECT count(*)::int AS n FROM outbox')).rows[0].n === 0) return;
    } catch {
      // retried below
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for the engine to drain (lag ${lag})`);
    // (at 50,000 ev/s a lag of 100,000 is 2 s of work: a probe every 500 ms above it cannot overshoot the end)
    await new Promise((resolve) => setTimeout(resolve, lag > 100_000 ? 500 : lag > 20_000 ? 200 : intervalMs));
  }
}

/** Bare kafkajs consumption of the same topics, counting only: the client-side ceiling. */
async function kafkaCeiling(kafka: KafkaGateway, topics: Topics, expected: number): Promise<number> {
  let count = 0;
  const started = Date.now();
  let finished = 0;
  const consumer = await kafka.runBatchConsumer({
    groupId: `bench-ceiling-${Date.now()}`, topics: inputTopics(topics), partitionsConsumedConcurrently: 3, maxBytes: 8 * 1024 * 1024,
    handle: async (batch) => {
      count += batch.messages.length;
      if (count >= expected && !finished) finished = Date.now();
      return { applied: Promise.resolve() };
    },
  });
  await pollUntil(async () => finished > 0, 10 * 60_000, 50, 'the bare consumer');
  await consumer.stop();
  return expected / ((finished - started) / 1000);
}

/** PostgreSQL COPY of one row per event (the database-side ceiling). */
async function postgresCeiling(databaseUrl: string, messages: ScenarioMessage[]): Promise<number> {
  const file = join('/tmp', `bench-copy-${process.pid}.tsv`);
  writeFileSync(file, messages.map((m, i) => `bench\t${i}\t${m.topic}\t${m.key}\t${m.value.replace(/[\t\n\\]/g, ' ')}`).join('\n') + '\n');
  const psql = (sql: string) => execFileSync('psql', [databaseUrl, '-v', 'ON_ERROR_STOP=1', '-q', '-c', sql]);
  psql('CREATE UNLOGGED TABLE IF NOT EXISTS bench_copy (source text, event_id text, topic text, key text, value text)');
  const started = process.hrtime.bigint();
  psql(`\\copy bench_copy FROM '${file}'`);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  psql('DROP TABLE bench_copy');
  return messages.length / seconds;
}

async function latency(kafka: KafkaGateway, topics: Topics, seconds: number, rate: number): Promise<{ p50: number; p99: number; count: number }> {
  const sent = new Map<string, number>();
  const latencies: number[] = [];
  const timeline: string[] = [];
  const reader = await kafka.runBatchConsumer({
    groupId: `bench-latency-${Date.now()}`, topics: [topics.status], partitionsConsumedConcurrently: 3, maxBytes: 4 * 1024 * 1024,
    handle: async (batch) => {
      const now = Date.now();
      for (const m of batch.messages) {
        const referralId = m.key?.toString() ?? '';
        const at = sent.get(referralId);
        if (at !== undefined) {
          latencies.push(now - at);
          if (process.env.BENCH_LATENCY_DUMP) timeline.push(`${at} ${now - at}`);
          sent.delete(referralId);
        }
      }
      return { applied: Promise.resolve() };
    },
  });
  await new Promise((r) => setTimeout(r, 3000)); // let the reader join
  const producer = await kafka.getProducer();
  const tick = 50;
  const perTick = Math.round((rate * tick) / 1000);
  const started = Date.now();
  let n = 0;
  while (Date.now() - started < seconds * 1000) {
    const due = Math.floor(((Date.now() - started) / 1000) * rate);
    const batch: ScenarioMessage[] = [];
    while (n < due && batch.length < perTick * 4) {
      const id = `RL-${started}-${n++}`;
      batch.push(cloudEvents.submitted({ referralId: id, partnerId: 'P-LAT', domain: `${id.toLowerCase()}.example`, time: '2026-10-20T00:00:00Z' }));
    }
    if (batch.length) {
      const at = Date.now();
      for (const m of batch) sent.set(m.key!, at);
      await producer.send(topics.referrals, batch.map((m) => ({ key: m.key, value: m.value })));
    }
    await new Promise((r) => setTimeout(r, tick));
  }
  await pollUntil(async () => sent.size === 0, 60_000, 100, 'the last status events').catch(() => undefined);
  await reader.stop();
  if (process.env.BENCH_LATENCY_DUMP) writeFileSync(process.env.BENCH_LATENCY_DUMP, timeline.join('\n'));
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return { p50: q(0.5), p99: q(0.99), count: latencies.length };
}

async function lateEvent(kafka: KafkaGateway, db: Client, groupId: string, topics: Topics, lines: number): Promise<number> {
  const customerId = `C-LATE-${Date.now()}`;
  const story: ScenarioMessage[] = [
    cloudEvents.submitted({ referralId: `R-${customerId}`, partnerId: 'P-LATE', domain: `${customerId.toLowerCase()}.example`, time: '2025-12-01T00:00:00Z' }),
    cloudEvents.signedUp({ customerId, domain: `${customerId.toLowerCase()}.example`, time: '2025-12-02T00:00:00Z' }),
    cloudEvents.activated({ customerId, time: '2025-12-03T00:00:00Z' }),
  ];
  const base = Date.parse('2025-12-10T00:00:00Z');
  for (let i = 0; i < lines; i++) {
    story.push(cloudEvents.usage({ customerId, invoiceLineId: `L-${i}`, amount: '1.00', time: new Date(base + i * 60_000).toISOString() }));
  }
  await publishMessages(kafka, renameTopics(story, topics));
  await settled(kafka, db, groupId, topics);
  // The probe asks for the referral's entries past the newest one before the publish: a primary-key range that stays
  // empty until the engine commits, so each probe (every 2 ms) costs the same whatever the referral's size, where
  // counting its entries read all 10,000 of them each time, on the cores the engine's transaction needs.
  const lastEntry = async () => (await db.query('SELECT coalesce(max(entry_id), 0)::text AS id FROM ledger_entry')).rows[0].id as string;
  const corrected = async (after: string) =>
    (await db.query('SELECT EXISTS (SELECT 1 FROM ledger_entry WHERE entry_id > $1 AND referral_id = $2) AS done', [after, `R-${customerId}`])).rows[0].done as boolean;
  const measure = async (line: ScenarioMessage): Promise<number> => {
    const before = await lastEntry();
    const started = process.hrtime.bigint();
    await publishMessages(kafka, renameTopics([line], topics));
    await pollUntil(() => corrected(before), 60_000, 2, 'the late event');
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  // Typical: a line billed in the middle of the customer's history arrives late; the whole component is
  // re-evaluated (10,000 lines) and the commissions it moves are corrected. Five of them, one after the other (each
  // a line billed at another point of the history): the median is reported, every sample is printed.
  const samples: number[] = [];
  for (let i = 0; i < LATE_SAMPLES; i++) {
    const at = base + Math.floor(((i + 1) * lines) / (LATE_SAMPLES + 1)) * 60_000 + 30_000;
    samples.push(await measure(cloudEvents.usage({ customerId, invoiceLineId: `L-late-${i}`, amount: '7.00', time: new Date(at).toISOString() })));
  }
  // Worst case: a line billed before all others: qualification moves and every commission after it shifts.
  const worst = await measure(cloudEvents.usage({ customerId, invoiceLineId: 'L-late-first', amount: '150.00', time: '2025-12-05T00:00:00Z' }));
  log(`late event, ${samples.length} lines billed inside the history: ${samples.map((ms) => ms.toFixed(1)).join(' / ')} ms`);
  log(`late event, worst case (before all ${lines} lines: qualification and every commission move): ${worst.toFixed(1)} ms`);
  return [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)];
}

/**
 * The textbook NestJS design (apps/textbook-baseline: Nest's Kafka transport, one @EventPattern call and one
 * transaction per message, the same rules and tables) on the first `count` events of the same stream, measured
 * the same way: first publish → every event committed and the outbox empty.
 */
async function textbookBaseline(kafka: KafkaGateway, stream: ScenarioMessage[], count: number): Promise<number> {
  const prefix = `bench${Date.now().toString(36)}t.`;
  const topics = topicNames(prefix);
  const groupId = `${prefix}textbook`;
  const databaseUrl = testDatabaseUrl('bench_textbook');
  await kafka.ensureTopics([...inputTopics(topics), ...outputTopics(topics)].map((topic) => ({ topic, numPartitions: 6 })));
  const baseline = await startEngine(
    { DATABASE_URL: databaseUrl, KAFKA_TOPIC_PREFIX: prefix, KAFKA_GROUP_ID: groupId, ENGINE_NOW: '2026-11-01T00:00:00Z', LOG_LEVEL: 'warn' },
    async (output) => output.includes('textbook baseline consuming'),
    TEXTBOOK_SCRIPT,
  );
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await new Promise((r) => setTimeout(r, 2000)); // consumer group join
    const started = Date.now();
    await publishMessages(kafka, renameTopics(stream.slice(0, count), topics), 2000);
    await settled(kafka, db, groupId, topics);
    return count / ((Date.now() - started) / 1000);
  } finally {
    await baseline.stop();
    await db.end();
    await dropDatabase(databaseUrl).catch(() => undefined);
    await kafka.deleteTopics([...inputTopics(topics), ...outputTopics(topics)]).catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const prefix = `bench${Date.now().toString(36)}.`;
  const topics = topicNames(prefix);
  const groupId = `${prefix}commission-engine`;
  const databaseUrl = testDatabaseUrl('bench');
  const kafka = new KafkaGateway({ brokers: BROKERS, clientId: 'bench' });
  await kafka.ensureTopics([...inputTopics(topics), ...outputTopics(topics)].map((topic) => ({ topic, numPartitions: 6 })));
  const stream = benchStream(EVENTS);
  const messages = renameTopics(stream, topics);
  log(`${messages.length} events generated (${new Set(messages.map((m) => m.key)).size} keys)`);

  const port = integerOption('port', 3999, 1);
  if (args.includes('--profile-only')) {
    // Publish first, then start the engine and measure only its processing (for --cpu-prof runs).
    await publishMessages(kafka, messages, 2000);
  }
  const engine = await startEngine({
    DATABASE_URL: databaseUrl, KAFKA_TOPIC_PREFIX: prefix, KAFKA_GROUP_ID: groupId, HTTP_PORT: String(port),
    ENGINE_NOW: '2026-11-01T00:00:00Z', LOG_LEVEL: 'warn',
  }, httpReady(port));
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await new Promise((r) => setTimeout(r, 2000)); // consumer group join
    const started = Date.now();
    const cpuBefore = cpuSeconds(engine.child.pid!);
    if (!args.includes('--profile-only')) await publishMessages(kafka, messages, 2000);
    const published = Date.now();
    await settled(kafka, db, groupId, topics);
    if (args.includes('--profile-only')) {
      log(`engine CPU: ${(((cpuSeconds(engine.child.pid!) - cpuBefore) * 1e6) / messages.length).toFixed(0)} µs per event`);
      log(`engine drained ${messages.length} pre-published events in ${((Date.now() - started) / 1000).toFixed(1)} s = ${Math.round(messages.length / ((Date.now() - started) / 1000))} events/s, peak RSS ${Math.round(engine.peakRssMb())} MB`);
      return;
    }
    const seconds = (Date.now() - started) / 1000;
    const throughput = messages.length / seconds;
    log(`engine CPU: ${(((cpuSeconds(engine.child.pid!) - cpuBefore) * 1e6) / messages.length).toFixed(0)} µs per event`);
    log(`engine: ${messages.length} events in ${seconds.toFixed(1)} s = ${Math.round(throughput)} events/s (publishing took ${((published - started) / 1000).toFixed(1)} s)`);

    const kafkaRate = await kafkaCeiling(kafka, topics, messages.length);
    log(`ceiling: bare kafkajs consume ${Math.round(kafkaRate)} events/s`);
    const pgRate = await postgresCeiling(databaseUrl, messages);
    log(`ceiling: PostgreSQL COPY ${Math.round(pgRate)} rows/s`);
    const ceiling = Math.min(kafkaRate, pgRate);

    const lat = LATENCY_SECONDS > 0 ? await latency(kafka, topics, LATENCY_SECONDS, RATE) : { p50: NaN, p99: NaN, count: 0 };
    log(`latency at ${RATE} events/s for ${LATENCY_SECONDS} s: p50 ${lat.p50} ms, p99 ${lat.p99} ms (${lat.count} status events)`);
    const lateMs = LATE_LINES > 0 ? await lateEvent(kafka, db, groupId, topics, LATE_LINES) : NaN;
    log(`late event for a customer with ${LATE_LINES} stored usage lines: ${lateMs.toFixed(1)} ms publish → corrections committed (median of ${LATE_SAMPLES} lines billed inside its history)`);
    const rss = engine.peakRssMb();
    await engine.stop(); // the baseline gets the machine to itself
    const textbookEvents = Math.min(TEXTBOOK_EVENTS, messages.length);
    const textbook = textbookEvents > 0 ? await textbookBaseline(kafka, stream, textbookEvents) : NaN;
    if (textbookEvents > 0) log(`textbook baseline (one @EventPattern call and one transaction per message) on the first ${textbookEvents} events: ${Math.round(textbook)} events/s; the engine: ${(throughput / textbook).toFixed(1)}× that`);

    const line = `bench: events=${messages.length} throughput=${Math.round(throughput)} ceiling=${Math.round(ceiling)} ratio=${(throughput / ceiling).toFixed(2)} p99_ms=${lat.p99} rss_mb=${Math.round(rss)}`;
    const doc = join(repoRoot(), 'docs', 'BENCHMARKS.md');
    if (!existsSync(doc)) writeFileSync(doc, '# Benchmarks\n\n`npm run bench` appends one row per run.\n\n| date | machine | versions | events | throughput (ev/s) | ceiling (ev/s) | ratio | p50 / p99 ms @ rate | peak RSS MB | late event ms | textbook baseline ev/s (events) |\n|---|---|---|---|---|---|---|---|---|---|---|\n');
    const machine = `${cpus().length} cores ${cpus()[0]?.model.trim() ?? ''}, ${Math.round(totalmem() / 2 ** 30)} GiB`;
    const versions = `node ${process.version}, kafka ${process.env.KAFKA_VERSION ?? '4.1.1'}, ${(await db.query('SHOW server_version')).rows[0].server_version.split(' ')[0]} pg`;
    // A run that skipped a part (--latency-seconds 0, --late-lines 0, --textbook-events 0: for profiling) adds no row.
    if (LATENCY_SECONDS > 0 && LATE_LINES > 0 && textbookEvents > 0) appendFileSync(doc, `| ${new Date().toISOString().slice(0, 16).replace('T', ' ')} | ${machine} | ${versions} | ${messages.length} | ${Math.round(throughput)} | ${Math.round(ceiling)} (kafka ${Math.round(kafkaRate)}, pg ${Math.round(pgRate)}) | ${(throughput / ceiling).toFixed(2)} | ${lat.p50} / ${lat.p99} @ ${RATE} | ${Math.round(rss)} | ${lateMs.toFixed(1)} | ${Math.round(textbook)} (${textbookEvents}) |\n`);
    console.log(line);
  } finally {
    await engine.stop();
    await db.end();
    // A broker that keeps every run's topics slows down run after run (thousands of partitions, gigabytes of logs).
    if (!args.includes('--keep')) await kafka.deleteTopics([...inputTopics(topics), ...outputTopics(topics)]).catch(() => undefined);
    await kafka.close();
    if (!args.includes('--keep')) await dropDatabase(databaseUrl).catch(() => undefined);
  }
}

main().then(() => process.exit(0), (error) => {
  console.error(`bench failed: ${(error as Error).stack ?? error}`);
  process.exit(1);
});
