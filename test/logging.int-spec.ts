import { capturedLogs } from '@engine/testing';
import { EngineHarness } from './support/engine-harness';
import { apiClient, events } from './support/api-client';

/**
 * The engine's log lines as it writes them (LOG_FORMAT=json, LOG_LEVEL=debug here), read from a destination of the
 * test's: an ingest transaction's line names its id and offsets; an API request's lines, and its response, its id.
 */
const KEY = 'fin-key-logging-0001';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('structured logs of the running engine', () => {
  const logs = capturedLogs();
  let harness: EngineHarness;
  const api = apiClient(() => harness.baseUrl);
  const lines = () => logs.json();

  beforeAll(async () => {
    harness = await EngineHarness.create({
      label: 'logging', logs, env: { LOG_LEVEL: 'debug', API_KEYS: `${KEY}:finance`, ENGINE_NOW: '2026-10-15T12:00:00Z', API_LOCK_TIMEOUT_MS: '300' },
    });
    await harness.publish([
      events.submitted('R-1', 'P-001', 'alpha.example', '2026-06-01T10:00:00Z'),
      events.signedUp('C-1', 'alpha.example', 'R-1', '2026-06-05T10:00:00Z'),
    ]);
    await harness.start();
    await harness.settled();
  });

  afterAll(async () => {
    await harness?.dispose();
  });

  it('are JSON lines with the level by name, a time and a message', () => {
    expect(lines().length).toBeGreaterThan(5);
    for (const line of lines()) expect(line).toMatchObject({ level: expect.stringMatching(/^(trace|debug|info|warn|error|fatal)$/), time: expect.any(String), msg: expect.any(String) });
    expect(lines()).toContainEqual(expect.objectContaining({ level: 'info', context: 'NestApplication', msg: 'Nest application successfully started' }));
  });

  it('an ingest transaction: its id and the topic, partition and offset range of each batch', () => {
    const committed = lines().filter((l) => l.context === 'Ingest' && String(l.msg).startsWith('transaction committed'));
    expect(committed.length).toBeGreaterThan(0);
    const batches = committed.flatMap((l) => l.batches as { topic: string; partition: number; fromOffset: string; toOffset: string }[]);
    expect(batches.map((b) => b.topic).sort()).toEqual([harness.config.topics.lifecycle, harness.config.topics.referrals]);
    for (const line of committed) expect(line).toMatchObject({ level: 'debug', txId: expect.stringMatching(/^[0-9a-f]{6}-\d+$/), messages: expect.any(Number) });
    for (const b of batches) expect(b).toEqual({ topic: expect.any(String), partition: expect.any(Number), fromOffset: expect.stringMatching(/^\d+$/), toOffset: b.fromOffset });
  });

  it('an API request: its X-Request-Id (given when sane, new otherwise) is echoed and on its lines; no key is logged', async () => {
    const given = await api('GET', '/v1/payouts?period=2026-07', { key: KEY, headers: { 'x-request-id': 'logging-test-1' } });
    expect(given.status).toBe(200);
    expect(given.headers.get('x-request-id')).toBe('logging-test-1');
    const fresh = await api('GET', '/v1/referrals/R-404', { key: KEY, headers: { 'x-request-id': 'not sane: spaces' } });
    expect(fresh.status).toBe(404);
    const id = fresh.headers.get('x-request-id')!;
    expect(id).toMatch(UUID);
    const health = await fetch(`${harness.baseUrl}/health/live`);
    expect(health.headers.get('x-request-id')).toMatch(UUID); // every response has one; only /v1 requests are logged

    expect(lines()).toContainEqual(expect.objectContaining({
      level: 'info', requestId: 'logging-test-1', req: { method: 'GET', url: '/v1/payouts?period=2026-07' }, res: { statusCode: 200 }, responseTime: expect.any(Number),
      msg: expect.stringMatching(/^GET \/v1\/payouts\?period=2026-07 200 in \d+ ms$/),
    }));
    expect(lines()).toContainEqual(expect.objectContaining({ requestId: id, res: { statusCode: 404 } }));
    expect(lines().filter((l) => l.requestId !== undefined && String(l.msg).includes('/health'))).toEqual([]);
    expect(logs.lines.join('\n')).not.toContain(KEY);
  });

  it("what is logged while a request is handled carries its id (the exception filter's line of a 503)", async () => {
    await harness.query('BEGIN');
    try {
      await harness.query('SELECT version FROM rule_state_version WHERE id = 1 FOR UPDATE');
      const close = await api('POST', '/v1/periods/2026-09/close', { key: KEY, headers: { 'x-request-id': 'logging-test-503' } });
      expect(close.status).toBe(503);
    } finally {
      await harness.query('ROLLBACK');
    }
    expect(lines()).toContainEqual(expect.objectContaining({
      level: 'warn', context: 'Api', requestId: 'logging-test-503', msg: expect.stringMatching(/^POST \/v1\/periods\/2026-09\/close: DATABASE_TIMEOUT/),
    }));
    const access = lines().find((l) => l.requestId === 'logging-test-503' && l.res !== undefined);
    expect(access).toMatchObject({ level: 'warn', res: { statusCode: 503 }, msg: expect.stringMatching(/^POST \/v1\/periods\/2026-09\/close 503 in \d+ ms$/) });
    expect(access).not.toHaveProperty('err');
  });
});
