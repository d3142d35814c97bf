import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiClient } from './support/api-client';
import { CompiledProject } from './support/compiled-script';
import { EngineHarness } from './support/engine-harness';

/**
 * `npm run report -- --period … [--close] [--out dir]` (scripts/report.ts), compiled and run in a process of its own
 * against the database of a running engine: it closes the period and writes the same CSV bytes as the HTTP API
 * (ledger, statements, payout orders).
 */
describe('finance report CLI', () => {
  let harness: EngineHarness;
  let project: CompiledProject;
  let out: string;
  const api = apiClient(() => harness.baseUrl);
  const finance = 'fin-key-report-0001';

  beforeAll(async () => {
    project = CompiledProject.build();
    out = mkdtempSync(join(tmpdir(), 'ce-report-'));
    // The engine's clock is in September: the adjustments are effective (and booked) in 2026-09.
    harness = await EngineHarness.create({ label: 'report', env: { API_KEYS: `${finance}:finance`, ENGINE_NOW: '2026-09-20T08:00:00Z' } });
    await harness.start();
    const adjustments = [
      { key: 'r-1', body: { partnerId: 'P-A', amount: '80.00', currency: 'USD', reason: 'launch bonus, "tier 1"' } },
      { key: 'r-2', body: { partnerId: 'P-B', amount: '12.34', currency: 'EUR', reason: 'goodwill' } },
      { key: 'r-3', body: { partnerId: 'P-A', amount: '-5.00', currency: 'USD', reason: 'correction' } },
    ];
    for (const a of adjustments) {
      const response = await api('POST', '/v1/adjustments', { key: finance, body: a.body, headers: { 'idempotency-key': a.key } });
      expect(response.status).toBe(201);
    }
  }, 120_000);

  afterAll(async () => {
    await harness?.dispose();
    project?.dispose();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  // the engine's topic prefix too: the outbox rows a close writes (payout.status.v1) name the topics of the report's configuration
  const topicPrefix = () => harness.config.topics.payoutStatus.slice(0, -'payout.status.v1'.length);
  const report = (args: string[], engineNow: string) =>
    project.run('scripts/report.js', args, { DATABASE_URL: harness.config.databaseUrl, ENGINE_NOW: engineNow, LOG_LEVEL: 'warn', KAFKA_TOPIC_PREFIX: topicPrefix() });

  it('refuses a bad period and unknown arguments', async () => {
    const bad = await report(['--period', '2026-9'], '2026-10-05T00:00:00Z');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('period must be YYYY-MM');
    const unknown = await report(['--period', '2026-09', '--force'], '2026-10-05T00:00:00Z');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown argument --force');
  });

  it('refuses to close a month the engine clock has not finished', async () => {
    const result = await report(['--period', '2026-09', '--close', '--out', out], '2026-09-30T23:59:59Z');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('period 2026-09 not closed: period 2026-09 has not ended');
    expect((await api('GET', '/v1/payouts?period=2026-09', { key: finance })).json.closed).toBe(false);
  });

  it('closes the period and writes the ledger and statement CSVs, byte for byte as the API serves them', async () => {
    const result = await report(['--period', '2026-09', '--close', '--out', out], '2026-10-05T00:00:00Z');
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/period 2026-09 closed at \S+ \(2 statements\)/);
    expect(result.stdout).toContain('3 ledger entries booked in 2026-09');
    expect(result.stdout).toContain('2 final statements');

    const ledgerCsv = readFileSync(join(out, 'ledger-2026-09.csv'), 'utf8');
    expect(ledgerCsv).toBe((await api('GET', '/v1/ledger?period=2026-09&format=csv', { key: finance })).text);
    expect(ledgerCsv.split('\r\n').length).toBe(5); // header, 3 entries, final empty string

    const payoutsCsv = readFileSync(join(out, 'payouts-2026-09.csv'), 'utf8');
    expect(payoutsCsv).toBe(
      'period,partner_id,currency,opening,net,closing,payable,carried,closed,held,available\r\n' +
        '2026-09,P-A,USD,0.00,75.00,75.00,75.00,0.00,true,0.00,75.00\r\n' +
        '2026-09,P-B,EUR,0.00,12.34,12.34,0.00,12.34,true,0.00,12.34\r\n',
    );
    expect((await api('GET', '/v1/payouts?period=2026-09&format=csv', { key: finance })).text).toBe(payoutsCsv);

    // The close created one payout order (P-A's payable; P-B's 12.34 is below the minimum), PENDING, at the report's clock.
    expect(result.stdout).toContain('1 payout orders');
    const ordersCsv = readFileSync(join(out, 'payout-orders-2026-09.csv'), 'utf8');
    expect(ordersCsv).toBe(
      'payout_id,period,partner_id,currency,amount,status,reference,reason,outcome_at,created_at,updated_at\r\n' +
        '2026-09:P-A:USD,2026-09,P-A,USD,75.00,PENDING,,,,2026-10-05T00:00:00.000Z,2026-10-05T00:00:00.000Z\r\n',
    );
    expect((await api('GET', '/v1/payout-orders?period=2026-09&format=csv', { key: finance })).text).toBe(ordersCsv);
    // the engine's relay publishes the order's PENDING event that the report's close wrote to the outbox
    await harness.settled();
    const announced = (await harness.kafka.readTopic(harness.config.topics.payoutStatus)).map((m) => JSON.parse(m.value!.toString()));
    expect(announced.map((e) => [e.id, e.data.status])).toEqual([['payout-status:2026-09:P-A:USD:1', 'PENDING']]);
  });

  it('writes provisional statements for an open period without closing it', async () => {
    const result = await report(['--period', '2026-10', '--out', out], '2026-10-05T00:00:00Z');
    expect(result.code).toBe(0);
    expect(readFileSync(join(out, 'payouts-2026-10.csv'), 'utf8')).toBe(
      'period,partner_id,currency,opening,net,closing,payable,carried,closed,held,available\r\n2026-10,P-B,EUR,12.34,0.00,12.34,0.00,12.34,false,0.00,12.34\r\n',
    );
    expect(readFileSync(join(out, 'payout-orders-2026-10.csv'), 'utf8')).toBe(
      'payout_id,period,partner_id,currency,amount,status,reference,reason,outcome_at,created_at,updated_at\r\n',
    );
    expect(readFileSync(join(out, 'ledger-2026-10.csv'), 'utf8')).toBe(
      'entry_id,booked_period,effective_period,partner_id,referral_id,customer_id,type,amount,currency,source_event_id,effective_at,created_at,program_id,program_version,release_at\r\n',
    );
  });

  it('closes the empty months between the last closed one and the period with it, so later entries book after them', async () => {
    const result = await report(['--period', '2026-12', '--close', '--out', out], '2027-01-03T00:00:00Z');
    expect(result.code).toBe(0);
    for (const period of ['2026-10', '2026-11', '2026-12']) {
      const view = (await api('GET', `/v1/payouts?period=${period}`, { key: finance })).json;
      expect(view).toMatchObject({ period, closed: true });
      expect(view.statements).toEqual([
        { period, partnerId: 'P-B', currency: 'EUR', opening: '12.34', net: '0.00', closing: '12.34', held: '0.00', available: '12.34', payable: '0.00', carried: '12.34', closed: true },
      ]);
    }
    // The engine's clock still reads September: an adjustment now is effective in 2026-09, booked in the first open month.
    const late = await api('POST', '/v1/adjustments', {
      key: finance, body: { partnerId: 'P-B', amount: '40.00', currency: 'EUR', reason: 'late credit' }, headers: { 'idempotency-key': 'r-late' },
    });
    expect(late.json).toMatchObject({ effectivePeriod: '2026-09', bookedPeriod: '2027-01' });
    expect((await api('GET', '/v1/payouts?period=2027-01', { key: finance })).json.statements).toEqual([
      { period: '2027-01', partnerId: 'P-B', currency: 'EUR', opening: '12.34', net: '40.00', closing: '52.34', held: '0.00', available: '52.34', payable: '52.34', carried: '0.00', closed: false },
    ]);
  });
});
