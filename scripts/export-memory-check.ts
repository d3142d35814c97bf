import 'reflect-metadata';
import { integerOption, loadConfig } from '@engine/config';
import { get } from 'node:http';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createEngineApp, startEngineApp } from '../apps/engine/src/engine-app';
import { DATA_SOURCE } from '../apps/engine/src/engine.tokens';

/**
 * Memory check of the streamed ledger export, in a process shaped like `npm start` (the whole engine: Kafka workers,
 * outbox relay, HTTP API), on a fresh database that is dropped afterwards:
 *
 *   npm run build && node -r ./scripts/register-paths.js dist/scripts/export-memory-check.js [--rows 1000000] [--max-growth-mb 100]
 *
 * Inserts the rows with one INSERT … SELECT generate_series into period 2026-01, downloads
 * GET /v1/ledger?period=2026-01&format=csv over HTTP (node:http, counting lines, keeping nothing), samples the
 * process RSS every 20 ms, prints the figure and exits 1 when a row is missing or RSS grew by more than the limit.
 * The last line of the output is `RESULT {json}` for test/ledger-export-memory.int-spec.ts.
 */
interface CheckResult {
  rows: number;
  expectedRows: number;
  bytes: number;
  seconds: number;
  insertSeconds: number;
  baselineMb: number;
  peakMb: number;
  growthMb: number;
  maxGrowthMb: number;
  header: string;
}

const mb = (bytes: number) => bytes / 2 ** 20;

async function download(url: string, key: string, onChunk: (chunk: Buffer) => void): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    get(url, { headers: { authorization: `Bearer ${key}` } }, (response) => {
      if (response.statusCode !== 200) {
        reject(new Error(`GET ${url} answered ${response.statusCode}`));
        response.resume();
        return;
      }
      response.on('data', onChunk);
      response.on('end', resolve);
      response.on('error', reject);
    }).on('error', reject);
  });
}

async function main(): Promise<void> {
  const expectedRows = integerOption('rows', 1_000_000, 1);
  const maxGrowthMb = integerOption('max-growth-mb', 100, 1);
  const base = loadConfig();
  // a database of its own beside the configured one: created and dropped by the owner, used by the runtime role
  const database = `ce_export_check_${process.pid}_${Date.now().toString(36)}`;
  const url = new URL(base.databaseUrl);
  url.pathname = `/${database}`;
  const ownerUrl = new URL(base.migrationDatabaseUrl);
  ownerUrl.pathname = `/${database}`;
  const admin = new URL(base.migrationDatabaseUrl);
  admin.pathname = '/postgres';
  const prefix = `memcheck${Date.now().toString(36)}.`;
  const key = `export-check-${process.pid}-${Date.now().toString(36)}`;
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: url.toString(),
    MIGRATION_DATABASE_URL: ownerUrl.toString(),
    HTTP_PORT: '0',
    API_KEYS: `${key}:finance`,
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_GROUP_ID: `${prefix}commission-engine`,
    TOPIC_PARTITIONS: '1',
    ENGINE_NOW: '2026-03-01T00:00:00Z',
    LOG_LEVEL: 'warn',
  });

  const app = await createEngineApp(config);
  try {
    await startEngineApp(app, 0);
    const port = app.getHttpServer().address().port as number;
    const dataSource = app.get<DataSource>(DATA_SOURCE);

    const insertStarted = Date.now();
    await dataSource.query(
      `INSERT INTO ledger_entry (partner_id, referral_id, customer_id, type, slot, amount, currency, source_event_id, effective_at, effective_period, booked_period, program_id, program_version, release_at)
       SELECT 'P-' || lpad((g % 50)::text, 3, '0'), 'R-' || g, CASE WHEN g % 1000 = 0 THEN 'C-' || g || ',"q"' ELSE 'C-' || g END,
              CASE WHEN g % 10 = 0 THEN 'REFUND_REVERSAL' ELSE 'USAGE_COMMISSION' END, 'USAGE:' || g,
              CASE WHEN g % 10 = 0 THEN -(g % 9973) - 1 ELSE (g % 99991) + 1 END, 'USD', 'billing:e' || g,
              timestamptz '2026-01-01T00:00:00Z' + (g % 2678400) * interval '1 second', '2026-01', '2026-01', 'standard', 1,
              timestamptz '2026-01-01T00:00:00Z' + (g % 2678400) * interval '1 second'
         FROM generate_series(1, $1::int) AS g`,
      [expectedRows],
    );
    const insertSeconds = (Date.now() - insertStarted) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 1000)); // let start-up garbage settle
    (global as { gc?: () => void }).gc?.();

    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    let lines = 0;
    let bytes = 0;
    let head = '';
    const started = Date.now();
    try {
      await download(`http://127.0.0.1:${port}/v1/ledger?period=2026-01&format=csv`, key, (chunk) => {
        bytes += chunk.length;
        if (head.length < 200) head += chunk.subarray(0, 200).toString('utf8');
        for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
      });
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, process.memoryUsage().rss);
    const result: CheckResult = {
      rows: lines - 1,
      expectedRows,
      bytes,
      seconds: (Date.now() - started) / 1000,
      insertSeconds,
      baselineMb: Math.round(mb(baseline)),
      peakMb: Math.round(mb(peak)),
      growthMb: Math.round(mb(peak - baseline) * 10) / 10,
      maxGrowthMb,
      header: head.split('\r\n')[0],
    };
    console.log(
      `ledger export: ${result.rows.toLocaleString('en')} rows, ${mb(bytes).toFixed(1)} MiB of CSV in ${result.seconds.toFixed(1)} s ` +
        `(${Math.round(result.rows / result.seconds).toLocaleString('en')} rows/s; insert ${insertSeconds.toFixed(1)} s); ` +
        `RSS ${result.baselineMb} → peak ${result.peakMb} MiB, growth ${result.growthMb} MiB (limit ${maxGrowthMb} MiB)`,
    );
    console.log(`RESULT ${JSON.stringify(result)}`);
    process.exitCode = result.rows === expectedRows && result.growthMb < maxGrowthMb ? 0 : 1;
  } finally {
    await app.close();
    const client = new Client({ connectionString: admin.toString() });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await client.end();
  }
}

main().catch((error) => {
  console.error(`export memory check failed: ${(error as Error).stack ?? error}`);
  process.exit(2);
});
