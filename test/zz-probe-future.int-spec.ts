import { cloudEvents as ce } from '@engine/testing';
import { EngineHarness } from './support/engine-harness';
it('probe: an event 2 days ahead of ENGINE_NOW', async () => {
  const h = await EngineHarness.create({ label: 'probe_future', engineNow: '2026-11-01T00:00:00Z' });
  try {
    await h.start();
    await h.publish([ce.submitted({ referralId: 'R-FUT', partnerId: 'P-1', domain: 'future.example', time: '2026-11-03T00:00:00Z' })]);
    await h.settled();
    console.log('referral rows', JSON.stringify(await h.query(`SELECT referral_id, status, submitted_at FROM referral`)));
    console.log('dlq', JSON.stringify((await h.kafka.readTopic(h.config.topics.dlq)).map((m) => m.headers['x-error-code'])));
  } finally { await h.dispose(); }
});
