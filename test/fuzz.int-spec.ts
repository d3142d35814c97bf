import { TOPICS } from '@engine/contracts';
import { OutboundMessage } from '@engine/messaging';
import { classifyMessages, sampleStream, ScenarioMessage, seededRandom, shuffled } from '@engine/testing';
import { apiClient } from './support/api-client';
import { EngineHarness } from './support/engine-harness';
import { compareDeadLetters, compareLedger, EngineView, expectationOf } from './faults/support/reference';

/**
 * Hostile input. More than ten thousand random and mutated messages (truncated JSON, garbage bytes, wrong types,
 * huge strings, deep nesting, 1 MB payloads, NaN/exponent amounts, unknown currencies, impossible dates,
 * characters PostgreSQL cannot store, conflicting duplicates) interleaved with a valid sample stream, against an
 * engine on the real broker and database. Every valid message is applied (the ledger and statuses equal the pure
 * rules over the valid set), every bad one is in the DLQ with its code, original bytes and coordinates, no
 * partition stops, memory stays bounded. Then the HTTP API gets random query parameters and bodies: 2xx, 400,
 * 404 or 409, never a 500.
 */
const ENGINE_NOW = '2026-11-01T00:00:00Z';
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 20261101;
const FINANCE_KEY = 'fuzz-finance-key';

type Intent = 'valid' | 'bad' | 'either';
interface FuzzMessage {
  topic: string;
  key: string | null;
  value: Buffer | null;
  kind: string;
  intent: Intent;
}

const TOPIC_OF_TYPE: Record<string, string> = {
  'referral.submitted': TOPICS.referrals, 'customer.signed_up': TOPICS.lifecycle, 'customer.activated': TOPICS.lifecycle,
  'billing.usage_billed': TOPICS.billing, 'billing.refunded': TOPICS.billing,
  'partner.approved': TOPICS.partners, 'partner.group_changed': TOPICS.partners, 'partner.suspended': TOPICS.partners,
  'partner.reinstated': TOPICS.partners, 'partner.terminated': TOPICS.partners,
  'payout.paid': TOPICS.payouts, 'payout.failed': TOPICS.payouts,
};
const REQUIRED_DATA: Record<string, string[]> = {
  'referral.submitted': ['referralId', 'partnerId', 'partnerDomain', 'prospect', 'channel'],
  'customer.signed_up': ['customerId', 'emailDomain', 'priorAccount'],
  'customer.activated': ['customerId'],
  'billing.usage_billed': ['customerId', 'invoiceLineId', 'productCode', 'amount', 'currency'],
  'billing.refunded': ['customerId', 'refundId', 'invoiceLineId', 'amount', 'currency'],
  'partner.approved': ['partnerId'],
  'partner.group_changed': ['partnerId', 'group'],
  'partner.suspended': ['partnerId'],
  'partner.reinstated': ['partnerId'],
  'partner.terminated': ['partnerId'],
  'payout.paid': ['payoutId'],
  'payout.failed': ['payoutId', 'reason'],
};
const STORED_STRINGS: Record<string, string[]> = {
  'referral.submitted': ['referralId', 'partnerId', 'channel'],
  'customer.signed_up': ['customerId', 'referralCode'],
  'customer.activated': ['customerId'],
  'billing.usage_billed': ['customerId', 'invoiceLineId', 'productCode'],
  'billing.refunded': ['customerId', 'refundId', 'invoiceLineId'],
};

/** The hostile generator: each call mutates a random valid message (or makes one from nothing). */
function hostileMessages(valid: ScenarioMessage[], count: number, random: () => number): FuzzMessage[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  let serial = 0;
  const fresh = () => `fuzz-${SEED}-${++serial}`;
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(0, 255)));
  const cjk = (n: number) => Array.from({ length: n }, () => String.fromCodePoint(int(0x4e00, 0x9fff))).join('');
  const astral = (n: number) => Array.from({ length: n }, () => String.fromCodePoint(int(0x1f300, 0x1faff))).join('');
  const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
  const wrongTypes = [0, -1, 1.5, 1e308, true, false, null, [], {}, [1, 2], { a: 1 }, ''];
  const badAmounts = ['NaN', '1e3', '1E-2', 'Infinity', '-Infinity', '-1.00', '0', '0.00', '-0.00', '1.005', '12,30', ' 12.30', '12.30 ', '+12.30',
    '0x10', '١٢٣', '1.2.3', '', '10000000000000.00', '9'.repeat(64), '.5', '5.', '1_000'];
  const badCurrencies = ['GBP', 'usd', 'Usd', '', 'US D', 'XXX', '€', 'USD\u0000', 'BTC'];
  const badTimes = ['2026-02-30T00:00:00Z', '2025-02-29T00:00:00Z', '2026-13-01T00:00:00Z', '2026-00-10T00:00:00Z', '2026-01-01T24:00:00Z',
    '2026-01-01T23:59:60Z', '2026-01-01T23:60:00Z', '2026-01-01', '2026-01-01T00:00:00', '2026-01-01T00:00:00+25:00', '2026-01-01 00:00:00Z',
    'tomorrow', '', '+002026-01-01T00:00:00Z', '2026-1-1T0:0:0Z', '0000-06-01T00:00:00Z', '9999-12-31T00:00:00Z', '0000-01-01T00:00:00Z'];
  const json = (m: ScenarioMessage) => JSON.parse(m.value);
  const make = (m: ScenarioMessage, value: unknown, kind: string, intent: Intent, topic = m.topic, key = m.key): FuzzMessage =>
    ({ topic, key, kind, intent, value: value === null ? null : Buffer.isBuffer(value) ? value : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)) });
  const renamed = (m: ScenarioMessage) => ({ ...json(m), id: fresh() });

  const generators: [string, number, (m: ScenarioMessage) => FuzzMessage][] = [
    ['truncated', 12, (m) => make(m, m.value.slice(0, int(0, m.value.length - 1)), 'truncated JSON', 'bad')],
    ['garbage', 6, (m) => make(m, bytes(int(1, 300)), 'random bytes', 'bad')],
    ['invalid-utf8', 3, (m) => make(m, Buffer.concat([Buffer.from(m.value.slice(0, 40)), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from(m.value.slice(40))]), 'invalid UTF-8 inside JSON', 'either')],
    ['tombstone', 2, (m) => make(m, null, 'null value', 'bad')],
    ['empty', 1, (m) => make(m, Buffer.alloc(0), 'empty value', 'bad')],
    ['not-object', 4, (m) => make(m, pick(['1', '"x"', '[]', 'null', 'true', `[${m.value}]`, '1e999', '-0']), 'JSON that is not an object', 'bad')],
    ['envelope-type', 12, (m) => make(m, { ...renamed(m), [pick(['specversion', 'id', 'source', 'type', 'time', 'data'])]: pick(wrongTypes) }, 'envelope attribute of a wrong type', 'bad')],
    ['envelope-missing', 5, (m) => { const j = renamed(m); delete j[pick(['specversion', 'id', 'source', 'type', 'time', 'data'])]; return make(m, j, 'envelope attribute missing', 'bad'); }],
    ['specversion', 2, (m) => make(m, { ...renamed(m), specversion: pick(['0.3', '1', '1.0.0', '2.0']) }, 'other specversion', 'bad')],
    ['data-type', 12, (m) => {
      const j = renamed(m);
      const field = pick(REQUIRED_DATA[j.type]);
      j.data[field] = field === 'priorAccount' ? pick([0, 1, 'false', null, 'true']) : field === 'prospect' ? pick([null, 'acme', [], 7]) : pick([0, 1.5, true, null, [], {}, ['x']]);
      return make(m, j, `data.${field} of a wrong type`, 'bad');
    }],
    ['data-missing', 6, (m) => { const j = renamed(m); delete j.data[pick(REQUIRED_DATA[j.type])]; return make(m, j, 'data field missing', 'bad'); }],
    ['amount', 10, (m) => {
      const base = pick(valid.filter((v) => v.topic === TOPICS.billing));
      const j = renamed(base);
      j.data.amount = pick(badAmounts);
      if (j.data.currency === 'JPY' && j.data.amount === '1.005') j.data.amount = '1.5';
      return make(base, j, 'bad amount', 'bad');
    }],
    ['amount-number', 3, (m) => { const base = pick(valid.filter((v) => v.topic === TOPICS.billing)); const j = renamed(base); j.data.amount = pick([12.3, 1e3, -1, 0]); return make(base, j, 'amount as a JSON number', 'bad'); }],
    ['currency', 6, (m) => { const base = pick(valid.filter((v) => v.topic === TOPICS.billing)); const j = renamed(base); j.data.currency = pick(badCurrencies); return make(base, j, 'unknown currency', 'bad'); }],
    ['time', 10, (m) => make(m, { ...renamed(m), time: pick(badTimes) }, 'impossible or out-of-range time', 'bad')],
    ['type', 5, (m) => {
      const j = renamed(m);
      const other = pick(Object.keys(TOPIC_OF_TYPE).filter((t) => TOPIC_OF_TYPE[t] !== m.topic));
      j.type = pick(['referral.deleted', '', 'billing.usage_billed ', 'REFERRAL.SUBMITTED', other]);
      return make(m, j, 'unknown type or type of another topic', 'bad');
    }],
    ['huge-string', 5, (m) => {
      const j = renamed(m);
      const field = pick(REQUIRED_DATA[j.type].filter((f) => f !== 'priorAccount' && f !== 'prospect'));
      j.data[field] = 'x'.repeat(int(300, 100_000));
      return make(m, j, `data.${field} too long`, 'bad');
    }],
    ['huge-id', 2, (m) => make(m, { ...renamed(m), id: 'i'.repeat(int(257, 20_000)) }, 'id too long', 'bad')],
    ['deep', 4, (m) => make(m, `${m.value.slice(0, -1)},"nested":${deep(int(65, 3000))}}`.replace(`"id":"${json(m).id}"`, `"id":"${fresh()}"`), 'deeply nested', 'bad')],
    ['very-deep', 1, (m) => make(m, deep(int(50_000, 200_000)), 'nested 100k levels', 'bad')],
    ['nul', 4, (m) => {
      const j = renamed(m);
      const field = pick(STORED_STRINGS[j.type]);
      j.data[field] = `${String(j.data[field] ?? 'x').slice(0, 10)}\u0000${pick(['', 'tail'])}`;
      return make(m, j, `NUL in data.${field}`, 'bad');
    }],
    ['nul-envelope', 1, (m) => make(m, { ...renamed(m), source: `${json(m).source}\u0000` }, 'NUL in source', 'bad')],
    ['lone-surrogate', 3, (m) => {
      const j = renamed(m);
      const field = pick(STORED_STRINGS[j.type]);
      j.data[field] = `${String(j.data[field] ?? 'x').slice(0, 10)}${pick(['\ud800', '\udfff', '\udc00x'])}`;
      return make(m, j, `lone surrogate in data.${field}`, 'bad');
    }],
    ['wide-ids', 1, (m) => make(m, { ...renamed(m), source: `${cjk(200)}${'\ufe0f'.repeat(0)}${astral(300)}`, id: astral(256) }, 'maximal multi-byte source and id', 'bad')],
    ['unicode-ids', 2, (m) => { const j = renamed(m); j.id = `${astral(5)}-${cjk(5)}-${fresh()}`; return make(m, j, 'unicode id', 'valid'); }],
    ['extension', 2, (m) => make(m, { ...renamed(m), ext1: pick(['x', 1, null, { a: [1] }]), datacontenttype: 'application/json' }, 'extension attributes', 'valid')],
    ['proto', 2, (m) => make(m, m.value.replace('{"specversion"', `{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}},"specversion"`).replace(`"id":"${json(m).id}"`, `"id":"${fresh()}"`), '__proto__ keys', 'either')],
    ['reordered-duplicate', 3, (m) => { const j = json(m); const reordered = Object.fromEntries(Object.entries(j).reverse()); return make(m, JSON.stringify(reordered, null, 2), 'exact duplicate with other key order', 'valid'); }],
    ['exact-duplicate', 3, (m) => make(m, m.value, 'exact duplicate', 'valid')],
  ];
  const total = generators.reduce((sum, [, weight]) => sum + weight, 0);
  const out: FuzzMessage[] = [];
  while (out.length < count) {
    let r = random() * total;
    const generator = generators.find(([, weight]) => (r -= weight) <= 0) ?? generators[0];
    out.push(generator[2](pick(valid)));
  }
  return out;
}

/** 1 MB messages: three bad (a field too long) and two valid (a big extension attribute). */
function megabyteMessages(valid: ScenarioMessage[], random: () => number): FuzzMessage[] {
  const out: FuzzMessage[] = [];
  for (let i = 0; i < 5; i++) {
    const base = valid[Math.floor(random() * valid.length)];
    const j = { ...JSON.parse(base.value), id: `fuzz-mb-${SEED}-${i}` };
    if (i < 3) {
      const field = REQUIRED_DATA[j.type].find((f) => f !== 'priorAccount' && f !== 'prospect')!;
      j.data = { ...j.data, [field]: 'm'.repeat(1_000_000) };
    } else {
      j.blob = 'b'.repeat(1_000_000);
    }
    out.push({ topic: base.topic, key: base.key, value: Buffer.from(JSON.stringify(j)), kind: i < 3 ? '1 MB, field too long' : '1 MB, valid', intent: i < 3 ? 'bad' : 'valid' });
  }
  return out;
}

/** Conflicting duplicates: a published valid event again, same source and id, another payload (same topic and key). */
function conflicting(valid: ScenarioMessage[], count: number, random: () => number): FuzzMessage[] {
  return shuffled(valid, random).slice(0, count).map((m) => {
    const j = JSON.parse(m.value);
    if (j.data.amount) j.data.amount = j.data.currency === 'JPY' ? String(Number(j.data.amount) + 1) : (Number(j.data.amount) + 0.01).toFixed(2);
    else j.data.companyName = `${j.data.companyName ?? j.data.prospect?.companyName ?? 'x'} (changed)`;
    if (j.type === 'customer.activated') j.data.note = 'changed';
    return { topic: m.topic, key: m.key, value: Buffer.from(JSON.stringify(j)), kind: 'conflicting duplicate', intent: 'bad' as const };
  });
}

describe('hostile input fuzz (Kafka and HTTP)', () => {
  let harness: EngineHarness;
  const random = seededRandom(SEED);
  const valid = sampleStream({ seed: SEED % 1000, prospects: 600, idPrefix: `fz${SEED}`, outOfOrderShare: 0.2 });
  const hostile = [...hostileMessages(valid, 10_000, random), ...megabyteMessages(valid, random)];
  const conflicts = conflicting(valid, 200, random);
  const firstPhase: FuzzMessage[] = shuffled([...valid.map((m) => ({ topic: m.topic, key: m.key, value: Buffer.from(m.value), kind: 'valid', intent: 'valid' as Intent })), ...hostile], random);
  const all = [...firstPhase, ...conflicts];
  let rssPeakMb = 0;
  let rssBaselineMb = 0;
  let memoryTimer: NodeJS.Timeout | undefined;

  const reference = classifyMessages(all);

  beforeAll(async () => {
    harness = await EngineHarness.create({ label: 'fuzz', engineNow: ENGINE_NOW, env: { API_KEYS: `${FINANCE_KEY}:finance,fuzz-partner-key:partner:P-001` } });
    await harness.start();
    rssBaselineMb = process.memoryUsage().rss / 2 ** 20;
    memoryTimer = setInterval(() => (rssPeakMb = Math.max(rssPeakMb, process.memoryUsage().rss / 2 ** 20)), 100);
  });

  afterAll(async () => {
    clearInterval(memoryTimer);
    await harness?.dispose();
  });

  const view = (): EngineView => ({ kafka: harness.kafka, topics: harness.config.topics, query: (sql, params) => harness.query(sql, params) });

  async function publish(messages: FuzzMessage[]): Promise<void> {
    const producer = await harness.kafka.getProducer();
    const byName: Record<string, string> = {
      [TOPICS.referrals]: harness.config.topics.referrals, [TOPICS.lifecycle]: harness.config.topics.lifecycle, [TOPICS.billing]: harness.config.topics.billing,
      [TOPICS.partners]: harness.config.topics.partners, [TOPICS.payouts]: harness.config.topics.payouts,
    };
    for (let i = 0; i < messages.length; i += 500) {
      const byTopic = new Map<string, OutboundMessage[]>();
      for (const m of messages.slice(i, i + 500)) {
        const list = byTopic.get(byName[m.topic]) ?? [];
        list.push({ key: m.key, value: m.value as Buffer });
        byTopic.set(byName[m.topic], list);
      }
      await producer.sendMany([...byTopic].map(([topic, list]) => ({ topic, messages: list })));
    }
  }

  it('generates what it says: at least 10,000 hostile messages, each bad one refused by the parser', () => {
    expect(hostile.length + conflicts.length).toBeGreaterThanOrEqual(10_000);
    const mismatched = all
      .map((m, i) => ({ m, verdict: reference.verdicts[i] }))
      .filter(({ m, verdict }) => m.intent !== 'either' && m.intent !== verdict)
      .map(({ m, verdict }) => `${m.kind} (${m.intent}) parsed as ${verdict}: ${m.value?.toString('utf8').slice(0, 160)}`);
    expect([...new Set(mismatched)].slice(0, 20)).toEqual([]);
  });

  it('applies every valid message and dead-letters every bad one, without stopping a partition', async () => {
    const started = Date.now();
    await publish(firstPhase);
    await publish(conflicts); // after their originals, on the same partitions
    await harness.settled(120_000);
    const elapsedMs = Date.now() - started;

    const expectation = expectationOf(reference.events, Date.parse(ENGINE_NOW));
    const ledger = await compareLedger(view(), expectation);
    const dlq = await compareDeadLetters(view(), { rejected: reference.rejected }, { checkCoordinates: true });
    const [{ n: stored }] = await harness.query<{ n: number }>('SELECT count(*)::int AS n FROM input_event');
    const live = await fetch(`${harness.baseUrl}/health/live`);
    const byCode = reference.rejected.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.code]: (acc[r.code] ?? 0) + 1 }), {});
    // eslint-disable-next-line no-console
    console.log(`fuzz: seed ${SEED}, ${all.length} messages (${valid.length} from the sample stream, ${hostile.length + conflicts.length} hostile), ` +
      `${reference.events.length} distinct valid events stored ${stored}, ${reference.rejected.length} dead letters ${JSON.stringify(byCode)}, ` +
      `DLQ ${dlq.dlqMessages} messages (${dlq.dlqDistinct} distinct coordinates), settled in ${elapsedMs} ms, ` +
      `rss baseline ${rssBaselineMb.toFixed(0)} MB peak ${rssPeakMb.toFixed(0)} MB, ledger ${ledger.entries} entries ${ledger.referrals} referrals`);
    expect(live.status).toBe(200);
    expect(stored).toBe(reference.events.length);
    expect(ledger.differences.slice(0, 20)).toEqual([]);
    expect(dlq.differences.slice(0, 20)).toEqual([]);
    expect(rssPeakMb).toBeLessThan(Math.max(1536, rssBaselineMb + 1024));
  });

  it('answers random query parameters and bodies on every /v1 endpoint with 2xx, 400, 404 or 409, never a 500', async () => {
    const api = apiClient(() => harness.baseUrl);
    const r = seededRandom(SEED + 1);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(r() * items.length)];
    const [existing] = await harness.query<{ referral_id: string; partner_id: string }>('SELECT referral_id, partner_id FROM referral ORDER BY referral_id LIMIT 1');
    const strings = [
      '', ' ', 'x', '2026-10', '2026-09', '2025-11', '2026-13', '2026-00', '1969-12', '9999-12', '10000-01', '2026-1', '2026-10-01', 'P-001', 'P-002',
      existing.referral_id, existing.partner_id, 'R-unknown', '../../etc/passwd', '%00', '\u0000', 'a\u0000b', '\ud800', '\udfff', '😀', 'Ω≈ç√',
      "' OR 1=1 --", '"; DROP TABLE ledger_entry; --', 'NaN', '-1', '0', '1', '1e3', '1001', '999999999999999999999', 'null', 'true', '[]', '{}',
      'x'.repeat(201), 'y'.repeat(5000), ' padded ', 'tab\tin', 'line\nbreak', 'QUALIFIED', 'qualified', 'EXPIRED', 'csv', 'json', 'CSV', 'xml',
    ];
    const value = () => pick(strings);
    const encode = (text: string) => {
      try {
        return encodeURIComponent(text);
      } catch {
        return pick(['%E0%A4%A', '%', '%zz', '%ED%A0%80']); // lone surrogates cannot be encoded: send broken escapes instead
      }
    };
    // a plausible value of each parameter most of the time (so that requests get past validation), else anything
    const plausible: Record<string, () => string> = {
      period: () => pick(['2026-10', '2026-09', '2026-06', '2025-12', '2026-11']), partnerId: () => pick(['P-001', 'P-002', existing.partner_id]),
      format: () => pick(['json', 'csv']), status: () => pick(['QUALIFIED', 'SUBMITTED', 'EXPIRED', 'REJECTED']), limit: () => pick(['1', '10', '1000']),
      after: () => existing.referral_id, referralId: () => pick([existing.referral_id, 'R-unknown']),
    };
    const param = (name: string) => (plausible[name] && r() < 0.6 ? plausible[name]() : value());
    const query = (names: string[]) => {
      const parts: string[] = [];
      for (const name of names) {
        const times = r() < 0.7 ? 1 : r() < 0.5 ? 0 : 2; // once, absent, or repeated (an array)
        for (let i = 0; i < times; i++) parts.push(`${encode(name)}=${encode(param(name))}`);
      }
      if (r() < 0.15) parts.push(`${encode(pick(['unknown', 'period[]', 'a[b]', '__proto__', 'constructor[prototype][x]']))}=${encode(value())}`);
      return parts.length ? `?${parts.join('&')}` : '';
    };
    const body = () => {
      const kind = r();
      if (kind < 0.1) return pick(['not json', '{', '[]', 'null', '"string"', '1', `{"partnerId":${'['.repeat(5000)}${']'.repeat(5000)}}`, '']);
      const good: Record<string, unknown> = {
        partnerId: pick(['P-001', 'P-002']), referralId: pick([existing.referral_id, null, undefined]), amount: pick(['12.30', '-5.00', '0.01']),
        currency: pick(['USD', 'EUR', 'CNY']), reason: pick(['fuzz', 'goodwill', 'Ω≈ç√ 😀']),
      };
      if (kind < 0.4) return good; // valid (a replayed key with another body is a 409)
      const broken = { ...good };
      for (const name of ['partnerId', 'referralId', 'amount', 'currency', 'reason', 'extra']) {
        if (r() < 0.3) broken[name] = r() < 0.3 ? undefined : pick([null, 1, 1.5, -1, true, [], {}, ['a'], { a: { b: 1 } }, value(), '1.001', '1e3', '0', 'GBP', 'z'.repeat(1001)]);
      }
      return broken;
    };
    const keys = Array.from({ length: 40 }, (_, i) => `fuzz-key-${i}`);
    const requests: (() => { method: string; path: string; body?: unknown; headers?: Record<string, string> })[] = [
      () => ({ method: 'GET', path: `/v1/ledger${query(['period', 'partnerId', 'format'])}` }),
      () => ({ method: 'GET', path: `/v1/payouts${query(['period', 'format'])}` }),
      () => ({ method: 'POST', path: `/v1/periods/${encode(param('period'))}/close` }),
      () => ({ method: 'GET', path: `/v1/referrals/${encode(param('referralId'))}` }),
      () => ({ method: 'GET', path: `/v1/partners/${encode(param('partnerId'))}/referrals${query(['status', 'limit', 'after'])}` }),
      () => ({
        method: 'POST', path: '/v1/adjustments', body: body(),
        headers: r() < 0.1 ? {} : { 'idempotency-key': r() < 0.8 ? pick(keys) : encode(value()).slice(0, 300) || 'k', ...(r() < 0.1 ? { 'content-type': pick(['text/plain', 'application/xml', 'application/json; charset=latin1']) } : {}) },
      }),
    ];
    const allowed = new Set([200, 201, 400, 404, 409]);
    const counts: Record<string, number> = {};
    const failures: string[] = [];
    const N = 1500;
    for (let i = 0; i < N; i++) {
      const request = pick(requests)();
      const response = await api(request.method, request.path, { key: FINANCE_KEY, body: request.body, headers: request.headers });
      counts[response.status] = (counts[response.status] ?? 0) + 1;
      // an undecodable charset is a 415 (the one status outside the list that is right), still not an INTERNAL error
      const ok = allowed.has(response.status) || (response.status === 415 && /charset=latin1/.test(request.headers?.['content-type'] ?? ''));
      if (!ok || (response.status >= 400 && response.json?.code === 'INTERNAL')) {
        failures.push(`${request.method} ${request.path.slice(0, 200)} ${request.body === undefined ? '' : JSON.stringify(request.body).slice(0, 200)} -> ${response.status} ${response.text.slice(0, 200)}`);
      }
    }
    const live = await fetch(`${harness.baseUrl}/health/live`);
    // eslint-disable-next-line no-console
    console.log(`fuzz: ${N} HTTP requests with a finance key, statuses ${JSON.stringify(counts)}`);
    expect(failures.slice(0, 20)).toEqual([]);
    expect(live.status).toBe(200);
  });
});
