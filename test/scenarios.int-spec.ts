import { DLQ_HEADERS, parseMessage } from '@engine/contracts';
import { formatAmount } from '@engine/domain';
import { loadScenario, periodsOfRange, scenarioNames, seededRandom, shuffled } from '@engine/testing';
import { apiClient } from './support/api-client';
import { EngineHarness } from './support/engine-harness';
import { ledgerCells } from './support/ledger-cells';

/**
 * The worked scenarios end to end: published (shuffled, with extra redeliveries) to the real broker, consumed
 * by the engine into the real database, compared with the outcome computed separately from the project.
 */
function safeJson(value: string): { source?: string; id?: string } | null {
  try { return JSON.parse(value); } catch { return null; }
}

function isValid(topic: string, value: string): boolean {
  try { parseMessage(topic, value); return true; } catch { return false; }
}

describe.each(scenarioNames())('scenario %s on Kafka and PostgreSQL', (name) => {
  const scenario = loadScenario(name);
  let harness: EngineHarness;

  beforeAll(async () => {
    const env: Record<string, string> = { API_KEYS: 'scenario-finance-key:finance' };
    if (scenario.programsFile) env.PROGRAMS_FILE = scenario.programsFile;
    if (scenario.expected.partnerEnrollment) env.PARTNER_ENROLLMENT = scenario.expected.partnerEnrollment;
    harness = await EngineHarness.create({ label: name.replace(/\W/g, ''), engineNow: scenario.expected.engineNow, env });
    const random = seededRandom(name.length * 7919);
    // Exact redeliveries of valid messages whose (source, id) is not contested (a redelivered bad message is dead-lettered again).
    const ids = new Map<string, number>();
    const idOf = (value: string) => { try { const e = parseMessage('partner.referrals.v1', value); return `${e.event.source}|${e.event.id}`; } catch { const j = safeJson(value); return j ? `${j.source}|${j.id}` : value; } };
    for (const m of scenario.messages) ids.set(idOf(m.value), (ids.get(idOf(m.value)) ?? 0) + 1);
    const valid = scenario.messages.filter((m) => isValid(m.topic, m.value) && ids.get(idOf(m.value)) === 1);
    const redeliveries = shuffled(valid, random).slice(0, 25);
    // Shuffle within each topic (the order across topics is lost anyway: partitions interleave). The scenario's last
    // messages are its bad ones, published last: a conflicting duplicate is refused only once its original was seen.
    const bad = scenario.expected.dlqCodes.length;
    await harness.publish([...shuffled([...scenario.messages.slice(0, -bad), ...redeliveries], random), ...scenario.messages.slice(-bad)]);
    await harness.start();
    await harness.settled();
  });

  afterAll(async () => {
    await harness?.dispose();
  });

  it('gives every referral its expected status, reason, customer and (with a catalogue) program version', async () => {
    const rows = await harness.query('SELECT referral_id, partner_id, status, reason, customer_id, program_id, program_version FROM referral');
    const withProgram = scenario.programsFile !== null;
    const actual = Object.fromEntries(rows.map((r) => [
      r.referral_id,
      { partnerId: r.partner_id, status: r.status, reason: r.reason, customerId: r.customer_id, ...(withProgram ? { programId: r.program_id, programVersion: r.program_version } : {}) },
    ]));
    expect(actual).toEqual(scenario.expected.referrals);
  });

  it('holds a ledger whose every cell matches, to the cent', async () => {
    const rows = await harness.query('SELECT partner_id, currency, effective_period, amount::text FROM ledger_entry');
    const cells = ledgerCells(rows);
    expect(cells.byPeriod).toEqual(scenario.expected.ledgerByPartnerCurrencyPeriod);
    expect(cells.byPartner).toEqual(scenario.expected.ledgerByPartnerCurrency);
  });

  it('dead-letters exactly the bad messages, with the original bytes and their coordinates', async () => {
    const dlq = await harness.kafka.readTopic(harness.config.topics.dlq);
    expect(dlq.map((m) => m.headers[DLQ_HEADERS.code]).sort()).toEqual([...scenario.expected.dlqCodes].sort());
    const originals = new Set(scenario.messages.map((m) => m.value));
    for (const message of dlq) {
      expect(originals.has(message.value!.toString('utf8'))).toBe(true);
      expect(message.headers[DLQ_HEADERS.message].length).toBeGreaterThan(0);
      expect(Object.values(harness.config.topics)).toContain(message.headers[DLQ_HEADERS.topic]);
      expect(Number(message.headers[DLQ_HEADERS.partition])).toBeGreaterThanOrEqual(0);
      expect(Number(message.headers[DLQ_HEADERS.offset])).toBeGreaterThanOrEqual(0);
    }
  });

  it('publishes a status stream whose last event per referral is its status, with sequences 1..n', async () => {
    const stream = await harness.kafka.readTopic(harness.config.topics.status);
    const byReferral = new Map<string, { sequence: number; status: string; reason: string | null; previousStatus: string | null }[]>();
    for (const message of stream) {
      const event = JSON.parse(message.value!.toString('utf8'));
      expect(message.key!.toString()).toBe(event.data.referralId);
      expect(event).toMatchObject({ specversion: '1.0', source: 'commission-engine', type: 'referral.status_changed' });
      const list = byReferral.get(event.data.referralId) ?? [];
      if (!list.some((e) => e.sequence === event.data.sequence)) list.push(event.data);
      byReferral.set(event.data.referralId, list);
    }
    const rows = await harness.query('SELECT referral_id, status, reason FROM referral');
    expect(byReferral.size).toBe(rows.length);
    for (const row of rows) {
      const events = byReferral.get(row.referral_id)!.sort((a, b) => a.sequence - b.sequence);
      expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
      expect(events[0].previousStatus).toBeNull();
      for (let i = 1; i < events.length; i++) expect(events[i].previousStatus).toBe(events[i - 1].status);
      expect({ status: events.at(-1)!.status, reason: events.at(-1)!.reason }).toEqual({ status: row.status, reason: row.reason });
    }
  });

  it('publishes one commission.accrued per ledger entry (deduplicated by id) and a qualified event for every qualified referral', async () => {
    const accrued = await harness.kafka.readTopic(harness.config.topics.accrued);
    const unique = new Map(accrued.map((m) => { const e = JSON.parse(m.value!.toString()); return [e.id, e.data]; }));
    const entries = await harness.query('SELECT entry_id::text, amount::text, partner_id FROM ledger_entry');
    expect(unique.size).toBe(entries.length);
    const sum = [...unique.values()].reduce((s, d) => s + BigInt(d.amount.replace('.', '')), 0n);
    expect(sum).toBe(entries.reduce((s, e) => s + BigInt(e.amount), 0n));

    const qualified = await harness.kafka.readTopic(harness.config.topics.qualified);
    // Late events can qualify a referral provisionally and take it back; its status stream says so. The latest
    // qualified event of each referral that ends QUALIFIED carries its final qualifiedAt.
    const latest = new Map<string, { id: string; qualifiedAt: string }>();
    for (const m of qualified) {
      const e = JSON.parse(m.value!.toString());
      const version = Number(e.id.split(':').at(-1));
      const current = latest.get(e.data.referralId);
      if (!current || Number(current.id.split(':').at(-1)) < version) latest.set(e.data.referralId, { id: e.id, qualifiedAt: e.data.qualifiedAt });
    }
    const rows = await harness.query(`SELECT referral_id, qualified_at FROM referral WHERE status = 'QUALIFIED'`);
    expect(rows.length).toBe(Object.values(scenario.expected.referrals).filter((r) => r.status === 'QUALIFIED').length);
    for (const row of rows) expect(latest.get(row.referral_id)?.qualifiedAt).toBe(row.qualified_at.toISOString());
  });

  // Only scenarios that give their closes define this test (seed-303 onwards).
  const closedInOrder = scenario.expected.closedInOrder;
  if (closedInOrder) it('closes the months in order into the expected statements and payout orders', async () => {
    const api = apiClient(() => harness.baseUrl);
    for (const period of periodsOfRange(closedInOrder)) {
      const closed = await api('POST', `/v1/periods/${period}/close`, { key: 'scenario-finance-key' });
      expect(closed.status).toBe(200);
      const statements = Object.fromEntries(closed.json.statements.map((s: Record<string, string>) => [
        `${s.partnerId}|${s.currency}`,
        { opening: s.opening, net: s.net, closing: s.closing, held: s.held, available: s.available, payable: s.payable, carried: s.carried },
      ]));
      expect({ period, statements }).toEqual({ period, statements: scenario.expected.statements![period] });
    }
    const orders = await harness.query(`SELECT payout_id, amount::text, currency, status FROM payout_order ORDER BY payout_id`);
    const expected = [...scenario.expected.payoutOrders!].sort((a, b) => (a.payoutId < b.payoutId ? -1 : 1));
    expect(orders.map((o) => ({ payoutId: o.payout_id, amount: formatAmount(BigInt(o.amount), o.currency), status: o.status }))).toEqual(expected);
  });
});
