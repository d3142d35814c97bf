import { Writable } from 'node:stream';
import { DataSource } from 'typeorm';
import { LedgerExportService } from '../apps/engine/src/api/ledger/ledger-export.service';
import { API_DATA_SOURCE } from '../apps/engine/src/engine.tokens';
import { EngineHarness } from './support/engine-harness';

/**
 * GET /v1/ledger streams from a database cursor with back-pressure: exporting a period of LEDGER_EXPORT_ROWS entries
 * (default 1,000,000) over real HTTP keeps the process's resident memory flat. The server and the client (fetch,
 * reading the body chunk by chunk) share this process, so the figure bounds both.
 */
const ROWS = Number(process.env.LEDGER_EXPORT_ROWS ?? 1_000_000);
const MAX_GROWTH_MB = 100;

describe(`ledger export of ${ROWS.toLocaleString('en')} entries`, () => {
  let harness: EngineHarness;

  beforeAll(async () => {
    harness = await EngineHarness.create({ label: 'export', env: { API_KEYS: 'fin-key-export-0001:finance', ENGINE_NOW: '2026-03-01T00:00:00Z' } });
    await harness.start();
    // One INSERT … SELECT generate_series: 50 partners, amounts with cents and negatives, a customer id that CSV must quote.
    await harness.query(
      `INSERT INTO ledger_entry (partner_id, referral_id, customer_id, type, slot, amount, currency, source_event_id, effective_at, effective_period, booked_period, program_id, program_version, release_at)
       SELECT 'P-' || lpad((g % 50)::text, 3, '0'), 'R-' || g, CASE WHEN g % 1000 = 0 THEN 'C-' || g || ',"q"' ELSE 'C-' || g END,
              CASE WHEN g % 10 = 0 THEN 'REFUND_REVERSAL' ELSE 'USAGE_COMMISSION' END, 'USAGE:' || g,
              CASE WHEN g % 10 = 0 THEN -(g % 9973) - 1 ELSE (g % 99991) + 1 END, 'USD', 'billing:e' || g,
              timestamptz '2026-01-01T00:00:00Z' + (g % 2678400) * interval '1 second', '2026-01', '2026-01', 'standard', 1,
              timestamptz '2026-01-01T00:00:00Z' + (g % 2678400) * interval '1 second'
         FROM generate_series(1, $1::int) AS g`,
      [ROWS],
    );
  }, 300_000);

  afterAll(async () => {
    await harness?.dispose();
  });

  it('streams every row with flat memory', async () => {
    (global as { gc?: () => void }).gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 25);
    const started = Date.now();
    let lines = 0;
    let bytes = 0;
    let firstLine = '';
    try {
      const response = await fetch(`${harness.baseUrl}/v1/ledger?period=2026-01&format=csv`, { headers: { authorization: 'Bearer fin-key-export-0001' } });
      expect(response.status).toBe(200);
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        bytes += value.byteLength;
        if (firstLine === '' || !firstLine.includes('\r\n')) firstLine += decoder.decode(value, { stream: true });
        for (let i = 0; i < value.length; i++) if (value[i] === 10) lines++;
      }
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, process.memoryUsage().rss);
    const seconds = (Date.now() - started) / 1000;
    const growthMb = (peak - baseline) / 2 ** 20;
    console.log(
      `ledger export: ${(lines - 1).toLocaleString('en')} rows, ${(bytes / 2 ** 20).toFixed(1)} MiB of CSV in ${seconds.toFixed(1)} s ` +
        `(${Math.round((lines - 1) / seconds).toLocaleString('en')} rows/s); RSS ${(baseline / 2 ** 20).toFixed(0)} → peak ${(peak / 2 ** 20).toFixed(0)} MiB, growth ${growthMb.toFixed(1)} MiB`,
    );
    expect(firstLine.split('\r\n')[0]).toBe('entry_id,booked_period,effective_period,partner_id,referral_id,customer_id,type,amount,currency,source_event_id,effective_at,created_at,program_id,program_version,release_at');
    expect(lines - 1).toBe(ROWS);
    expect(growthMb).toBeLessThan(MAX_GROWTH_MB);
  }, 300_000);

  /**
   * Every connection of the API's pool, where exports run, answers (a connection left paused by an export would hang
   * here), with the pool's own statement timeout again (an export sets the COPY's and resets it).
   */
  async function poolIsHealthy(): Promise<void> {
    const dataSource = harness.app!.get<DataSource>(API_DATA_SOURCE);
    const probes = Promise.all(
      Array.from({ length: 12 }, async () => {
        const [{ statement_timeout: timeout }] = await dataSource.query('SELECT pg_sleep(0.1), current_setting($1) AS statement_timeout', ['statement_timeout']);
        expect(timeout).toBe('30s');
      }),
    );
    const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('a pooled connection does not answer')), 10_000));
    await Promise.race([probes, timeout]);
  }

  it('leaves no paused connection in the pool when the destination is slow to drain', async () => {
    const slow = new Writable({ highWaterMark: 1, write: (_chunk, _encoding, done) => setTimeout(done, 1) });
    const result = await harness.app!.get(LedgerExportService).export({ period: '2026-01', partnerId: 'P-007' }, 'csv', slow);
    expect(result).toEqual({ rows: ROWS / 50, complete: true });
    await poolIsHealthy();
  }, 120_000);

  it('stops the COPY and frees its connection when the client goes away', async () => {
    const controller = new AbortController();
    const response = await fetch(`${harness.baseUrl}/v1/ledger?period=2026-01&format=json`, { headers: { authorization: 'Bearer fin-key-export-0001' }, signal: controller.signal });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    await expect(reader.read()).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const copies = await harness.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY (SELECT%' AND state = 'active'`);
    expect(copies[0].n).toBe(0);
    await poolIsHealthy();
    const after = await fetch(`${harness.baseUrl}/v1/ledger?period=2026-01&partnerId=P-001`, { headers: { authorization: 'Bearer fin-key-export-0001' } });
    expect(((await after.json()) as unknown[]).length).toBe(ROWS / 50);
  }, 120_000);
});
