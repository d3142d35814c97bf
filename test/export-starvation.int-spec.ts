import { IncomingHttpHeaders, get as httpGet } from 'node:http';
import { pollUntil, sampleStream } from '@engine/testing';
import { DataSource } from 'typeorm';
import { API_DATA_SOURCE, DATA_SOURCE } from '../apps/engine/src/engine.tokens';
import { EngineHarness } from './support/engine-harness';

/**
 * The API cannot starve ingest (README, "Configuration"; docs/GUARANTEES.md, promise 15). Exports run on the API's
 * own pool, at most EXPORT_CONCURRENCY at once (one more is a 429 with Retry-After), and every API statement and lock
 * wait is bounded (503 DATABASE_TIMEOUT). Ten clients reading a ledger export one byte a second: four stream and hold
 * their connections, six are refused at once; meanwhile a batch of events is consumed to lag 0 and /health/ready
 * answers within a second; once the clients go, the slots and connections are free again.
 */
const KEY = 'fin-key-starvation-0001';
const ROWS = 250_000; // ~55 MiB of CSV per export: far more than the socket buffers between PostgreSQL and a client
const EXPORT_CONCURRENCY = 4;

interface SlowExport {
  status: number;
  headers: IncomingHttpHeaders;
  /** the whole body of a refused request */
  body: string;
  /** bytes read so far (one a second) */
  received(): number;
  /** the client goes away */
  close(): void;
}

/** GET `path` as a client that reads one byte a second (a refused request is read whole). */
function slowExport(baseUrl: string, path: string): Promise<SlowExport> {
  return new Promise((resolve, reject) => {
    const request = httpGet(`${baseUrl}${path}`, { agent: false, headers: { authorization: `Bearer ${KEY}` } }, (response) => {
      response.on('error', () => undefined); // "aborted" once we close
      const status = response.statusCode ?? 0;
      if (status !== 200) {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status, headers: response.headers, body, received: () => body.length, close: () => request.destroy() }));
        return;
      }
      response.pause(); // nothing flows unless read: the client's buffer fills, then TCP stops the server
      let received = 0;
      const reader = setInterval(() => {
        const byte = response.read(1) as Buffer | null;
        if (byte) received += byte.length;
      }, 1_000);
      response.on('close', () => clearInterval(reader));
      resolve({
        status, headers: response.headers, body: '', received: () => received,
        close: () => {
          clearInterval(reader);
          request.destroy();
        },
      });
    });
    request.on('error', reject);
  });
}

describe('exports cannot starve ingest', () => {
  let harness: EngineHarness;
  const get = (path: string) => fetch(`${harness.baseUrl}${path}`, { headers: { authorization: `Bearer ${KEY}` } });
  const activeCopies = async () =>
    (
      await harness.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'commission-engine-api' AND query LIKE 'COPY (SELECT%' AND state = 'active'`,
      )
    )[0].n;

  beforeAll(async () => {
    harness = await EngineHarness.create({
      label: 'starve',
      engineNow: '2026-11-01T00:00:00Z',
      env: { API_KEYS: `${KEY}:finance`, EXPORT_CONCURRENCY: String(EXPORT_CONCURRENCY), API_STATEMENT_TIMEOUT_MS: '1500', API_LOCK_TIMEOUT_MS: '500' },
    });
    await harness.start();
    await harness.query(
      `INSERT INTO ledger_entry (partner_id, referral_id, customer_id, type, slot, amount, currency, source_event_id, effective_at, effective_period, booked_period, program_id, program_version, release_at)
       SELECT 'P-' || lpad((g % 50)::text, 3, '0'), 'R-' || g, 'C-' || g, 'USAGE_COMMISSION', 'USAGE:' || g, (g % 99991) + 1, 'USD', 'billing:e' || g,
              timestamptz '2026-01-01T00:00:00Z' + (g % 2678400) * interval '1 second', '2026-01', '2026-01', 'standard', 1,
              timestamptz '2026-01-01T00:00:00Z' + (g % 2678400) * interval '1 second'
         FROM generate_series(1, $1::int) AS g`,
      [ROWS],
    );
  }, 120_000);

  afterAll(async () => {
    await harness?.dispose();
  });

  it('gives the API its own pool: statement, lock and idle-in-transaction timeouts on both pools, keepalive on the server side', async () => {
    const settings = (dataSource: DataSource) =>
      dataSource.query(
        `SELECT current_setting('application_name') AS name, current_setting('statement_timeout') AS statement, current_setting('lock_timeout') AS lock,
                current_setting('idle_in_transaction_session_timeout') AS idle, current_setting('tcp_keepalives_idle') AS keepalive`,
      );
    expect(await settings(harness.app!.get<DataSource>(DATA_SOURCE))).toEqual([{ name: 'commission-engine', statement: '2min', lock: '0', idle: '1min', keepalive: '60' }]);
    expect(await settings(harness.app!.get<DataSource>(API_DATA_SOURCE))).toEqual([{ name: 'commission-engine-api', statement: '1500ms', lock: '500ms', idle: '1min', keepalive: '60' }]);
  });

  it('bounds an API statement and an API lock wait: a query past API_STATEMENT_TIMEOUT_MS fails, and a request (export included) is a 503 DATABASE_TIMEOUT, not a hang', async () => {
    const api = harness.app!.get<DataSource>(API_DATA_SOURCE);
    let started = Date.now();
    await expect(api.query('SELECT pg_sleep(10)')).rejects.toMatchObject({ driverError: expect.objectContaining({ code: '57014' }) });
    expect(Date.now() - started).toBeLessThan(4_000);

    // the rule-state lock held (as by a long ingest transaction): a period close and an adjustment wait 500 ms at most
    await harness.query('BEGIN');
    try {
      await harness.query('SELECT version FROM rule_state_version WHERE id = 1 FOR UPDATE');
      started = Date.now();
      const close = await fetch(`${harness.baseUrl}/v1/periods/2026-09/close`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` } });
      const adjustment = await fetch(`${harness.baseUrl}/v1/adjustments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'idempotency-key': 'starve-adjustment-1' },
        body: JSON.stringify({ partnerId: 'P-001', amount: '10.00', currency: 'USD', reason: 'goodwill' }),
      });
      expect(Date.now() - started).toBeLessThan(4_000);
      for (const response of [close, adjustment]) {
        expect(response.status).toBe(503);
        expect(response.headers.get('retry-after')).toBe('5');
        expect(await response.json()).toMatchObject({ statusCode: 503, code: 'DATABASE_TIMEOUT', message: expect.stringMatching(/API_LOCK_TIMEOUT_MS/), retryAfterSeconds: 5 });
      }
    } finally {
      await harness.query('ROLLBACK');
    }
    // the ledger locked (ACCESS EXCLUSIVE): an export and a statement view wait 500 ms, then a JSON 503 (not a CSV file)
    await harness.query('BEGIN');
    try {
      await harness.query('LOCK TABLE ledger_entry IN ACCESS EXCLUSIVE MODE');
      started = Date.now();
      const [exported, statements] = await Promise.all([get('/v1/ledger?period=2026-01&format=csv'), get('/v1/payouts?period=2026-10')]);
      expect(Date.now() - started).toBeLessThan(4_000);
      for (const response of [exported, statements]) {
        expect(response.status).toBe(503);
        expect(response.headers.get('retry-after')).toBe('5');
        expect(response.headers.get('content-type')).toMatch(/^application\/json/);
        expect(response.headers.get('content-disposition')).toBeNull();
        expect(await response.json()).toMatchObject({ code: 'DATABASE_TIMEOUT' });
      }
    } finally {
      await harness.query('ROLLBACK');
    }

    // and nothing of them was written: the adjustment goes through now, once
    const retried = await fetch(`${harness.baseUrl}/v1/adjustments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'idempotency-key': 'starve-adjustment-1' },
      body: JSON.stringify({ partnerId: 'P-001', amount: '10.00', currency: 'USD', reason: 'goodwill' }),
    });
    expect(retried.status).toBe(201);
  });

  it('lets ten slow exports neither starve ingest nor the API: four stream, six get 429, lag returns to 0 and readiness answers within a second', async () => {
    const clients = await Promise.all(
      Array.from({ length: 10 }, (_, i) => slowExport(harness.baseUrl, `/v1/ledger?period=2026-01&format=${i % 2 === 0 ? 'csv' : 'json'}`)),
    );
    try {
      const streaming = clients.filter((c) => c.status === 200);
      const refused = clients.filter((c) => c.status !== 200);
      expect(streaming).toHaveLength(EXPORT_CONCURRENCY);
      expect(refused).toHaveLength(10 - EXPORT_CONCURRENCY);
      for (const r of refused) {
        expect(r.status).toBe(429);
        expect(r.headers['retry-after']).toBe('5');
        expect(JSON.parse(r.body)).toMatchObject({ statusCode: 429, code: 'TOO_MANY_EXPORTS', limit: EXPORT_CONCURRENCY, retryAfterSeconds: 5 });
      }
      // each of the four holds an API connection in COPY, stopped by its client's back-pressure
      await pollUntil(async () => (await activeCopies()) === EXPORT_CONCURRENCY, 10_000, 100, 'four COPYs streaming');

      // while they hold their slots: a batch of events flows, readiness is polled, the rest of the API answers
      const readiness: { status: number; ms: number }[] = [];
      let polling = true;
      const poller = (async () => {
        while (polling) {
          const started = Date.now();
          const response = await fetch(`${harness.baseUrl}/health/ready`);
          await response.text();
          readiness.push({ status: response.status, ms: Date.now() - started });
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      })();
      const messages = sampleStream({ prospects: 400, idPrefix: 'starve' });
      const published = Date.now();
      await harness.publish(messages);
      await harness.settled(120_000); // lag 0 on every input partition, outbox empty
      const settledMs = Date.now() - published;
      const payouts = await get('/v1/payouts?period=2026-10');
      polling = false;
      await poller;

      expect(payouts.status).toBe(200);
      const [{ n: stored }] = await harness.query<{ n: number }>('SELECT count(*)::int AS n FROM input_event');
      expect(stored).toBeGreaterThan(messages.length / 2); // applied (the stream holds duplicates and bad messages on purpose)
      expect(readiness.length).toBeGreaterThan(3);
      expect(readiness.filter((r) => r.status !== 200)).toEqual([]);
      expect(Math.max(...readiness.map((r) => r.ms))).toBeLessThan(1_000);
      // the exports were there all along, still streaming one byte a second
      expect(await activeCopies()).toBe(EXPORT_CONCURRENCY);
      for (const c of streaming) expect(c.received()).toBeGreaterThan(0);
      console.log(
        `export starvation: ${messages.length} messages settled in ${settledMs} ms beside ${EXPORT_CONCURRENCY} slow exports; ` +
          `/health/ready ${readiness.length}× (max ${Math.max(...readiness.map((r) => r.ms))} ms)`,
      );
    } finally {
      for (const c of clients) c.close();
    }

    // the clients are gone: their COPYs end, their connections and slots are free
    await pollUntil(async () => (await activeCopies()) === 0, 10_000, 100, 'the COPYs to end');
    const again = await Promise.all(Array.from({ length: EXPORT_CONCURRENCY }, () => get('/v1/ledger?period=2026-01&partnerId=P-049')));
    for (const response of again) {
      expect(response.status).toBe(200);
      expect(((await response.json()) as unknown[]).length).toBe(ROWS / 50);
    }
  }, 180_000);
});
