import { TOPICS } from '@engine/contracts';
import { cloudEvents as ce, ScenarioMessage } from '@engine/testing';
import { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../apps/engine/src/engine.tokens';
import { DlqContext, runDlq, UsageError } from '../scripts/dlq';
import { apiClient } from './support/api-client';
import { EngineHarness } from './support/engine-harness';

/**
 * Dead letters for the people who publish: GET /v1/dead-letters lists every refused message with its code, message,
 * coordinates and exact bytes (finance and ops keys), as JSON or CSV; `engine_dead_letters_total{topic,code}` counts
 * them; `npm run dlq -- replay` (runDlq, the CLI's function) republishes chosen letters' bytes to their source topic
 * once the reason is gone, and marks them replayed.
 */
const NOW = '2026-11-01T00:00:00Z';
const FINANCE = 'finance-key-0123456789';
const OPS = 'ops-key-0123456789abc';
const PARTNER = 'partner-key-0123456789';

const FORMULA = '=HYPERLINK("http://x","y")';
const BINARY = Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x22, 0x80]);

/** A valid submission the database refuses while the test's trigger is there (then dead-lettered INVALID_DATA). */
const REFUSED = ce.submitted({ referralId: 'R-DB', partnerId: 'P-1', domain: 'refused.example', time: '2026-10-01T00:00:00Z', id: 'refused-by-db' });
/** A signup without its emailDomain: INVALID_DATA from the parser. */
const NO_DOMAIN: ScenarioMessage = (() => {
  const message = ce.signedUp({ customerId: 'C-X', domain: 'x.example', time: '2026-10-02T00:00:00Z', id: 'no-domain' });
  const event = JSON.parse(message.value);
  delete event.data.emailDomain;
  return { ...message, value: JSON.stringify(event) };
})();

describe('dead letters: listed with their bytes, counted, replayed', () => {
  let harness: EngineHarness;
  let call: ReturnType<typeof apiClient>;
  let context: DlqContext;
  let lines: string[];
  const referrals = () => harness.config.topics.referrals;

  beforeAll(async () => {
    harness = await EngineHarness.create({
      label: 'deadletters', engineNow: NOW, env: { API_KEYS: `${FINANCE}:finance,${OPS}:ops,${PARTNER}:partner:P-1`, INGEST_MAX_ATTEMPTS: '2' },
    });
    await harness.start();
    call = apiClient(() => harness.baseUrl);
    lines = [];
    context = {
      dataSource: harness.app!.get<DataSource>(DATA_SOURCE), // the runtime role, as `npm run dlq` connects
      producer: () => harness.kafka.getProducer(),
      topics: harness.config.topics,
      out: (line) => lines.push(line),
    };
    await harness.query(`
      CREATE FUNCTION refuse_for_test() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.event_id = 'refused-by-db' THEN RAISE EXCEPTION 'refused for the test' USING ERRCODE = '22023'; END IF;
        RETURN NEW;
      END $$`);
    await harness.query(`CREATE TRIGGER refuse_for_test BEFORE INSERT ON input_event FOR EACH ROW EXECUTE FUNCTION refuse_for_test()`);
    await harness.publish([
      { topic: TOPICS.referrals, key: 'R-FORMULA', value: FORMULA },
      ce.submitted({ referralId: 'R-OK', partnerId: 'P-1', domain: 'ok.example', time: '2026-10-01T00:00:00Z' }),
      REFUSED,
      NO_DOMAIN,
    ]);
    await (await harness.kafka.getProducer()).send(harness.config.topics.billing, [{ key: null, value: BINARY }]);
    await harness.settled();
  });

  afterAll(async () => {
    await harness?.dispose();
  });

  it('lists every dead letter with its code, message, coordinates and exact bytes, to finance and ops keys', async () => {
    const response = await call('GET', '/v1/dead-letters', { key: OPS });
    expect(response.status).toBe(200);
    const letters = response.json.deadLetters as any[];
    expect(response.json.nextAfter).toBeNull();
    expect(letters.map((l) => [l.topic, l.code]).sort()).toEqual(
      [
        [harness.config.topics.billing, 'MALFORMED_JSON'],
        [harness.config.topics.lifecycle, 'INVALID_DATA'],
        [referrals(), 'INVALID_DATA'],
        [referrals(), 'MALFORMED_JSON'],
      ].sort(),
    );
    // in coordinate order
    expect(letters.map((l) => `${l.topic} ${l.partition}`)).toEqual([...letters.map((l) => `${l.topic} ${l.partition}`)].sort());

    const byKey = (key: string | null) => letters.find((l) => l.key === key)!;
    expect(byKey('R-FORMULA')).toMatchObject({ code: 'MALFORMED_JSON', value: FORMULA, valueBase64: Buffer.from(FORMULA).toString('base64'), keyBase64: Buffer.from('R-FORMULA').toString('base64'), replayedAt: null });
    expect(byKey('R-DB')).toMatchObject({ code: 'INVALID_DATA', value: REFUSED.value });
    expect(byKey('R-DB').message).toContain('refused for the test');
    expect(byKey('C-X')).toMatchObject({ code: 'INVALID_DATA', value: NO_DOMAIN.value });
    expect(byKey('C-X').message).toMatch(/emailDomain/);
    const binary = byKey(null);
    expect(binary).toMatchObject({ topic: harness.config.topics.billing, code: 'MALFORMED_JSON', value: null, keyBase64: null });
    expect(Buffer.from(binary.valueBase64, 'base64').equals(BINARY)).toBe(true);
    for (const letter of letters) {
      expect(typeof letter.partition).toBe('number');
      expect(letter.offset).toMatch(/^\d+$/);
      expect(Date.parse(letter.deadLetteredAt)).not.toBeNaN();
    }

    // the letters at their coordinates are the messages on the source topics, byte for byte
    const source = await harness.kafka.readTopic(referrals());
    for (const letter of letters.filter((l) => l.topic === referrals())) {
      const original = source.find((m) => m.partition === letter.partition && m.offset === letter.offset)!;
      expect(original.value!.equals(Buffer.from(letter.valueBase64, 'base64'))).toBe(true);
    }

    const finance = await call('GET', '/v1/dead-letters', { key: FINANCE });
    expect(finance.status).toBe(200);
    expect(finance.json).toEqual(response.json);
  });

  it('refuses partner keys (403) and requests without a key (401); an ops key opens nothing else', async () => {
    expect((await call('GET', '/v1/dead-letters', { key: PARTNER })).status).toBe(403);
    expect((await call('GET', '/v1/dead-letters')).status).toBe(401);
    expect((await call('GET', '/v1/dead-letters', { key: 'unknown-key-0123456789' })).status).toBe(401);
    for (const path of ['/v1/ledger?period=2026-10', '/v1/payouts?period=2026-10', '/v1/partners/P-1/referrals', '/v1/programs']) {
      expect((await call('GET', path, { key: OPS })).status).toBe(403);
    }
  });

  it('filters by code, topic (contract name or as it is) and time, pages, and names a bad filter in a 400', async () => {
    const invalid = await call('GET', '/v1/dead-letters?code=INVALID_DATA', { key: OPS });
    expect(invalid.json.deadLetters.map((l: any) => l.key).sort()).toEqual(['C-X', 'R-DB']);
    const fromReferrals = await call('GET', `/v1/dead-letters?topic=${TOPICS.referrals}`, { key: OPS });
    expect(fromReferrals.json.deadLetters.map((l: any) => l.key).sort()).toEqual(['R-DB', 'R-FORMULA']);
    expect((await call('GET', `/v1/dead-letters?topic=${referrals()}&code=MALFORMED_JSON`, { key: OPS })).json.deadLetters.map((l: any) => l.key)).toEqual(['R-FORMULA']);
    expect((await call('GET', '/v1/dead-letters?since=2999-01-01T00:00:00Z', { key: OPS })).json.deadLetters).toEqual([]);
    expect((await call('GET', '/v1/dead-letters?since=2000-01-01T00:00:00%2B02:00', { key: OPS })).json.deadLetters).toHaveLength(4);
    expect((await call('GET', '/v1/dead-letters?since=0000-01-01T00:00:00Z', { key: OPS })).json.deadLetters).toHaveLength(4);

    const all = (await call('GET', '/v1/dead-letters', { key: OPS })).json.deadLetters;
    const pages: any[] = [];
    let after: string | null = null;
    do {
      const page: any = (await call('GET', `/v1/dead-letters?limit=3${after ? `&after=${encodeURIComponent(after)}` : ''}`, { key: OPS })).json;
      pages.push(...page.deadLetters);
      after = page.nextAfter;
    } while (after !== null);
    expect(pages).toEqual(all);

    for (const [query, field] of [
      ['code=NOPE', 'code'], ['since=yesterday', 'since'], ['topic=a%20b', 'topic'], ['limit=1001', 'limit'], ['after=x', 'after'], ['after=t:1:9223372036854775808', 'after'], ['after=t:2147483648:1', 'after'],
      ['format=xml', 'format'], ['perod=1', 'perod'],
    ]) {
      const response = await call('GET', `/v1/dead-letters?${query}`, { key: OPS });
      expect(response.status).toBe(400);
      expect(response.json.fields).toEqual([field]);
    }
    expect((await call('GET', '/v1/dead-letters?code=NOPE', { key: OPS })).json.message).toMatch(/^code must be one of MALFORMED_JSON, /);
    expect((await call('GET', '/v1/dead-letters?after=t:1:9223372036854775807', { key: OPS })).status).toBe(200);

    // anything else in the query is a 200 or a 400, never a 500
    const values = ['', 'x', '%00', '%ED%A0%80', '-1', '0', '1e3', 'NaN', '9'.repeat(30), 'y'.repeat(300), 'a:b:c', `${referrals()}:0:0`, '9999-12-31T23:59:59Z', 'INVALID_DATA', 'csv'];
    const names = ['topic', 'code', 'since', 'limit', 'after', 'format'];
    for (let i = 0; i < 120; i++) {
      const query = names.filter((_, j) => (i >> j) % 2 === 1 || j === i % names.length).map((name, j) => `${name}=${values[(i * 7 + j * 3) % values.length]}`).join('&');
      const response = await call('GET', `/v1/dead-letters?${query}`, { key: OPS });
      expect([200, 400]).toContain(response.status);
    }
  });

  it('exports CSV with text cells neutralised against formulas', async () => {
    const response = await call('GET', '/v1/dead-letters?format=csv', { key: OPS });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    const records = response.text.split('\r\n');
    expect(records[0]).toBe('topic,partition,offset,code,message,key,key_base64,value,value_base64,dead_lettered_at,replayed_at');
    expect(records.at(-1)).toBe('');
    const formula = records.find((r) => r.includes(',R-FORMULA,'))!;
    const b64 = (text: string) => Buffer.from(text).toString('base64');
    expect(formula.startsWith(`${referrals()},`)).toBe(true);
    expect(formula).toContain(`,MALFORMED_JSON,`);
    expect(formula).toContain(`,R-FORMULA,${b64('R-FORMULA')},"'=HYPERLINK(""http://x"",""y"")",${b64(FORMULA)},`);
    expect(formula).toMatch(/,\d{4}-\d\d-\d\dT[\d:.]+Z,$/); // dead-lettered at, not replayed
    const binary = records.find((r) => r.includes(Buffer.from(BINARY).toString('base64')))!;
    expect(binary).toContain(',MALFORMED_JSON,');
    const paged = await call('GET', '/v1/dead-letters?format=csv&limit=1', { key: OPS });
    expect(paged.headers.get('x-next-after')).toMatch(/^[A-Za-z0-9._-]+:\d+:\d+$/);
  });

  it('counts them by source topic and code on /metrics', async () => {
    const metrics = await (await fetch(`${harness.baseUrl}/metrics`)).text();
    const value = (topic: string, code: string) => Number(new RegExp(`^engine_dead_letters_total\\{topic="${topic.replace(/\./g, '\\.')}",code="${code}"\\} (\\d+)$`, 'm').exec(metrics)?.[1]);
    expect(value(referrals(), 'MALFORMED_JSON')).toBe(1);
    expect(value(referrals(), 'INVALID_DATA')).toBe(1);
    expect(value(harness.config.topics.lifecycle, 'INVALID_DATA')).toBe(1);
    expect(value(harness.config.topics.billing, 'MALFORMED_JSON')).toBe(1);
    expect(metrics).toMatch(/^engine_ready 1$/m);
    expect(metrics).toMatch(/^engine_payout_orders\{status="PENDING"\} 0$/m);
  });

  it('npm run dlq -- list prints the dead letters, then the parked events', async () => {
    lines.length = 0;
    expect(await runDlq(['list', '--code', 'INVALID_DATA'], context)).toBe(0);
    expect(lines.filter((l) => / INVALID_DATA: /.test(l))).toHaveLength(2);
    expect(lines).toContain('2 dead letter(s)');
    expect(lines.some((l) => l.startsWith(`    key="R-DB" value=${JSON.stringify(REFUSED.value.slice(0, 200) + '…')}`))).toBe(true); // text shortened to 200
    expect(lines.indexOf('parked events waiting (npm run dlq -- replay-parked):')).toBeGreaterThan(lines.indexOf('2 dead letter(s)'));
    expect(lines).toContain('0 parked event(s) waiting');
    await expect(runDlq(['list', '--code', 'NOPE'], context)).rejects.toThrow(UsageError);
    await expect(runDlq(['replay', '--offsets', '0:1'], context)).rejects.toThrow(/--offsets needs --topic/);
    await expect(runDlq(['replay'], context)).rejects.toThrow(UsageError);
    await expect(runDlq(['nope'], context)).rejects.toThrow(/usage: npm run dlq/);
  });

  it('replays a letter whose reason is gone: its bytes go back to the source topic, the engine applies them, and a second replay needs --again', async () => {
    const letter = (await call('GET', '/v1/dead-letters?code=INVALID_DATA&topic=partner.referrals.v1', { key: OPS })).json.deadLetters[0];
    expect(letter.key).toBe('R-DB');
    expect(await harness.query(`SELECT referral_id FROM referral WHERE referral_id = 'R-DB'`)).toEqual([]);
    await harness.query(`DROP TRIGGER refuse_for_test ON input_event`); // the reason is gone

    lines.length = 0;
    expect(await runDlq(['replay', '--topic', TOPICS.referrals, '--offsets', `${letter.partition}:${letter.offset}`], context)).toBe(0);
    expect(lines[0]).toBe(`republished 1 dead letter(s) to their source topics: ${referrals()}/${letter.partition}@${letter.offset}`);
    await harness.settled();
    expect(await harness.query(`SELECT referral_id, status FROM referral WHERE referral_id = 'R-DB'`)).toEqual([{ referral_id: 'R-DB', status: 'SUBMITTED' }]);

    // the source topic holds the original and, at a later offset, the same key and bytes again
    const copies = (await harness.kafka.readTopic(referrals())).filter((m) => m.value!.equals(Buffer.from(REFUSED.value)));
    expect(copies).toHaveLength(2);
    expect(copies.map((m) => m.key?.toString())).toEqual(['R-DB', 'R-DB']);
    expect(copies.filter((m) => m.partition === letter.partition && m.offset === letter.offset)).toHaveLength(1);

    const marked = (await call('GET', `/v1/dead-letters?code=INVALID_DATA&topic=${referrals()}`, { key: OPS })).json.deadLetters[0];
    expect(Date.parse(marked.replayedAt)).not.toBeNaN();

    lines.length = 0;
    expect(await runDlq(['replay', '--topic', referrals(), '--offsets', `${letter.partition}:${letter.offset},${letter.partition}:999999`], context)).toBe(1);
    expect(lines).toEqual([
      'republished 0 dead letter(s) to their source topics',
      `left out, replayed before (--again to replay them again): ${referrals()}/${letter.partition}@${letter.offset}`,
      `no dead letter at: ${referrals()}/${letter.partition}@999999`,
    ]);
    expect(await runDlq(['replay', '--topic', referrals(), '--offsets', `${letter.partition}:${letter.offset}`, '--again'], context)).toBe(0);
    await harness.settled();
    const [{ n }] = await harness.query(`SELECT count(*)::int AS n FROM input_event WHERE event_id = 'refused-by-db'`);
    expect(n).toBe(1); // the second copy was an exact duplicate
  });

  it('replays by code: a message still bad is dead-lettered again at its new coordinates', async () => {
    lines.length = 0;
    expect(await runDlq(['replay', '--code', 'MALFORMED_JSON', '--topic', TOPICS.referrals], context)).toBe(0);
    expect(lines[0]).toMatch(/^republished 1 dead letter\(s\)/);
    await harness.settled();
    const formulas = (await call('GET', `/v1/dead-letters?code=MALFORMED_JSON&topic=${referrals()}`, { key: OPS })).json.deadLetters;
    expect(formulas).toHaveLength(2);
    expect(formulas.map((l: any) => l.value)).toEqual([FORMULA, FORMULA]);
    expect(formulas.filter((l: any) => l.replayedAt !== null)).toHaveLength(1);
    expect(await runDlq(['replay', '--code', 'MALFORMED_JSON', '--topic', TOPICS.referrals, '--since', '2000-01-01T00:00:00Z'], context)).toBe(0); // only the new one
    await harness.settled();
    expect((await call('GET', `/v1/dead-letters?code=MALFORMED_JSON&topic=${referrals()}`, { key: OPS })).json.deadLetters).toHaveLength(3);
  });

  it('shows the parked events in the same tool, and replay-parked republishes them (as npm run parked -- retry)', async () => {
    // a valid message parked by a fault of ours (parking.int-spec.ts makes real ones), its row as the scheduler writes it
    const parked = ce.submitted({ referralId: 'R-PARKED', partnerId: 'P-1', domain: 'parked.example', time: '2026-10-03T00:00:00Z', id: 'parked-1' });
    await harness.query(
      `INSERT INTO parked_event (topic, kafka_partition, kafka_offset, message_key, message_value, source, event_id, error_code, error_message, attempts)
       VALUES ($1, 0, 424242, $2, $3, 'partner-portal', 'parked-1', 'XX000', 'a bug of ours', 2)`,
      [referrals(), Buffer.from('R-PARKED'), Buffer.from(parked.value)],
    );
    lines.length = 0;
    expect(await runDlq(['list', '--code', 'CONFLICTING_DUPLICATE'], context)).toBe(0);
    expect(lines).toContain('0 dead letter(s)');
    expect(lines.some((l) => l.includes(`${referrals()}/0@424242 partner-portal parked-1 attempts=2 XX000: a bug of ours`))).toBe(true);
    expect(lines).toContain('1 parked event(s) waiting');

    lines.length = 0;
    expect(await runDlq(['replay-parked'], context)).toBe(0);
    expect(lines).toEqual(['republished 1 parked event(s) to their source topics']);
    await harness.settled();
    expect(await harness.query(`SELECT referral_id FROM referral WHERE referral_id = 'R-PARKED'`)).toEqual([{ referral_id: 'R-PARKED' }]);
    expect(await harness.query(`SELECT count(*)::int AS n FROM parked_event WHERE retried_at IS NULL`)).toEqual([{ n: 0 }]);
  });

  it('lets the engine change nothing of a dead letter but replayed_at', async () => {
    await expect(context.dataSource.query(`UPDATE dead_letter SET code = 'INVALID_DATA'`)).rejects.toMatchObject({ driverError: { code: '23001' } });
    await expect(context.dataSource.query(`DELETE FROM dead_letter`)).rejects.toMatchObject({ driverError: { code: '42501' } });
  });
});
