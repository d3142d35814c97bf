import 'reflect-metadata';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { count as formatCount, ENGINE_NODE_FLAGS, integerOption, ProgressLines } from '@engine/config';
import { inputTopics, outputTopics, TOPICS, topicNames, Topics } from '@engine/contracts';
import { InboundMessage, KafkaGateway } from '@engine/messaging';
import {
  cloudEvents, dropDatabase, Family, loneAccount, pollUntil, publishMessages, referralCodeFamily, repoRoot, sameDomainFamily, sampleStream, ScenarioMessage,
  testDatabaseUrl,
} from '@engine/testing';
import { Client, Pool } from 'pg';

/**
 * `npm run bench [-- --events 200000 --latency-seconds 60 --rate 2000 --late-lines 10000 --late-samples 5 --textbook-events 20000
 * --floor-connections 3 --family 1 --family-accounts 2000 --family-lines 50 --family-signups 500 --family-signup-lines 50 --family-samples 7]`:
 * end-to-end throughput against this machine's durable floor (the same messages consumed and stored, one transaction per
 * batch, into a logged copy of the event store, offsets committed after), latency at a steady load, peak RSS, the cost
 * of a late event, the textbook design, and the family shapes (many accounts in one rule component). Prints one
 * `bench:` line and appends a row to docs/BENCHMARKS.md.
 */
const args = process.argv.slice(2);
const EVENTS = integerOption('events', 200_000, 1);
const LATENCY_SECONDS = integerOption('latency-seconds', 60);
const RATE = integerOption('rate', 2000, 1);
const LATE_LINES = integerOption('late-lines', 10_000);
const LATE_SAMPLES = integerOption('late-samples', 5, 1);
const TEXTBOOK_EVENTS = integerOption('textbook-events', 20_000);
const FLOOR_CONNECTIONS = integerOption('floor-connections', 3, 1);
const FAMILY = integerOption('family', 1);
const FAMILY_ACCOUNTS = integerOption('family-accounts', 2000, 1);
const FAMILY_LINES = integerOption('family-lines', 50, 1);
const FAMILY_SIGNUPS = integerOption('family-signups', 500, 1);
const FAMILY_SIGNUP_LINES = integerOption('family-signup-lines', 50, 1);
const FAMILY_SAMPLES = integerOption('family-samples', 7, 1);
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const log = (text: string) => console.log(`bench: ${text}`);
/** how often a long step says where it is, on stderr ("bench: applied 120,000/200,000 (lag 80,000)") */
const PROGRESS_EVERY_MS = 5_000;

/** publishMessages, with a progress line on stderr every 5 s. */
async function publish(kafka: KafkaGateway, messages: ScenarioMessage[], chunk = 500): Promise<void> {
  const progress = new ProgressLines(PROGRESS_EVERY_MS);
  const total = formatCount(messages.length);
  await publishMessages(kafka, messages, chunk, (published) => progress.tick(() => `bench: published ${formatCount(published)}/${total}`));
  progress.end(() => `bench: published ${total}/${total}`);
}

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

/** The header of the runs table (docs/BENCHMARKS.md), since the durable floor replaced the ceiling. */
const ROW_HEADER =
  '| date | machine | versions | events | throughput (ev/s) | durable floor (ev/s) | ratio (engine / floor) | p50 / p99 ms @ rate | peak RSS MB | late event ms | textbook baseline ev/s (events) | family (a) ev/s (events); member / lone ms | family (b) ev/s (events); member / lone ms |\n' +
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|\n';

const httpReady = (port: number) => async () => (await fetch(`http://127.0.0.1:${port}/health/live`).catch(() => null))?.ok === true;

function renameTopics(messages: ScenarioMessage[], topics: Topics): ScenarioMessage[] {
  const map: Record<string, string> = {
    [TOPICS.referrals]: topics.referrals, [TOPICS.lifecycle]: topics.lifecycle, [TOPICS.billing]: topics.billing, [TOPICS.partners]: topics.partners,
    [TOPICS.payouts]: topics.payouts,
  };
  return messages.map((m) => ({ ...m, topic: map[m.topic] }));
}

function benchStream(events: number): ScenarioMessage[] {
  const out: ScenarioMessage[] = [];
  for (let seed = 1; out.length < events; seed++) {
    out.push(...sampleStream({ seed, prospects: 2000, linesPerCustomer: 30, idPrefix: `b${seed}`, outOfOrderShare: 0.1 }));
  }
  return out.slice(0, events);
}

/** Lag 0 and the outbox empty; with `published` (the messages just published), a progress line every 5 s on stderr. */
async function settled(kafka: KafkaGateway, db: Client, groupId: string, topics: Topics, published = 0, intervalMs = 100): Promise<void> {
  // Polled every `intervalMs` near the end only: while much is left, every probe (five admin requests) would take CPU
  // from the engine and the broker on this same machine, and measure nothing.
  const deadline = Date.now() + 30 * 60_000;
  const progress = new ProgressLines(PROGRESS_EVERY_MS);
  const applied = (lag: number) => `bench: applied ${formatCount(Math.max(0, published - lag))}/${formatCount(published)}`;
  for (;;) {
    let lag = -1; // unknown: the probe failed (a broker hiccup), asked again shortly
    try {
      lag = (await kafka.lag(groupId, inputTopics(topics))).reduce((sum, l) => sum + l.lag, 0);
      if (published > 0) progress.tick(() => `${applied(lag)} (lag ${formatCount(lag)})`);
      if (lag === 0 && (await db.query('SELECT count(*)::int AS n FROM outbox')).rows[0].n === 0) {
        if (published > 0) progress.end(() => applied(0));
        return;
      }
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
  const progress = new ProgressLines(PROGRESS_EVERY_MS);
  await pollUntil(async () => {
    progress.tick(() => `bench: bare consumer ${formatCount(count)}/${formatCount(expected)}`);
    return finished > 0;
  }, 10 * 60_000, 50, 'the bare consumer');
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

/**
 * The engine's event store, `input_event`, as its first migration creates it (libs/persistence/src/migrations/
 * 1764201600000-initial-schema.ts): the same columns, primary key and secondary indexes, LOGGED. Copied here, not
 * imported, so the floor stays what it measures while the engine's schema changes.
 */
const FLOOR_TABLE = 'bench_floor_input_event';
const FLOOR_DDL = [
  `DROP TABLE IF EXISTS ${FLOOR_TABLE}`,
  `CREATE TABLE ${FLOOR_TABLE} (
    source          text    NOT NULL,
    event_id        text    NOT NULL,
    payload_hash    text    NOT NULL,
    type            text    NOT NULL,
    time_ms         bigint  NOT NULL,
    referral_id     text,
    partner_id      text,
    partner_domain  text,
    domain          text,
    channel         text,
    customer_id     text,
    referral_code   text,
    prior_account   boolean,
    invoice_line_id text,
    product_code    text,
    refund_id       text,
    amount          bigint,
    currency        text,
    topic           text    NOT NULL,
    kafka_partition integer NOT NULL,
    kafka_offset    bigint  NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, event_id)
  )`,
  `CREATE INDEX ${FLOOR_TABLE}_referral_idx ON ${FLOOR_TABLE} (referral_id) WHERE referral_id IS NOT NULL`,
  `CREATE INDEX ${FLOOR_TABLE}_referral_code_idx ON ${FLOOR_TABLE} (referral_code) WHERE referral_code IS NOT NULL`,
  `CREATE INDEX ${FLOOR_TABLE}_customer_idx ON ${FLOOR_TABLE} (customer_id) WHERE customer_id IS NOT NULL`,
  `CREATE INDEX ${FLOOR_TABLE}_domain_idx ON ${FLOOR_TABLE} (domain) WHERE domain IS NOT NULL`,
];
const FLOOR_COLUMNS = [
  ['source', 'text'], ['event_id', 'text'], ['payload_hash', 'text'], ['type', 'text'], ['time_ms', 'int8'], ['referral_id', 'text'],
  ['partner_id', 'text'], ['partner_domain', 'text'], ['domain', 'text'], ['channel', 'text'], ['customer_id', 'text'],
  ['referral_code', 'text'], ['prior_account', 'bool'], ['invoice_line_id', 'text'], ['product_code', 'text'], ['refund_id', 'text'],
  ['amount', 'int8'], ['currency', 'text'], ['topic', 'text'], ['kafka_partition', 'int4'], ['kafka_offset', 'int8'],
];
// pg-copy-streams is not a dependency, so no COPY: ONE multi-row INSERT … SELECT FROM json_to_recordset($1) per batch, the
// engine's own write path for its event store (a redelivered event is dropped by the primary key, as the engine does).
const FLOOR_INSERT = `INSERT INTO ${FLOOR_TABLE} (${FLOOR_COLUMNS.map(([name]) => name).join(', ')})
  SELECT ${FLOOR_COLUMNS.map(([name]) => name).join(', ')} FROM json_to_recordset($1::json) AS r(${FLOOR_COLUMNS.map(([name, type]) => `${name} ${type}`).join(', ')})
  ON CONFLICT (source, event_id) DO NOTHING`;
const MINOR_DIGITS: Record<string, number> = { USD: 2, EUR: 2, CNY: 2, JPY: 0 };

/** A decimal amount in integer minor units, as text ("12.3" USD → "1230"). */
function minorUnits(amount: string, currency: string): string {
  const digits = MINOR_DIGITS[currency] ?? 2;
  const [whole, fraction = ''] = amount.split('.');
  return BigInt(whole + fraction.padEnd(digits, '0').slice(0, digits)).toString();
}

/**
 * One message as the JSON text of its event-store row: the value parsed, the fields of its CloudEvent taken (domains
 * lower-cased, amounts in minor units), the SHA-256 of the value as its payload hash. Undefined for what the engine
 * would dead-letter (unparseable, unknown type): the floor stores nothing for it.
 */
function floorRow(m: InboundMessage): string | undefined {
  if (!m.value) return undefined;
  try {
    const e = JSON.parse(m.value.toString('utf8'));
    const d = e.data;
    const row: Record<string, unknown> = {
      source: e.source, event_id: e.id, payload_hash: createHash('sha256').update(m.value).digest('base64url'), type: e.type, time_ms: Date.parse(e.time),
      topic: m.topic, kafka_partition: m.partition, kafka_offset: m.offset,
    };
    switch (e.type) {
      case 'referral.submitted':
        Object.assign(row, { referral_id: d.referralId, partner_id: d.partnerId, partner_domain: d.partnerDomain.toLowerCase(), domain: d.prospect.emailDomain.toLowerCase(), channel: d.channel });
        break;
      case 'customer.signed_up':
        Object.assign(row, { customer_id: d.customerId, domain: d.emailDomain.toLowerCase(), referral_code: d.referralCode ?? null, prior_account: d.priorAccount });
        break;
      case 'customer.activated':
        row.customer_id = d.customerId;
        break;
      case 'billing.usage_billed':
        Object.assign(row, { customer_id: d.customerId, invoice_line_id: d.invoiceLineId, product_code: d.productCode, amount: minorUnits(d.amount, d.currency), currency: d.currency });
        break;
      case 'billing.refunded':
        Object.assign(row, { customer_id: d.customerId, refund_id: d.refundId, invoice_line_id: d.invoiceLineId, amount: minorUnits(d.amount, d.currency), currency: d.currency });
        break;
      default:
        return undefined;
    }
    return JSON.stringify(row);
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The DURABLE FLOOR: the least any design must do to take these events in durably. A fresh consumer group reads the
 * same messages from the same topics through KafkaGateway; each consumed partition batch is parsed (JSON.parse, the
 * CloudEvent's fields) and written by ONE statement (its own transaction, committed with synchronous_commit as the
 * server has it) into a logged copy of the event store; its Kafka offset is committed after that database commit
 * (batches of one partition commit their offsets in order). Up to `FLOOR_CONNECTIONS` statements run at once, and
 * twice that many batches may be taken ahead of them. Measured from the first batch handed over (the group join
 * excluded: the engine's was too) until every message is stored and the group's lag is 0.
 */
async function durableFloor(kafka: KafkaGateway, databaseUrl: string, topics: Topics, expected: number): Promise<{ rate: number; stored: number; batches: number }> {
  const pool = new Pool({ connectionString: databaseUrl, max: FLOOR_CONNECTIONS });
  for (const sql of FLOOR_DDL) await pool.query(sql);
  const groupId = `bench-floor-${Date.now()}`;
  const maxInFlight = FLOOR_CONNECTIONS * 2;
  const waiting: (() => void)[] = [];
  const tails = new Map<string, Promise<unknown>>();
  let inFlight = 0, consumed = 0, stored = 0, batches = 0, started = 0;
  let failure: unknown;
  const consumer = await kafka.runBatchConsumer({
    // the engine's defaults: 6 partition batches in flight, 1 MiB fetches (so ~2,000-message batches, like its transactions)
    groupId, topics: inputTopics(topics), partitionsConsumedConcurrently: 6, maxBytes: 1024 * 1024,
    handle: async (batch) => {
      if (!started) started = Date.now();
      while (inFlight >= maxInFlight) await new Promise<void>((resolve) => waiting.push(resolve));
      inFlight++;
      const rows: string[] = [];
      for (const m of batch.messages) {
        const row = floorRow(m);
        if (row !== undefined) rows.push(row);
      }
      const write = pool.query(FLOOR_INSERT, [`[${rows.join(',')}]`]).then((result) => {
        stored += result.rowCount ?? 0;
        consumed += batch.messages.length;
        batches++;
      }).finally(() => {
        inFlight--;
        waiting.shift()?.();
      });
      write.catch((error) => (failure ??= error));
      const partition = `${batch.topic}\u0000${batch.partition}`;
      const applied = Promise.all([tails.get(partition), write]); // an offset never overtakes an earlier batch's commit
      tails.set(partition, applied.catch(() => undefined));
      return { applied };
    },
    onCommitError: (error) => (failure ??= error),
  });
  try {
    const deadline = Date.now() + 30 * 60_000;
    const check = () => {
      if (failure) throw failure;
      if (Date.now() > deadline) throw new Error(`the floor consumer timed out (${consumed} of ${expected} messages stored)`);
    };
    const progress = new ProgressLines(PROGRESS_EVERY_MS);
    while (consumed < expected) {
      check();
      progress.tick(() => `bench: floor stored ${formatCount(consumed)}/${formatCount(expected)}`);
      await sleep(20);
    }
    for (;;) {
      check();
      const lag = await kafka.lag(groupId, inputTopics(topics)).then((lags) => lags.reduce((sum, l) => sum + l.lag, 0), () => -1);
      if (lag === 0) break;
      await sleep(20);
    }
    return { rate: expected / ((Date.now() - started) / 1000), stored, batches };
  } finally {
    await consumer.stop();
    await pool.query(`DROP TABLE IF EXISTS ${FLOOR_TABLE}`).catch(() => undefined);
    await pool.end();
  }
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
  const progress = new ProgressLines(PROGRESS_EVERY_MS);
  while (Date.now() - started < seconds * 1000) {
    progress.tick(() => `bench: latency ${Math.round((Date.now() - started) / 1000)}/${seconds} s, ${formatCount(n)} sent, ${formatCount(latencies.length)} answered`);
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
  await publish(kafka, renameTopics(story, topics));
  await settled(kafka, db, groupId, topics, story.length);
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
    { DATABASE_URL: databaseUrl, MIGRATION_DATABASE_URL: '', KAFKA_TOPIC_PREFIX: prefix, KAFKA_GROUP_ID: groupId, ENGINE_NOW: '2026-11-01T00:00:00Z', LOG_LEVEL: 'warn' },
    async (output) => output.includes('textbook baseline consuming'),
    TEXTBOOK_SCRIPT,
  );
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await new Promise((r) => setTimeout(r, 2000)); // consumer group join
    const started = Date.now();
    await publish(kafka, renameTopics(stream.slice(0, count), topics), 2000);
    await settled(kafka, db, groupId, topics, count);
    return count / ((Date.now() - started) / 1000);
  } finally {
    await baseline.stop();
    await db.end();
    await dropDatabase(databaseUrl).catch(() => undefined);
    await kafka.deleteTopics([...inputTopics(topics), ...outputTopics(topics)]).catch(() => undefined);
  }
}

interface FamilyResult {
  events: number;
  rate: number;
  member: number;
  lone: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] ?? NaN;

/**
 * One family shape on an engine of its own (fresh database and topic prefix): the load's throughput (first publish →
 * lag 0 and outbox empty), then a lone account (its own domain, referral and history) added to the same database,
 * then `FAMILY_SAMPLES` pairs of ONE new usage line, a family member's (the claimant first, then members spread over
 * the family) and the lone account's, one after the other: publish → the line's input_event row visible, i.e. its
 * transaction committed (a non-claimant's line writes nothing else; the claimant's and the lone account's also post
 * a commission in that same transaction).
 */
async function familyPhase(shape: 'a' | 'b', family: Family, standard: number): Promise<FamilyResult> {
  // A client of its own: kafkajs keeps refreshing the metadata of every topic a client ever produced to, and fails
  // once one of them is deleted (the previous shape's, at its end).
  const kafka = new KafkaGateway({ brokers: BROKERS, clientId: `bench-family-${shape}` });
  const prefix = `bench${Date.now().toString(36)}f${shape}.`;
  const topics = topicNames(prefix);
  const groupId = `${prefix}commission-engine`;
  const databaseUrl = testDatabaseUrl(`bench_family_${shape}`);
  const port = integerOption('port', 3999, 1);
  await kafka.ensureTopics([...inputTopics(topics), ...outputTopics(topics)].map((topic) => ({ topic, numPartitions: 6 })));
  const engine = await startEngine({
    DATABASE_URL: databaseUrl, MIGRATION_DATABASE_URL: '', KAFKA_TOPIC_PREFIX: prefix, KAFKA_GROUP_ID: groupId, HTTP_PORT: String(port),
    ENGINE_NOW: '2026-11-01T00:00:00Z', LOG_LEVEL: 'warn',
  }, httpReady(port));
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  const label = `family (${shape})`;
  try {
    await sleep(2000); // consumer group join
    const started = Date.now();
    await publish(kafka, renameTopics(family.messages, topics), 2000);
    await settled(kafka, db, groupId, topics, family.messages.length);
    const seconds = (Date.now() - started) / 1000;
    const rate = family.messages.length / seconds;
    log(`${label} load: ${family.messages.length} events (${family.customerIds.length} customers in one component, ${family.linesPerCustomer} lines each) in ${seconds.toFixed(1)} s = ${Math.round(rate)} events/s; the standard stream: ${Math.round(standard)} events/s; family / standard = ${(rate / standard).toFixed(2)}`);

    const lone = loneAccount({ idPrefix: `lone${shape}`, lines: family.linesPerCustomer });
    await publish(kafka, renameTopics(lone.messages, topics));
    await settled(kafka, db, groupId, topics, lone.messages.length);
    const at = Math.max(family.after, lone.after);
    let k = 0;
    const committed = async (id: string) =>
      (await db.query('SELECT EXISTS (SELECT 1 FROM input_event WHERE source = $1 AND event_id = $2) AS done', ['billing', id])).rows[0].done as boolean;
    const measure = async (customerId: string): Promise<number> => {
      // the previous sample's output published first, so that each sample starts on an idle engine
      await pollUntil(async () => (await db.query('SELECT count(*)::int AS n FROM outbox')).rows[0].n === 0, 60_000, 20, 'the outbox to empty');
      const id = `bench-${shape}-new-line-${++k}`;
      const line = cloudEvents.usage({ customerId, invoiceLineId: `INV-bench-new-${k}`, amount: '10.00', time: new Date(at + k * 60_000).toISOString(), id });
      const t0 = process.hrtime.bigint();
      await publishMessages(kafka, renameTopics([line], topics));
      await pollUntil(() => committed(id), 5 * 60_000, 2, `the new usage line of ${customerId}`);
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    const members: number[] = [];
    const alone: number[] = [];
    const picked: string[] = [];
    for (let i = 0; i < FAMILY_SAMPLES; i++) {
      // i = 0 is the claimant (the first customer); the others spread over the family
      const member = family.customerIds[Math.floor((i * family.customerIds.length) / FAMILY_SAMPLES)];
      picked.push(member);
      members.push(await measure(member));
      alone.push(await measure(lone.claimantId));
    }
    const member = median(members);
    const loneMs = median(alone);
    log(`${label} one new usage line, publish → its input_event row committed, ms: members ${members.map((ms) => ms.toFixed(1)).join(' / ')} (${picked.join(', ')}; the first is the claimant); lone account ${alone.map((ms) => ms.toFixed(1)).join(' / ')}`);
    log(`${label} load=${Math.round(rate)} ev/s standard=${Math.round(standard)} ev/s load/standard=${(rate / standard).toFixed(2)} member_p50_ms=${member.toFixed(1)} lone_p50_ms=${loneMs.toFixed(1)} ratio=${(member / loneMs).toFixed(2)}` +
      ` (targets: load within 20% of standard: ${rate >= 0.8 * standard ? 'met' : 'missed'}; member ≤ 2× lone: ${member <= 2 * loneMs ? 'met' : 'missed'})`);
    return { events: family.messages.length, rate, member, lone: loneMs };
  } finally {
    await engine.stop();
    await db.end();
    if (!args.includes('--keep')) {
      await kafka.deleteTopics([...inputTopics(topics), ...outputTopics(topics)]).catch(() => undefined);
      await dropDatabase(databaseUrl).catch(() => undefined);
    }
    await kafka.close();
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
    await publish(kafka, messages, 2000);
  }
  const engine = await startEngine({
    DATABASE_URL: databaseUrl, MIGRATION_DATABASE_URL: '', KAFKA_TOPIC_PREFIX: prefix, KAFKA_GROUP_ID: groupId, HTTP_PORT: String(port),
    ENGINE_NOW: '2026-11-01T00:00:00Z', LOG_LEVEL: 'warn',
  }, httpReady(port));
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await new Promise((r) => setTimeout(r, 2000)); // consumer group join
    const started = Date.now();
    const cpuBefore = cpuSeconds(engine.child.pid!);
    if (!args.includes('--profile-only')) await publish(kafka, messages, 2000);
    const published = Date.now();
    await settled(kafka, db, groupId, topics, messages.length);
    if (args.includes('--profile-only')) {
      log(`engine CPU: ${(((cpuSeconds(engine.child.pid!) - cpuBefore) * 1e6) / messages.length).toFixed(0)} µs per event`);
      log(`engine drained ${messages.length} pre-published events in ${((Date.now() - started) / 1000).toFixed(1)} s = ${Math.round(messages.length / ((Date.now() - started) / 1000))} events/s, peak RSS ${Math.round(engine.peakRssMb())} MB`);
      return;
    }
    const seconds = (Date.now() - started) / 1000;
    const throughput = messages.length / seconds;
    log(`engine CPU: ${(((cpuSeconds(engine.child.pid!) - cpuBefore) * 1e6) / messages.length).toFixed(0)} µs per event`);
    log(`engine: ${messages.length} events in ${seconds.toFixed(1)} s = ${Math.round(throughput)} events/s (publishing took ${((published - started) / 1000).toFixed(1)} s)`);

    const floor = await durableFloor(kafka, databaseUrl, topics, messages.length);
    log(`floor (durable): ${Math.round(floor.rate)} events/s: the same ${messages.length} messages read by a fresh group (KafkaGateway), JSON.parse'd, each consumed batch stored by ONE multi-row INSERT … SELECT FROM json_to_recordset($1) (its own transaction; not COPY: pg-copy-streams is not installed) into a logged copy of input_event (primary key, 4 indexes), offsets committed after each database commit (${floor.batches} batches, ${floor.stored} rows, ${FLOOR_CONNECTIONS} connections)`);
    // The old ceiling, for information only (no longer the ratio's denominator): a consumer that only counts, and a
    // COPY into an unlogged table without indexes.
    const kafkaRate = await kafkaCeiling(kafka, topics, messages.length);
    const pgRate = await postgresCeiling(databaseUrl, messages);
    log(`old ceiling (information only): bare consume ${Math.round(kafkaRate)} events/s, PostgreSQL COPY into an unlogged table ${Math.round(pgRate)} rows/s`);

    const lat = LATENCY_SECONDS > 0 ? await latency(kafka, topics, LATENCY_SECONDS, RATE) : { p50: NaN, p99: NaN, count: 0 };
    log(`latency at ${RATE} events/s for ${LATENCY_SECONDS} s: p50 ${lat.p50} ms, p99 ${lat.p99} ms (${lat.count} status events)`);
    const lateMs = LATE_LINES > 0 ? await lateEvent(kafka, db, groupId, topics, LATE_LINES) : NaN;
    log(`late event for a customer with ${LATE_LINES} stored usage lines: ${lateMs.toFixed(1)} ms publish → corrections committed (median of ${LATE_SAMPLES} lines billed inside its history)`);
    const rss = engine.peakRssMb();
    await engine.stop(); // the baseline gets the machine to itself
    const textbookEvents = Math.min(TEXTBOOK_EVENTS, messages.length);
    const textbook = textbookEvents > 0 ? await textbookBaseline(kafka, stream, textbookEvents) : NaN;
    if (textbookEvents > 0) log(`textbook baseline (one @EventPattern call and one transaction per message) on the first ${textbookEvents} events: ${Math.round(textbook)} events/s; the engine: ${(throughput / textbook).toFixed(1)}× that`);

    const families: { shape: 'a' | 'b'; result: FamilyResult | undefined }[] = [];
    if (FAMILY > 0) {
      const shapes: ['a' | 'b', () => Family][] = [
        ['a', () => sameDomainFamily({ accounts: FAMILY_ACCOUNTS, linesPerAccount: FAMILY_LINES, idPrefix: 'fama' })],
        ['b', () => referralCodeFamily({ signups: FAMILY_SIGNUPS, linesPerSignup: FAMILY_SIGNUP_LINES, idPrefix: 'famb' })],
      ];
      for (const [shape, build] of shapes) {
        // a shape that fails (or times out) is reported; the other one and the main figures still are
        const result = await familyPhase(shape, build(), throughput).catch((error) => {
          log(`family (${shape}) failed: ${(error as Error).stack ?? error}`);
          return undefined;
        });
        families.push({ shape, result });
      }
    }

    const ratio = throughput / floor.rate;
    const line = `bench: events=${messages.length} throughput=${Math.round(throughput)} floor=${Math.round(floor.rate)} ratio=${ratio.toFixed(2)} p99_ms=${lat.p99} rss_mb=${Math.round(rss)}`;
    const doc = join(repoRoot(), 'docs', 'BENCHMARKS.md');
    if (!existsSync(doc)) writeFileSync(doc, `# Benchmarks\n\n\`npm run bench\` appends one row per run.\n\n${ROW_HEADER}`);
    const machine = `${cpus().length} cores ${cpus()[0]?.model.trim() ?? ''}, ${Math.round(totalmem() / 2 ** 30)} GiB`;
    const versions = `node ${process.version}, kafka ${process.env.KAFKA_VERSION ?? '4.1.1'}, ${(await db.query('SHOW server_version')).rows[0].server_version.split(' ')[0]} pg`;
    const familyCell = (r: FamilyResult | undefined) => (r ? `${Math.round(r.rate)} (${r.events}); ${r.member.toFixed(1)} / ${r.lone.toFixed(1)}` : 'failed');
    // A run that skipped a part (--latency-seconds 0, --late-lines 0, --textbook-events 0, --family 0: for profiling) adds no row.
    if (LATENCY_SECONDS > 0 && LATE_LINES > 0 && textbookEvents > 0 && FAMILY > 0) appendFileSync(doc, `| ${new Date().toISOString().slice(0, 16).replace('T', ' ')} | ${machine} | ${versions} | ${messages.length} | ${Math.round(throughput)} | ${Math.round(floor.rate)} | ${ratio.toFixed(2)} | ${lat.p50} / ${lat.p99} @ ${RATE} | ${Math.round(rss)} | ${lateMs.toFixed(1)} | ${Math.round(textbook)} (${textbookEvents}) | ${familyCell(families[0]?.result)} | ${familyCell(families[1]?.result)} |\n`);
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
