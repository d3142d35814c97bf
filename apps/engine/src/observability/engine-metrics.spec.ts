import { EngineMetrics } from './engine-metrics';

const line = (text: string, series: string) => new RegExp(`^${series.replace(/[{}.()[\]]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1];

describe('EngineMetrics', () => {
  it('counts committed dead letters by source topic and code (and by code alone, as before)', async () => {
    const metrics = new EngineMetrics();
    const deadLetters = [
      { topic: 'partner.referrals.v1', code: 'MALFORMED_JSON' },
      { topic: 'partner.referrals.v1', code: 'MALFORMED_JSON' },
      { topic: 'billing.usage.v1', code: 'MALFORMED_JSON' },
      { topic: 'billing.usage.v1', code: 'INVALID_DATA' },
    ];
    metrics.recordBatch([['partner.referrals.v1', 2], ['billing.usage.v1', 3]], { applied: 1, duplicates: 0, deadLetters }, process.hrtime.bigint());
    const text = await metrics.registry.metrics();
    expect(line(text, 'engine_dead_letters_total{topic="partner.referrals.v1",code="MALFORMED_JSON"}')).toBe('2');
    expect(line(text, 'engine_dead_letters_total{topic="billing.usage.v1",code="MALFORMED_JSON"}')).toBe('1');
    expect(line(text, 'engine_dead_letters_total{topic="billing.usage.v1",code="INVALID_DATA"}')).toBe('1');
    expect(line(text, 'engine_dlq_messages_total{code="MALFORMED_JSON"}')).toBe('3');
    expect(line(text, 'engine_batch_size_count')).toBe('1');
  });

  it('reads the payout orders per status at each scrape, every status shown, the last values kept when the read fails', async () => {
    let counts: Record<string, number> | Error = { PENDING: 3, PAID: 5 };
    const metrics = new EngineMetrics().readAtScrape({ payoutOrdersByStatus: async () => { if (counts instanceof Error) throw counts; return counts; } });
    let text = await metrics.registry.metrics();
    expect([line(text, 'engine_payout_orders{status="PENDING"}'), line(text, 'engine_payout_orders{status="PAID"}'), line(text, 'engine_payout_orders{status="FAILED"}')]).toEqual(['3', '5', '0']);
    counts = { PENDING: 1, PAID: 6, FAILED: 1 };
    text = await metrics.registry.metrics();
    expect([line(text, 'engine_payout_orders{status="PENDING"}'), line(text, 'engine_payout_orders{status="FAILED"}')]).toEqual(['1', '1']);
    counts = new Error('database down');
    text = await metrics.registry.metrics();
    expect(line(text, 'engine_payout_orders{status="PAID"}')).toBe('6');
  });

  it('says engine_ready 1 when the dependencies answer and 0 when the check fails', async () => {
    let up = true;
    const metrics = new EngineMetrics().readAtScrape({ ready: async () => { if (!up) throw new Error('unreachable'); return true; } });
    expect(line(await metrics.registry.metrics(), 'engine_ready')).toBe('1');
    up = false;
    expect(line(await metrics.registry.metrics(), 'engine_ready')).toBe('0');
  });
});
