import 'reflect-metadata';
import { getMetadataStorage } from 'class-validator';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CloudEventDto, DATA_DTO_BY_TYPE, DLQ_HEADERS, DlqCode, ENGINE_SOURCE, InvalidMessageError, parseMessage, parseRfc3339, ProspectDto, TOPICS, topicNames,
  TYPES_BY_TOPIC,
} from '@engine/contracts';
import {
  BookedNet, chainStatements, CURRENCIES, decidePayout, diffReferrals, evaluate, EXPIRY_REASONS, isPartnerEvent, partnerTimelines, PayoutOrder, payoutOrdersOf,
  PayoutStatus, periodEnd, periodOf, PlannedEntry, planLedgerEntries, planPayoutReturn, PostedCell, REFERRAL_STATUSES, REJECTION_REASONS, Rules, STANDARD_RULES,
  standingAt, StoredReferral,
} from '@engine/domain';
import { LedgerEntry, OutboxMessage, PayoutStatusChange } from '@engine/persistence';
import { classifyMessages, cloudEvents, loadScenario, sampleStream, scenarioCatalogue, scenarioNames, ScenarioMessage } from '@engine/testing';
import { accruedMessage, payoutStatusMessage, qualifiedMessage, statusChangedMessage } from '../apps/engine/src/ingest/output-events';
import { AsyncApiDocument } from './support/asyncapi-document';

/**
 * docs/asyncapi.yaml against the code, without a broker: every topic, event type, output type and DLQ code is in it,
 * and its JSON Schemas accept and refuse sample events, valid and invalid, exactly as the engine's parser does; real
 * output events (built by apps/engine/src/ingest/output-events.ts from evaluated sample streams) match its output
 * schemas and declare every field they carry.
 */
const api = new AsyncApiDocument();
const OUTPUT_TYPES: Record<string, string> = {
  [TOPICS.status]: 'referral.status_changed',
  [TOPICS.qualified]: 'referral.qualified',
  [TOPICS.accrued]: 'commission.accrued',
  [TOPICS.payoutStatus]: 'payout.status_changed',
};
const INPUT_TOPICS = Object.keys(TYPES_BY_TOPIC);

/** The DLQ code the engine's parser gives a message, or null when it accepts it. */
function engineCode(topic: string, value: Buffer | string | null): DlqCode | null {
  try {
    parseMessage(topic, value);
    return null;
  } catch (error) {
    if (error instanceof InvalidMessageError) return error.code;
    throw error;
  }
}

const engineAccepts = (topic: string, value: Buffer | string | null) => engineCode(topic, value) === null;

// ---------------------------------------------------------------------------------------------------------------
// The rules the document states in prose only (info.description, "What the schemas cannot say"). A message that
// touches one of them is left out of the parity checks below; the "known differences" test shows each one is still
// a real difference, so the list cannot silently go stale:
//   1. MALFORMED_JSON: the schemas apply to parsed JSON (both sides here refuse what JSON.parse refuses);
//   2. CONFLICTING_DUPLICATE: needs what was received before (parseMessage is stateless, so parity holds per message);
//   3. time bounds are instants [1970-01-01T00:00Z, 9000-01-01T00:00Z); the schema bounds the written year;
//   4. unpaired surrogates (lone \ud800 escapes) in stored strings: refused by the engine, not expressible portably;
//   5. source + id at most 2,048 bytes of UTF-8 (JSON Schema counts characters);
//   6. nesting depth at most 64 (the canonical-JSON hash);
//   7. class-validator's length does not count a U+FE0E/U+FE0F variation selector after a character.
// (U+0000 in stored strings IS in the schemas' patterns and is checked like any other rule. EVENT_IN_FUTURE, named by
// CONTRACT §2, is enforced by neither side: the engine reverted it, issue 16.)
// ---------------------------------------------------------------------------------------------------------------
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const VARIATION_SELECTOR = /[\ufe0e\ufe0f]/;
const MIN_TIME = Date.UTC(1970, 0, 1);
const MAX_TIME = Date.UTC(9000, 0, 1);

function depth(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + children.reduce<number>((max, child) => Math.max(max, depth(child)), 0);
}

function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => strings(v, out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(k), strings(v, out);
  return out;
}

/** Which documented gap (the list above) a message value touches, or null. */
function knownGap(value: string): string | null {
  let json: any;
  try {
    json = JSON.parse(value);
  } catch {
    return null; // both sides refuse it
  }
  if (strings(json).some((s) => LONE_SURROGATE.test(s))) return 'unpaired surrogate';
  if (strings(json).some((s) => VARIATION_SELECTOR.test(s))) return 'variation selector';
  if (depth(json) > 64) return 'nesting depth';
  if (json && typeof json === 'object' && !Array.isArray(json)) {
    const { source, id, time } = json;
    const fits = (text: unknown, max: number): text is string => typeof text === 'string' && [...text].length <= max;
    if (fits(source, 512) && fits(id, 256) && Buffer.byteLength(source) + Buffer.byteLength(id) > 2048) return 'source + id bytes';
    if (typeof time === 'string') {
      const instant = parseRfc3339(time);
      const year = Number(time.slice(0, 4));
      if (instant !== null && (instant >= MIN_TIME && instant < MAX_TIME) !== (year >= 1970 && year <= 8999)) return 'time bound with an offset';
    }
  }
  return null;
}

interface Case {
  label: string;
  topic: string;
  value: string | null;
}

function expectParity(cases: readonly Case[]): { accepted: number; refused: number; codes: Set<string>; skipped: number } {
  const mismatches: string[] = [];
  let accepted = 0, refused = 0, skipped = 0;
  const codes = new Set<string>();
  for (const c of cases) {
    if (c.value !== null && knownGap(c.value) !== null) {
      skipped++;
      continue;
    }
    const code = engineCode(c.topic, c.value);
    const engine = code === null;
    const document = api.accepts(c.topic, c.value);
    if (engine !== document) {
      const channel = api.channel(c.topic);
      let json: unknown;
      try {
        json = JSON.parse(String(c.value));
      } catch {
        json = undefined;
      }
      const errors = channel?.messages
        .map((m) => {
          m.validatePayload(json);
          return `${m.name}: ${api.ajv.errorsText(m.validatePayload.errors)}`;
        })
        .join(' | ');
      mismatches.push(`${c.label} on ${c.topic}: engine ${engine ? 'accepts' : `refuses (${code})`}, document ${document ? 'accepts' : `refuses (${errors})`}\n    ${String(c.value).slice(0, 300)}`);
    }
    if (code === null) accepted++;
    else {
      refused++;
      codes.add(code);
    }
  }
  expect(mismatches).toEqual([]);
  return { accepted, refused, codes, skipped };
}

// ---------------------------------------------------------------------------------------------------------------
// Samples
// ---------------------------------------------------------------------------------------------------------------
const T = '2026-05-01T00:00:00Z';

/** One message of every input type, as the builders write them, and variants with every optional field set. */
function builderMessages(): ScenarioMessage[] {
  const withAll = (m: ScenarioMessage, data: Record<string, unknown>, prospect?: Record<string, unknown>): ScenarioMessage => {
    const event = JSON.parse(m.value);
    Object.assign(event.data, data);
    if (prospect) Object.assign(event.data.prospect, prospect);
    return { ...m, value: JSON.stringify({ ...event, id: `${event.id}-full`, datacontenttype: 'application/json', traceparent: '00-abc-def-01' }) };
  };
  const submitted = cloudEvents.submitted({ referralId: 'R-1', partnerId: 'P-001', domain: 'acme.example', time: T, region: 'eu-west-1', id: 'b-1' });
  const signedUp = cloudEvents.signedUp({ customerId: 'C-1', domain: 'acme.example', time: T, referralCode: 'R-1', id: 'b-2' });
  const usage = cloudEvents.usage({ customerId: 'C-1', invoiceLineId: 'L-1', amount: '120.50', time: T, id: 'b-3' });
  const approved = cloudEvents.partnerApproved({ partnerId: 'P-001', time: T, group: 'gold', id: 'b-4' });
  const suspended = cloudEvents.partnerSuspended({ partnerId: 'P-001', time: T, reason: 'unpaid', id: 'b-5' });
  const paid = cloudEvents.payoutPaid({ payoutId: '2026-04:P-001:USD', time: T, reference: 'REF-1', id: 'b-6' });
  return [
    submitted,
    withAll(submitted, { useCase: 'analytics' }, { contactEmail: 'cto@acme.example', region: 'ap-southeast-1' }),
    cloudEvents.submitted({ referralId: 'R-2', partnerId: 'P-002', domain: 'gmail.com', time: T, region: null, channel: 'coupon_site', id: 'b-7' }),
    signedUp,
    withAll(signedUp, { companyName: 'Acme' }),
    cloudEvents.signedUp({ customerId: 'C-2', domain: 'Other.Example', time: T, priorAccount: true, id: 'b-8' }),
    cloudEvents.activated({ customerId: 'C-1', time: T, id: 'b-9' }),
    usage,
    withAll(usage, { periodStart: '2026-04-01', periodEnd: '2026-04-30' }),
    cloudEvents.usage({ customerId: 'C-1', invoiceLineId: 'L-2', amount: '15000', currency: 'JPY', time: T, id: 'b-10' }),
    cloudEvents.usage({ customerId: 'C-1', invoiceLineId: 'L-3', amount: '0.01', currency: 'EUR', time: T, id: 'b-11' }),
    cloudEvents.usage({ customerId: 'C-1', invoiceLineId: 'L-4', amount: '700', currency: 'CNY', time: T, id: 'b-12' }),
    cloudEvents.refunded({ customerId: 'C-1', refundId: 'RF-1', invoiceLineId: 'L-1', amount: '20.5', time: T, id: 'b-13' }),
    cloudEvents.refunded({ customerId: 'C-1', refundId: 'RF-2', invoiceLineId: 'L-2', amount: '1', currency: 'JPY', time: T, id: 'b-14' }),
    approved,
    cloudEvents.partnerApproved({ partnerId: 'P-002', time: T, group: null, id: 'b-15' }),
    cloudEvents.partnerGroupChanged({ partnerId: 'P-001', group: 'silver', time: T, id: 'b-16' }),
    suspended,
    cloudEvents.partnerSuspended({ partnerId: 'P-001', time: T, reason: '', id: 'b-17' }),
    cloudEvents.partnerReinstated({ partnerId: 'P-001', time: T, id: 'b-18' }),
    cloudEvents.partnerTerminated({ partnerId: 'P-001', time: T, reason: null, id: 'b-19' }),
    paid,
    cloudEvents.payoutPaid({ payoutId: '2026-04:P-002:EUR', time: T, id: 'b-20' }),
    cloudEvents.payoutFailed({ payoutId: '2026-04:P-003:JPY', time: T, reason: 'account closed', id: 'b-21' }),
  ];
}

const BUILT = builderMessages();
const SAMPLE = sampleStream({ prospects: 30, partnerFeed: true });
const SCENARIOS = scenarioNames().map(loadScenario);

const asCases = (messages: readonly ScenarioMessage[], label: string): Case[] => messages.map((m, i) => ({ label: `${label}#${i}`, topic: m.topic, value: m.value }));

type Path = (string | number)[];

function leafPaths(value: unknown, prefix: Path = []): Path[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [prefix];
  return [prefix, ...Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...prefix, k]))].filter((p) => p.length > 0);
}

function withValue(event: any, path: Path, value: unknown, remove = false): any {
  const copy = structuredClone(event);
  let at = copy;
  for (const part of path.slice(0, -1)) at = at[part];
  if (remove) delete at[path[path.length - 1]];
  else at[path[path.length - 1]] = value;
  return copy;
}

/** The maxLength constraints of the envelope and every data DTO (class-validator metadata). */
function dtoMaxLengths(): number[] {
  const storage = getMetadataStorage();
  const dtos = [CloudEventDto, ProspectDto, ...Object.values(DATA_DTO_BY_TYPE)];
  const lengths = new Set<number>();
  for (const dto of dtos) {
    for (const m of storage.getTargetValidationMetadatas(dto, '', true, false)) if (m.name === 'maxLength') lengths.add(m.constraints[0]);
  }
  return [...lengths];
}

const REPLACEMENTS: unknown[] = [
  null, 0, 1, -1, 1.5, true, false, '', ' ', 'x', 'A.Example', 'a b', 'a\tb', 'a\u00a0b', 'a@b', 'a/b', 'x\u0000', '\u0000', 'é', '😀', [], ['x'], {}, { a: 1 },
  '1.0', '10.00', '10', '-1', T, 'USD', 'JPY', 'GBP', 'referral.submitted', 'billing.usage_billed',
];

function mutations(): Case[] {
  const lengths = [...new Set([...dtoMaxLengths(), ...api.maxLengths()])];
  const cases: Case[] = [];
  for (const base of BUILT) {
    const event = JSON.parse(base.value);
    for (const path of leafPaths(event)) {
      const label = `${event.type} ${path.join('.')}`;
      cases.push({ label: `${label} removed`, topic: base.topic, value: JSON.stringify(withValue(event, path, undefined, true)) });
      for (const value of REPLACEMENTS) cases.push({ label: `${label} = ${JSON.stringify(value)}`, topic: base.topic, value: JSON.stringify(withValue(event, path, value)) });
      for (const length of lengths) {
        for (const n of [length - 1, length, length + 1]) {
          cases.push({ label: `${label} = a×${n}`, topic: base.topic, value: JSON.stringify(withValue(event, path, 'a'.repeat(n))) });
          cases.push({ label: `${label} = 😀×${n}`, topic: base.topic, value: JSON.stringify(withValue(event, path, '😀'.repeat(n))) });
        }
      }
    }
    // the same event on every other input topic (a valid type on the wrong topic is UNKNOWN_TYPE)
    for (const topic of INPUT_TOPICS) cases.push({ label: `${event.type} on ${topic}`, topic, value: base.value });
    // unknown data fields and envelope extensions are ignored
    cases.push({ label: `${event.type} with extras`, topic: base.topic, value: JSON.stringify({ ...event, comexampleext: { any: [1, 2] }, data: { ...event.data, extra: 'ignored' } }) });
  }
  return cases;
}

const AMOUNTS = [
  '1', '0', '00', '0.0', '0.00', '0.01', '0.001', '0.10', '1.5', '1.50', '1.505', '12.345', '-5.00', '+5', '5.', '.5', '1e3', '1E3', ' 1', '1 ', '1,00', '0x10',
  '0001.00', '007', '15000', '15000.0', '999999999999', '999999999999.99', '1000000000000', '1000000000000.00', '1000000000000.01', '1000000000001',
  '0999999999999', '0999999999999.99', '10000000000000', '00000000000001', '٣', '１', 'NaN', 'Infinity', '', '1'.repeat(64), '1'.repeat(65),
];
const CURRENCY_VALUES: unknown[] = ['USD', 'EUR', 'CNY', 'JPY', 'GBP', 'usd', 'Jpy', '', 'USDT', null, 840];

function amountCases(): Case[] {
  const cases: Case[] = [];
  for (const type of ['billing.usage_billed', 'billing.refunded']) {
    const base = JSON.parse(BUILT.find((m) => JSON.parse(m.value).type === type)!.value);
    for (const amount of [...AMOUNTS, 12.5, 10, null]) {
      for (const currency of CURRENCY_VALUES) {
        cases.push({ label: `${type} ${JSON.stringify(amount)} ${JSON.stringify(currency)}`, topic: TOPICS.billing, value: JSON.stringify({ ...base, data: { ...base.data, amount, currency } }) });
      }
    }
  }
  return cases;
}

const TIMES: unknown[] = [
  '2026-05-01T00:00:00Z', '2026-05-01t00:00:00z', '2026-05-01T00:00:00.1Z', '2026-05-01T00:00:00.123456789Z', '2026-05-01T00:00:00.1234567890Z',
  '2026-05-01T00:00:00.Z', '2026-05-01T00:00:00+09:00', '2026-05-01T00:00:00-23:59', '2026-05-01T00:00:00+24:00', '2026-05-01T00:00:00+09:60',
  '2026-05-01T00:00:00+0900', '2026-05-01T00:00:00+09', '2026-05-01T24:00:00Z', '2026-05-01T23:60:00Z', '2026-05-01T23:59:60Z', '2026-05-01T23:59:59Z',
  '2026-02-28T12:00:00Z', '2026-02-29T12:00:00Z', '2024-02-29T12:00:00Z', '2000-02-29T12:00:00Z', '2100-02-29T12:00:00Z', '2400-02-29T00:00:00Z',
  '2026-04-30T00:00:00Z', '2026-04-31T00:00:00Z', '2026-12-31T00:00:00Z', '2026-12-32T00:00:00Z', '2026-13-01T00:00:00Z', '2026-00-10T00:00:00Z',
  '2026-05-00T00:00:00Z', '2026-05-01 00:00:00Z', '2026-05-01T00:00Z', '2026-05-01', '2026-5-01T00:00:00Z', '26-05-01T00:00:00Z', '+2026-05-01T00:00:00Z',
  'yesterday', '', '1969-12-31T23:59:59Z', '1969-12-31T23:59:59.999Z', '1970-01-01T00:00:00Z', '1970-01-01T00:00:00.000Z', '0001-01-01T00:00:00Z',
  '8999-12-31T23:59:59.999Z', '9000-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '2026-05-01T00:00:00Z ', ' 2026-05-01T00:00:00Z', '2026-05-01T00:00:00\u0000Z',
  1714521600, null, ['2026-05-01T00:00:00Z'],
];

function envelopeCases(): Case[] {
  const base = JSON.parse(BUILT[0].value);
  const topic = TOPICS.referrals;
  const cases: Case[] = TIMES.map((time) => ({ label: `time ${JSON.stringify(time)}`, topic, value: JSON.stringify({ ...base, time }) }));
  for (const specversion of ['1.0', '1', '1.0 ', '0.3', 1, 1.0, null]) cases.push({ label: `specversion ${JSON.stringify(specversion)}`, topic, value: JSON.stringify({ ...base, specversion }) });
  for (const data of [null, [], [base.data], 'x', 1, {}]) cases.push({ label: `data ${JSON.stringify(data)}`, topic, value: JSON.stringify({ ...base, data }) });
  for (const value of ['null', '[]', '1', '"text"', 'true', '{}', '', 'not json', '{"specversion":"1.0",', '\ufeff' + BUILT[0].value]) cases.push({ label: `value ${value.slice(0, 20)}`, topic, value });
  cases.push({ label: 'no value (tombstone)', topic, value: null });
  cases.push({ label: 'unknown topic', topic: 'some.other.v1', value: BUILT[0].value });
  return cases;
}

// ---------------------------------------------------------------------------------------------------------------
// Output events, built by the engine's own functions from evaluated sample streams
// ---------------------------------------------------------------------------------------------------------------
function outputMessages(): OutboxMessage[] {
  const topics = topicNames();
  const sources = [
    { name: 'sample stream', messages: SAMPLE, now: Date.parse('2026-11-01T00:00:00Z'), rules: STANDARD_RULES as Rules },
    ...SCENARIOS.map((s) => ({
      name: s.name, messages: s.messages, now: Date.parse(s.expected.engineNow),
      rules: { ...STANDARD_RULES, catalogue: scenarioCatalogue(s), partnerEnrollment: s.expected.partnerEnrollment ?? STANDARD_RULES.partnerEnrollment } as Rules,
    })),
  ];
  const out: OutboxMessage[] = [];
  let entryId = 1000;
  const toEntry = (e: Omit<PlannedEntry, 'referralId' | 'programId' | 'programVersion' | 'slot'> & Partial<Pick<PlannedEntry, 'slot'>> & {
    referralId: string | null; programId: string | null; programVersion: number | null;
  }, createdAt: number): LedgerEntry => ({
    entryId: String(++entryId), partnerId: e.partnerId, referralId: e.referralId, customerId: e.customerId, type: e.type, slot: e.slot ?? null, amount: e.amount,
    currency: e.currency, sourceEventId: e.sourceEventId, effectiveAt: e.effectiveAt, effectivePeriod: periodOf(e.effectiveAt), bookedPeriod: periodOf(e.effectiveAt),
    createdAt, programId: e.programId, programVersion: e.programVersion, releaseAt: e.releaseAt,
  });
  for (const source of sources) {
    const { events } = classifyMessages(source.messages);
    // first a part of the events (every fifth held back), then all: late events give corrections, later statuses, takeovers
    const early = events.filter((_, i) => i % 5 !== 0);
    const first = evaluate(early, source.now, source.rules);
    const firstChanges = diffReferrals(first.referrals, new Map(), source.now - 60_000);
    const firstEntries = planLedgerEntries(first.amounts, [], first.programs);
    const stored = new Map<string, StoredReferral>(firstChanges.writes.map((w) => [w.outcome.referralId, { ...w.outcome, sequence: w.sequence, qualifiedVersion: w.qualifiedVersion }]));
    const posted: PostedCell[] = firstEntries.map((e) => ({
      referralId: e.referralId, partnerId: e.partnerId, customerId: e.customerId, slot: e.slot, currency: e.currency, effectiveAt: e.effectiveAt, amount: e.amount, sourceEventId: e.sourceEventId,
    }));
    const all = evaluate(events, source.now, source.rules);
    const changes = diffReferrals(all.referrals, stored, source.now);
    const entries = planLedgerEntries(all.amounts, posted, all.programs);
    for (const [c, planned, at] of [[firstChanges, firstEntries, source.now - 60_000], [changes, entries, source.now]] as const) {
      out.push(...c.statusChanges.map(({ outcome, change }) => statusChangedMessage(outcome, change, topics)));
      out.push(...c.qualifications.map(({ outcome, version }) => qualifiedMessage(outcome, version, at, topics)));
      out.push(...planned.map((e) => accruedMessage(toEntry(e, at + 17), topics)));
    }
    // payout orders of closing every month before the clock, each announced PENDING, then alternately paid and failed
    const booked = [...firstEntries, ...entries];
    const periods = [...new Set(booked.map((e) => periodOf(e.effectiveAt)))].filter((p) => periodEnd(p) <= source.now).sort();
    const nets: BookedNet[] = booked.map((e) => ({ partnerId: e.partnerId, currency: e.currency, period: periodOf(e.effectiveAt), net: e.amount }));
    const timelines = partnerTimelines(events.filter(isPartnerEvent), []);
    const chain = chainStatements({
      periods, previous: [], nets, terms: source.rules.minimumPayouts,
      held: periods.flatMap((period) => booked.filter((e) => e.amount > 0n && periodOf(e.effectiveAt) <= period && e.releaseAt > periodEnd(period)).map((e) => ({ partnerId: e.partnerId, currency: e.currency, period, held: e.amount }))),
      suspendedAtEnd: (partnerId, period) => standingAt(timelines.get(partnerId), periodEnd(period)).state === 'SUSPENDED',
    });
    const orders: PayoutOrder[] = periods.flatMap((period) => payoutOrdersOf(chain.get(period)!));
    orders.forEach((order, i) => {
      const change = (sequence: number, status: PayoutStatus, previousStatus: PayoutStatus | null, reason: string | null): PayoutStatusChange => ({
        payoutId: order.payoutId, sequence, status, previousStatus, reason, changedAt: source.now,
      });
      out.push(payoutStatusMessage(order, change(1, 'PENDING', null, null), topics));
      if (i % 3 === 2) return;
      const failed = i % 3 === 1;
      const outcome = { status: failed ? 'FAILED' as const : 'PAID' as const, source: 'payments', id: `pay-${i}`, time: source.now - 1000, reference: failed ? null : `REF-${i}`, reason: failed ? 'account closed' : null };
      out.push(payoutStatusMessage(order, change(2, outcome.status, 'PENDING', outcome.reason), topics));
      for (const r of planPayoutReturn(order, decidePayout(order, [outcome]), [])) {
        out.push(accruedMessage(toEntry({ ...r, referralId: null, customerId: null, programId: null, programVersion: null, releaseAt: r.effectiveAt }, source.now + 5), topics));
      }
    });
  }
  // a manual adjustment posted by finance, as the adjustments API builds it (negative, partner-level)
  out.push(accruedMessage(toEntry({
    partnerId: 'P-001', referralId: null, customerId: null, type: 'MANUAL_ADJUSTMENT', currency: 'JPY', effectiveAt: Date.parse('2026-10-15T09:00:00Z'), amount: -7500n,
    sourceEventId: 'adjustment:key-1', programId: null, programVersion: null, releaseAt: Date.parse('2026-10-15T09:00:00Z'),
  }, Date.parse('2026-10-15T09:00:00.250Z')), topics));
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
describe('docs/asyncapi.yaml', () => {
  describe('structure', () => {
    it('is AsyncAPI 3.0.0, and every schema in it compiles under strict JSON Schema draft-07', () => {
      expect(api.doc.asyncapi).toBe('3.0.0');
      for (const name of Object.keys(api.doc.components.schemas)) expect(api.validator(name)).toBeDefined();
      for (const channel of api.channels) for (const m of channel.messages) expect(m.message.payload.schemaFormat).toBe('application/schema+json;version=draft-07');
    });

    it('has a channel for every topic of libs/contracts, at its address, and nothing else', () => {
      expect(api.channels.map((c) => c.address).sort()).toEqual(Object.values(TOPICS).sort());
      for (const channel of api.channels) expect(channel.channel.bindings?.kafka?.topic).toBe(channel.address);
    });

    it('has, in each input channel, exactly the event types the parser accepts on that topic', () => {
      for (const [topic, types] of Object.entries(TYPES_BY_TOPIC)) {
        const channel = api.channel(topic)!;
        expect(channel.messages.map((m) => m.name).sort()).toEqual([...types].sort());
        for (const m of channel.messages) {
          expect(api.propertyConst(m.payloadSchema, 'type')).toBe(m.name);
          expect(m.message.contentType).toBe('application/cloudevents+json');
        }
      }
      // and every type the parser knows has a data schema (DATA_DTO_BY_TYPE is what it validates with)
      const documented = api.channels.flatMap((c) => c.messages.map((m) => m.name));
      for (const type of Object.keys(DATA_DTO_BY_TYPE)) expect(documented).toContain(type);
    });

    it('has every output type the engine publishes, on its topic, with the content-type header the outbox relay sets', () => {
      const relay = readFileSync(join(__dirname, '..', 'apps', 'engine', 'src', 'outbox', 'outbox-relay.ts'), 'utf8');
      expect(relay).toContain(`'content-type': 'application/cloudevents+json'`);
      for (const [topic, type] of Object.entries(OUTPUT_TYPES)) {
        const channel = api.channel(topic)!;
        expect(channel.messages.map((m) => m.name)).toEqual([type]);
        const [m] = channel.messages;
        expect(api.propertyConst(m.payloadSchema, 'type')).toBe(type);
        expect(api.propertyConst(m.payloadSchema, 'source')).toBe(ENGINE_SOURCE);
        expect(m.validateHeaders!({ 'content-type': 'application/cloudevents+json' })).toBe(true);
        expect(m.validateHeaders!({})).toBe(false);
      }
    });

    it('lists, for the DLQ, exactly the DlqCode enum and the DLQ_HEADERS the engine sets', () => {
      const headers = api.schema('DeadLetterHeaders');
      expect([...headers.properties['x-error-code'].enum].sort()).toEqual(Object.values(DlqCode).sort());
      expect([...headers.required].sort()).toEqual(Object.values(DLQ_HEADERS).sort());
      expect(Object.keys(headers.properties).sort()).toEqual(Object.values(DLQ_HEADERS).sort());
    });

    it('has operations that receive every input channel and send every output channel', () => {
      const ops = Object.values<any>(api.doc.operations);
      const byChannel = (id: string) => ops.filter((op) => op.channel.$ref === `#/channels/${id}`).map((op) => op.action);
      for (const channel of api.channels) expect(byChannel(channel.id)).toEqual([INPUT_TOPICS.includes(channel.address) ? 'receive' : 'send']);
    });

    it('matches the domain enums: statuses, reasons, currencies', () => {
      const data = api.schema('ReferralStatusChangedData');
      expect(api.schema('ReferralStatus').enum).toEqual([...REFERRAL_STATUSES]);
      expect(data.properties.reason.enum).toEqual([...REJECTION_REASONS, ...EXPIRY_REASONS, null]);
      expect(api.schema('Currency').enum).toEqual([...CURRENCIES]);
    });

    it('has examples that its own schemas accept', () => {
      let checked = 0;
      for (const channel of api.channels) {
        for (const m of channel.messages) {
          expect(m.message.examples?.length ?? 0).toBeGreaterThan(0);
          for (const example of m.message.examples) {
            if (m.name !== 'dead-letter') expect({ example: example.name, ok: m.validatePayload(example.payload), errors: m.validatePayload.errors ?? null }).toEqual({ example: example.name, ok: true, errors: null });
            if (m.validateHeaders) expect(m.validateHeaders(example.headers)).toBe(true);
            if (INPUT_TOPICS.includes(channel.address)) expect(engineAccepts(channel.address, JSON.stringify(example.payload))).toBe(true);
            checked++;
          }
        }
      }
      // the dead-letter examples carry what the engine would say about their payloads
      for (const example of api.doc.components.messages.deadLetter.examples) {
        expect(engineCode(example.headers['x-source-topic'], example.payload)).toBe(example.headers['x-error-code']);
      }
      expect(checked).toBeGreaterThan(15);
    });
  });

  describe('input schemas accept and refuse what the parser accepts and refuses', () => {
    it('the builders of libs/testing (every type, every optional field)', () => {
      const result = expectParity(asCases(BUILT, 'builder'));
      expect(result.refused).toBe(0);
      expect(new Set(BUILT.map((m) => JSON.parse(m.value).type))).toEqual(new Set(Object.keys(DATA_DTO_BY_TYPE)));
    });

    it('sampleStream({ prospects: 30, partnerFeed: true })', () => {
      const result = expectParity(asCases(SAMPLE, 'sample'));
      expect(result).toMatchObject({ refused: 0, skipped: 0 });
      expect(result.accepted).toBe(SAMPLE.length);
    });

    it.each(SCENARIOS.map((s) => [s.name, s] as const))('scenario %s, its bad tail included', (_name, scenario) => {
      const result = expectParity(asCases(scenario.messages, scenario.name));
      // every code of the scenario's tail but the stateful one is refused on both sides
      const expected = new Set(scenario.expected.dlqCodes.filter((c) => c !== DlqCode.CONFLICTING_DUPLICATE));
      expect(result.codes).toEqual(expected);
      expect(result.skipped).toBe(0);
    });

    it('mutations of every field: removed, wrong types, empty, whitespace, @ and /, U+0000, lengths at each bound', () => {
      const cases = mutations();
      const result = expectParity(cases);
      expect(result.accepted).toBeGreaterThan(500);
      expect(result.refused).toBeGreaterThan(2000);
      expect(result.codes).toEqual(new Set([DlqCode.INVALID_ENVELOPE, DlqCode.UNKNOWN_TYPE, DlqCode.INVALID_DATA, DlqCode.UNSUPPORTED_CURRENCY, DlqCode.INVALID_AMOUNT]));
    });

    it('amounts: signs, exponents, decimals per currency (JPY 0, others 2), zero, 10^12, currencies', () => {
      const result = expectParity(amountCases());
      expect(result.codes).toEqual(new Set([DlqCode.INVALID_DATA, DlqCode.UNSUPPORTED_CURRENCY, DlqCode.INVALID_AMOUNT]));
      expect(result.accepted).toBeGreaterThan(40);
    });

    it('envelopes: RFC 3339 times (calendar, leap years, offsets, fractions, bounds), specversion, data, values that are not objects', () => {
      const result = expectParity(envelopeCases());
      // (INVALID_DATA: `data: {}`; UNKNOWN_TYPE: a topic with no such type)
      expect(result.codes).toEqual(new Set([DlqCode.MALFORMED_JSON, DlqCode.INVALID_ENVELOPE, DlqCode.INVALID_DATA, DlqCode.UNKNOWN_TYPE]));
      expect(result.accepted).toBeGreaterThan(15);
    });

    it('random mutations of valid events (property)', () => {
      const amount = fc.stringMatching(/^[-+ ]?\d{0,14}(\.\d{0,4})?$/);
      const two = (n: number) => String(n).padStart(2, '0');
      const time = fc
        .record({
          y: fc.integer({ min: 1960, max: 9010 }), mo: fc.integer({ min: 0, max: 13 }), d: fc.integer({ min: 0, max: 32 }), h: fc.integer({ min: 0, max: 25 }),
          mi: fc.integer({ min: 0, max: 61 }), s: fc.integer({ min: 0, max: 61 }), sep: fc.constantFrom('T', 't', ' '),
          frac: fc.option(fc.stringMatching(/^\d{0,11}$/)), zone: fc.constantFrom('Z', 'z', '+00:00', '-01:30', '+23:59', '+24:00', '-00:60', '', '+0100'),
        })
        .map((t) => `${String(t.y).padStart(4, '0')}-${two(t.mo)}-${two(t.d)}${t.sep}${two(t.h)}:${two(t.mi)}:${two(t.s)}${t.frac === null ? '' : `.${t.frac}`}${t.zone}`);
      const anyValue = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.string({ unit: 'binary', maxLength: 20 }), amount, time, fc.constantFrom(...CURRENCY_VALUES));
      const bases = BUILT.map((m) => ({ topic: m.topic, event: JSON.parse(m.value) }));
      const mutation = fc
        .record({ base: fc.constantFrom(...bases), pick: fc.nat(), value: anyValue, remove: fc.boolean(), topic: fc.option(fc.constantFrom(...INPUT_TOPICS), { freq: 8 }) })
        .map(({ base, pick, value, remove, topic }) => {
          const paths = leafPaths(base.event);
          const path = paths[pick % paths.length];
          return { label: `property ${path.join('.')}`, topic: topic ?? base.topic, value: JSON.stringify(withValue(base.event, path, value, remove)) } as Case;
        });
      fc.assert(
        fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (cases) => {
          expectParity(cases);
        }),
        { numRuns: 3000 },
      );
    });

    it('known differences: each rule the document states in prose only still differs, as listed', () => {
      const base = JSON.parse(BUILT.find((m) => JSON.parse(m.value).type === 'customer.signed_up')!.value);
      const topic = TOPICS.lifecycle;
      const nested = (n: number): unknown => (n === 0 ? 'deep' : { x: nested(n - 1) });
      const differences: { rule: string; value: string; engine: boolean; document: boolean }[] = [
        { rule: 'unpaired surrogate in a stored data field', value: JSON.stringify({ ...base, data: { ...base.data, customerId: 'C-\ud800' } }), engine: false, document: true },
        { rule: 'unpaired surrogate in id', value: JSON.stringify({ ...base, id: 'ev-\udc00' }), engine: false, document: true },
        { rule: 'time before 1970 as an instant, written in 1970', value: JSON.stringify({ ...base, time: '1970-01-01T00:30:00+01:00' }), engine: false, document: true },
        { rule: 'time in 1970 as an instant, written in 1969', value: JSON.stringify({ ...base, time: '1969-12-31T23:30:00-01:00' }), engine: true, document: false },
        { rule: 'time at 9000 as an instant, written in 8999', value: JSON.stringify({ ...base, time: '8999-12-31T23:30:00-01:00' }), engine: false, document: true },
        { rule: 'source + id over 2,048 bytes of UTF-8', value: JSON.stringify({ ...base, source: '😀'.repeat(512) }), engine: false, document: true },
        { rule: 'nesting deeper than 64 levels', value: JSON.stringify({ ...base, data: { ...base.data, extra: nested(70) } }), engine: false, document: true },
        { rule: 'variation selectors not counted by class-validator', value: JSON.stringify({ ...base, data: { ...base.data, customerId: 'a\ufe0f'.repeat(200) } }), engine: true, document: false },
      ];
      for (const d of differences) {
        expect(knownGap(d.value)).not.toBeNull();
        expect({ rule: d.rule, engine: engineAccepts(topic, d.value), document: api.accepts(topic, d.value) }).toEqual({ rule: d.rule, engine: d.engine, document: d.document });
      }
      // a conflicting duplicate passes both, message by message; only the engine's memory of the first refuses it
      const scenario = SCENARIOS[0];
      const { rejected } = classifyMessages(scenario.messages);
      const conflicts = rejected.filter((r) => r.code === DlqCode.CONFLICTING_DUPLICATE);
      expect(conflicts.length).toBeGreaterThan(0);
      for (const c of conflicts) expect([engineAccepts(c.message.topic, c.message.value), api.accepts(c.message.topic, c.message.value)]).toEqual([true, true]);
      // U+0000 is NOT a gap: stored strings refuse it on both sides, other strings accept it on both
      const nul = (data: Record<string, unknown>) => JSON.stringify({ ...base, data: { ...base.data, ...data } });
      expect([engineAccepts(topic, nul({ customerId: 'C\u0000' })), api.accepts(topic, nul({ customerId: 'C\u0000' }))]).toEqual([false, false]);
      expect([engineAccepts(topic, nul({ companyName: 'A\u0000' })), api.accepts(topic, nul({ companyName: 'A\u0000' }))]).toEqual([true, true]);
    });

    it('keys: the valid sample messages are keyed as each message binding says', () => {
      const keyField = (topic: string, type: string) => {
        const m = api.channel(topic)!.messages.find((x) => x.name === type)!;
        return /^data\.(\w+)$/.exec(m.message.bindings.kafka.key.description)![1];
      };
      for (const m of [...BUILT, ...SAMPLE]) {
        const event = JSON.parse(m.value);
        expect({ type: event.type, key: m.key }).toEqual({ type: event.type, key: event.data[keyField(m.topic, event.type)] });
      }
    });
  });

  describe('output schemas accept the events the engine publishes', () => {
    const messages = outputMessages();

    it('covers every output type, status, reason, entry type, payout status and currency', () => {
      const data = messages.map((m) => (m.event as any).data);
      const types = new Set(messages.map((m) => (m.event as any).type));
      expect(types).toEqual(new Set(Object.values(OUTPUT_TYPES)));
      const accrued = messages.filter((m) => m.topic === TOPICS.accrued).map((m) => (m.event as any).data);
      expect(new Set(accrued.map((d) => d.type))).toEqual(new Set(['QUALIFICATION_BONUS', 'USAGE_COMMISSION', 'REFUND_REVERSAL', 'CORRECTION', 'PAYOUT_RETURNED', 'MANUAL_ADJUSTMENT']));
      expect(new Set(accrued.map((d) => d.currency))).toEqual(new Set(CURRENCIES));
      expect(accrued.some((d) => d.amount.startsWith('-'))).toBe(true);
      expect(accrued.some((d) => d.programId !== null && d.programId !== 'standard')).toBe(true);
      expect(accrued.some((d) => d.releaseAt !== d.effectiveAt)).toBe(true);
      const statuses = messages.filter((m) => m.topic === TOPICS.status).map((m) => (m.event as any).data);
      expect(new Set(statuses.map((d) => d.status))).toEqual(new Set(REFERRAL_STATUSES));
      expect(statuses.some((d) => d.previousStatus !== null)).toBe(true);
      expect(new Set(data.filter((d) => d.status && d.payoutId).map((d) => d.status))).toEqual(new Set(['PENDING', 'PAID', 'FAILED']));
    });

    it('validates every output event against its channel, with every field it carries declared, keyed as documented', () => {
      const failures: string[] = [];
      const undeclared = new Set<string>();
      for (const m of messages) {
        const channel = api.channel(m.topic)!;
        expect(channel).toBeDefined();
        const [doc] = channel.messages;
        if (!doc.validatePayload(m.event)) failures.push(`${m.eventId}: ${api.ajv.errorsText(doc.validatePayload.errors)} ${JSON.stringify(m.event)}`);
        const event = m.event as any;
        for (const field of Object.keys(event)) if (!api.declaredProperties(doc.payloadSchema).has(field)) undeclared.add(`${event.type}: ${field}`);
        const dataSchemas = api.propertySchemas(doc.payloadSchema, 'data');
        for (const field of Object.keys(event.data)) if (!api.declaredProperties(...dataSchemas).has(field)) undeclared.add(`${event.type}: data.${field}`);
        const keyField = /^data\.(\w+)$/.exec(doc.message.bindings.kafka.key.description)![1];
        if (m.key !== event.data[keyField]) failures.push(`${m.eventId}: key ${m.key} is not data.${keyField}`);
        if (event.id !== m.eventId) failures.push(`${m.eventId}: id ${event.id}`);
      }
      expect(failures.slice(0, 10)).toEqual([]);
      expect([...undeclared]).toEqual([]);
    });

    it('refuses output events that break the documented shape', () => {
      const sample = (topic: string) => messages.find((m) => m.topic === topic)!.event as any;
      const validate = (topic: string) => api.channel(topic)!.messages[0].validatePayload;
      const broken: [string, any][] = [
        [TOPICS.status, { ...sample(TOPICS.status), data: { ...sample(TOPICS.status).data, status: 'LOST' } }],
        [TOPICS.status, { ...sample(TOPICS.status), data: { ...sample(TOPICS.status).data, status: 'QUALIFIED', reason: 'DUPLICATE' } }],
        [TOPICS.status, { ...sample(TOPICS.status), data: { ...sample(TOPICS.status).data, sequence: 0 } }],
        [TOPICS.qualified, { ...sample(TOPICS.qualified), source: 'somebody-else' }],
        [TOPICS.qualified, { ...sample(TOPICS.qualified), data: { ...sample(TOPICS.qualified).data, currency: 'JPY', qualifyingSpend: '15000.00' } }],
        [TOPICS.accrued, { ...sample(TOPICS.accrued), data: { ...sample(TOPICS.accrued).data, currency: 'USD', amount: '50' } }],
        [TOPICS.accrued, { ...sample(TOPICS.accrued), data: { ...sample(TOPICS.accrued).data, amount: '0.00', currency: 'USD' } }],
        [TOPICS.accrued, { ...sample(TOPICS.accrued), time: '2026-11-01T00:00:00Z' }],
        [TOPICS.payoutStatus, { ...sample(TOPICS.payoutStatus), data: { ...sample(TOPICS.payoutStatus).data, reason: 'not failed' } }],
        [TOPICS.payoutStatus, { ...sample(TOPICS.payoutStatus), data: { ...sample(TOPICS.payoutStatus).data, amount: '-1.00', currency: 'EUR' } }],
      ];
      for (const [topic, event] of broken) expect({ topic, ok: validate(topic)(event) }).toEqual({ topic, ok: false });
    });
  });
});

