import { evaluate, RuleSettings, STANDARD_RULES } from '@engine/domain';
import { KafkaGateway } from '@engine/messaging';
import { cloudEvents as ce, ScenarioMessage } from '@engine/testing';
import { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../apps/engine/src/engine.tokens';
import { ParkedEvents } from '../apps/engine/src/ingest/parked-events';
import { EngineHarness } from './support/engine-harness';
import { referenceRun } from './faults/support/reference';

/**
 * A failure of ours (not bad input) never stalls the rest: the failing events are retried a bounded number of times,
 * isolated, parked with their error, and re-applied by `npm run parked -- retry` once the fault is gone. Nothing is
 * lost or doubled. Two faults: a rule that throws for one customer's events, and a trigger raising a unique violation
 * (SQLSTATE 23505, which here can only mean a bug) on one referral's row.
 */
const NOW = '2026-10-15T00:00:00Z';

/** The standard settings, whose generic-domain check throws for `poison.example` while `broken` is set: a rule bug. */
function brokenSettings(): { settings: RuleSettings; fix: () => void } {
  let broken = true;
  const generic = new (class extends Set<string> {
    override has(domain: string): boolean {
      if (broken && domain === 'poison.example') throw new Error('rule bug for the test: poison.example');
      return super.has(domain);
    }
  })(STANDARD_RULES.genericEmailDomains);
  return { settings: { ...STANDARD_RULES, genericEmailDomains: generic }, fix: () => (broken = false) };
}

function story(n: string, domain: string): ScenarioMessage[] {
  return [
    ce.submitted({ referralId: `R-${n}`, partnerId: 'P-1', domain, time: '2026-03-01T00:00:00Z', id: `sub-${n}` }),
    ce.signedUp({ customerId: `C-${n}`, domain, time: '2026-03-05T00:00:00Z', id: `sig-${n}` }),
    ce.activated({ customerId: `C-${n}`, time: '2026-03-06T00:00:00Z', id: `act-${n}` }),
    ce.usage({ customerId: `C-${n}`, invoiceLineId: 'L-1', amount: '300.00', time: '2026-04-01T00:00:00Z', id: `use-${n}` }),
  ];
}

async function parkedEvents(harness: EngineHarness): Promise<string[]> {
  return (await harness.query<{ event_id: string }>(`SELECT event_id FROM parked_event WHERE retried_at IS NULL ORDER BY event_id`)).map((r) => r.event_id);
}

async function expectEveryEventAppliedOnce(harness: EngineHarness, messages: ScenarioMessage[]): Promise<void> {
  const reference = referenceRun(messages, Date.parse(NOW));
  const [{ n }] = await harness.query(`SELECT count(*)::int AS n FROM input_event`);
  expect(n).toBe(messages.length);
  const statuses = await harness.query<{ referral_id: string; status: string }>(`SELECT referral_id, status FROM referral ORDER BY referral_id`);
  expect(Object.fromEntries(statuses.map((r) => [r.referral_id, r.status]))).toEqual(
    Object.fromEntries(evaluate(reference.events, Date.parse(NOW), STANDARD_RULES).referrals.map((r) => [r.referralId, r.status])),
  );
  const totals = await harness.query<{ referral_id: string; total: string }>(`SELECT referral_id, sum(amount)::text AS total FROM ledger_entry GROUP BY 1 ORDER BY 1`);
  expect(totals).toEqual(['R-1', 'R-2', 'R-3'].map((id) => ({ referral_id: id, total: '8000' }))); // bonus 50.00 + 10% of 300.00
}

describe('parking: a failure of ours is set aside, everything else goes on', () => {
  let harness: EngineHarness;
  let kafka: KafkaGateway;

  afterEach(async () => {
    await harness?.dispose();
  });

  it('a rule that throws for one customer: the others apply, the poison is parked and visible, and applies after the fix', async () => {
    const { settings, fix } = brokenSettings();
    harness = await EngineHarness.create({ label: 'parkrule', engineNow: NOW, settings, env: { INGEST_MAX_ATTEMPTS: '2' } });
    kafka = harness.kafka;
    await harness.start();
    const messages = [...story('1', 'one.example'), ...story('2', 'poison.example'), ...story('3', 'three.example')];
    await harness.publish(messages);
    await harness.settled(); // lag 0: nothing stalls behind the poison

    // the submission and the signup on poison.example are parked; the lines of its customer, who claimed nothing, apply
    expect(await parkedEvents(harness)).toEqual(['sig-2', 'sub-2']);
    const referrals = await harness.query<{ referral_id: string; status: string }>(`SELECT referral_id, status FROM referral ORDER BY referral_id`);
    expect(referrals).toEqual([{ referral_id: 'R-1', status: 'QUALIFIED' }, { referral_id: 'R-3', status: 'QUALIFIED' }]);
    const ready = await (await fetch(`${harness.baseUrl}/health/ready`)).json();
    expect(ready).toMatchObject({ status: 'degraded', parkedEvents: 2 });
    const dlq = await kafka.readTopic(harness.config.topics.dlq, 500);
    expect(dlq).toEqual([]);

    fix();
    const parked = new ParkedEvents(harness.app!.get<DataSource>(DATA_SOURCE), () => kafka.getProducer());
    expect((await parked.list()).map((p) => p.eventId).sort()).toEqual(['sig-2', 'sub-2']);
    expect(await parked.retry()).toBe(2);
    await harness.settled();
    expect(await parkedEvents(harness)).toEqual([]);
    await expectEveryEventAppliedOnce(harness, messages);
    expect(((await (await fetch(`${harness.baseUrl}/health/ready`)).json()) as { status: string }).status).toBe('ok');
  });

  it('an integrity violation (23505) on one referral\'s row is parked, never dead-lettered, and applies once the fault is removed', async () => {
    harness = await EngineHarness.create({ label: 'parkdup', engineNow: NOW, env: { INGEST_MAX_ATTEMPTS: '2' } });
    kafka = harness.kafka;
    await harness.start();
    await harness.query(`
      CREATE FUNCTION fail_referral() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.referral_id = 'R-2' THEN RAISE EXCEPTION 'duplicate for the test' USING ERRCODE = '23505'; END IF;
        RETURN NEW;
      END $$`);
    await harness.query(`CREATE TRIGGER fail_referral BEFORE INSERT OR UPDATE ON referral FOR EACH ROW EXECUTE FUNCTION fail_referral()`);
    const messages = [...story('1', 'one.example'), ...story('2', 'two.example'), ...story('3', 'three.example')];
    await harness.publish(messages);
    await harness.settled();

    // only the submission: R-2's row is written once its submission is stored (the signup alone writes no referral)
    expect(await parkedEvents(harness)).toEqual(['sub-2']);
    const errors = await harness.query<{ error_code: string }>(`SELECT DISTINCT error_code FROM parked_event`);
    expect(errors).toEqual([{ error_code: '23505' }]);
    expect(await kafka.readTopic(harness.config.topics.dlq, 500)).toEqual([]);
    const metrics = await (await fetch(`${harness.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/engine_events_parked_total 1/);

    await harness.query(`DROP TRIGGER fail_referral ON referral`);
    expect(await new ParkedEvents(harness.app!.get<DataSource>(DATA_SOURCE), () => kafka.getProducer()).retry()).toBe(1);
    await harness.settled();
    expect(await parkedEvents(harness)).toEqual([]);
    await expectEveryEventAppliedOnce(harness, messages);
  });
});
