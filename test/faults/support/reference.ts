import { createHash } from 'node:crypto';
import { DLQ_HEADERS, DlqCode, inputTopics, Topics } from '@engine/contracts';
import { Currency, evaluate, formatAmount, InputEvent, periodOf, STANDARD_RULES } from '@engine/domain';
import { KafkaGateway } from '@engine/messaging';
import { classifyMessages, ScenarioMessage } from '@engine/testing';
import { ledgerCells } from '../../support/ledger-cells';

/** What the comparisons read: the engine's database and topics (a FaultContext, or the in-process harness). */
export interface EngineView {
  kafka: KafkaGateway;
  topics: Topics;
  query<T = any>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface ReferralView {
  partnerId: string;
  status: string;
  reason: string | null;
  customerId: string | null;
}

/** What the rules say for a set of messages, computed without Kafka or a database (the fault-free expectation). */
export interface Reference {
  /** the valid, distinct events (first payload of each (source, id)) */
  events: InputEvent[];
  /** messages the engine must dead-letter, with their code */
  rejected: { message: ScenarioMessage; code: DlqCode }[];
  referrals: Record<string, ReferralView>;
  /** partner|currency|YYYY-MM → decimal, zero cells left out */
  cells: Record<string, string>;
  /** partner|currency → decimal */
  totals: Record<string, string>;
  /** referral|partner|slot|currency|effectiveAt → minor units: every amount the ledger must hold */
  amounts: Record<string, string>;
}

/**
 * The reference run: parse every message as the engine does (first (source, id) wins, a later different payload
 * is a CONFLICTING_DUPLICATE) and run the pure `evaluate()` over the valid set, like test/scenario-rules.spec.ts.
 * Messages must carry the contract's topic names. For CONFLICTING_DUPLICATE to be order-independent, the test
 * publishes a conflicting copy after its original, on the same topic and key (so the same partition).
 */
export function referenceRun(messages: ScenarioMessage[], now: number): Reference {
  const { events, rejected } = classifyMessages(messages);
  return { events, rejected, ...expectationOf(events, now) };
}

/** The expectation for a set of already-parsed events. */
export function expectationOf(events: InputEvent[], now: number): Omit<Reference, 'events' | 'rejected'> {
  const result = evaluate(events, now, STANDARD_RULES);
  const referrals = Object.fromEntries(
    result.referrals.map((r) => [r.referralId, { partnerId: r.partnerId, status: r.status, reason: r.reason, customerId: r.customerId }]),
  );
  const { byPeriod, byPartner } = ledgerCells(result.amounts.map((a) => ({
    partner_id: a.partnerId, currency: a.currency, effective_period: periodOf(a.effectiveAt), amount: a.amount,
  })));
  const amounts = new Map<string, bigint>();
  for (const a of result.amounts) {
    const key = amountKey(a.referralId, a.partnerId, a.slot, a.currency, a.effectiveAt);
    amounts.set(key, (amounts.get(key) ?? 0n) + a.amount);
  }
  return {
    referrals,
    cells: byPeriod,
    totals: byPartner,
    amounts: Object.fromEntries([...amounts].filter(([, v]) => v !== 0n).map(([k, v]) => [k, v.toString()])),
  };
}

const amountKey = (referralId: string, partnerId: string, slot: string, currency: string, effectiveAt: number) =>
  `${referralId}|${partnerId}|${slot}|${currency}|${new Date(effectiveAt).toISOString()}`;

/** "key: expected X, got Y" for every key where two records differ (sorted; empty when equal). */
export function differences(expected: Record<string, unknown>, actual: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
  const out: string[] = [];
  for (const key of keys) {
    const e = JSON.stringify(expected[key] ?? null);
    const a = JSON.stringify(actual[key] ?? null);
    if (e !== a) out.push(`${key}: expected ${e}, got ${a}`);
  }
  return out;
}

export interface LedgerComparison {
  referrals: number;
  entries: number;
  cells: number;
  amounts: number;
  /** sum of every cell, per currency, as decimal strings (for the record) */
  totalsByCurrency: Record<string, string>;
  differences: string[];
}

/**
 * The database against the reference: every referral's status, reason, partner and customer; every ledger cell
 * partner|currency|effective_period to the cent; and every single amount (referral, partner, slot, currency,
 * effective time), which is what "applied exactly once" means. Manual adjustments are left out.
 */
export async function compareLedger(context: Pick<EngineView, 'query'>, reference: Omit<Reference, 'events' | 'rejected'>): Promise<LedgerComparison> {
  const rows = await context.query('SELECT referral_id, partner_id, status, reason, customer_id FROM referral');
  const referrals = Object.fromEntries(rows.map((r) => [r.referral_id, { partnerId: r.partner_id, status: r.status, reason: r.reason, customerId: r.customer_id }]));
  const entries = await context.query(
    `SELECT partner_id, currency, effective_period, amount::text FROM ledger_entry WHERE type <> 'MANUAL_ADJUSTMENT'`,
  );
  const { byPeriod, byPartner } = ledgerCells(entries);
  const slots = await context.query(
    `SELECT referral_id, partner_id, slot, currency, effective_at, sum(amount)::text AS amount FROM ledger_entry
      WHERE slot IS NOT NULL GROUP BY referral_id, partner_id, slot, currency, effective_at HAVING sum(amount) <> 0`,
  );
  const amounts = Object.fromEntries(slots.map((s) => [amountKey(s.referral_id, s.partner_id, s.slot, s.currency, s.effective_at.getTime()), s.amount]));
  const diff = [
    ...differences(reference.referrals, referrals).map((d) => `referral ${d}`),
    ...differences(reference.cells, byPeriod).map((d) => `cell ${d}`),
    ...differences(reference.totals, byPartner).map((d) => `total ${d}`),
    ...differences(reference.amounts, amounts).map((d) => `amount ${d}`),
  ];
  const totals = new Map<string, bigint>();
  for (const e of entries) totals.set(e.currency, (totals.get(e.currency) ?? 0n) + BigInt(e.amount));
  return {
    referrals: rows.length,
    entries: entries.length,
    cells: Object.keys(byPeriod).length,
    amounts: Object.keys(amounts).length,
    totalsByCurrency: Object.fromEntries([...totals].sort().map(([c, v]) => [c, formatAmount(v, c as Currency)])),
    differences: diff,
  };
}

export interface OutputComparison {
  accruedMessages: number;
  accruedIds: number;
  /** ids that were published more than once (at-least-once delivery) */
  accruedRepublished: number;
  statusMessages: number;
  statusIds: number;
  statusRepublished: number;
  differences: string[];
}

/**
 * The output topics against the database, as a consumer that deduplicates by CloudEvents id sees them:
 * commission.accrued ids = ledger entry ids (each with its amount, partner, currency and periods; the sums equal),
 * and the status stream's ids = the status history, its last event per referral = the referral's status.
 * A republished id must carry the same bytes every time.
 */
export async function compareOutputs(context: EngineView): Promise<OutputComparison> {
  const diff: string[] = [];
  const dedupe = (messages: { value: Buffer | null }[], what: string) => {
    const byId = new Map<string, { text: string; data: any; count: number }>();
    for (const message of messages) {
      const text = message.value!.toString('utf8');
      const event = JSON.parse(text);
      const seen = byId.get(event.id);
      if (seen) {
        seen.count++;
        if (seen.text !== text) diff.push(`${what} ${event.id} was published with different contents`);
      } else {
        byId.set(event.id, { text, data: event.data, count: 1 });
      }
    }
    return byId;
  };

  const accrued = await context.kafka.readTopic(context.topics.accrued, 2500);
  const accruedById = dedupe(accrued, 'commission.accrued');
  const entries = await context.query(
    'SELECT entry_id::text, partner_id, currency, amount::text, effective_period, booked_period, type FROM ledger_entry',
  );
  const expectedAccrued = Object.fromEntries(entries.map((e) => [`ledger-entry:${e.entry_id}`, {
    partnerId: e.partner_id, currency: e.currency, amount: formatAmount(BigInt(e.amount), e.currency), effectivePeriod: e.effective_period.trim(),
    bookedPeriod: e.booked_period.trim(), type: e.type,
  }]));
  const actualAccrued = Object.fromEntries([...accruedById].map(([id, { data }]) => [id, {
    partnerId: data.partnerId, currency: data.currency, amount: data.amount, effectivePeriod: data.effectivePeriod, bookedPeriod: data.bookedPeriod, type: data.type,
  }]));
  diff.push(...differences(expectedAccrued, actualAccrued).map((d) => `commission.accrued ${d}`));
  const sums = (items: { currency: string; amount: string }[]) => {
    const out = new Map<string, bigint>();
    for (const i of items) out.set(i.currency, (out.get(i.currency) ?? 0n) + BigInt(i.amount.replace('.', '')));
    return Object.fromEntries([...out].sort().map(([c, v]) => [c, formatAmount(v, c as Currency)]));
  };
  diff.push(...differences(sums(Object.values(expectedAccrued)), sums(Object.values(actualAccrued))).map((d) => `accrued sum ${d}`));

  const status = await context.kafka.readTopic(context.topics.status, 2500);
  const statusById = dedupe(status, 'referral.status_changed');
  const history = await context.query('SELECT referral_id, sequence, status, reason, previous_status FROM referral_status_history');
  const expectedStatus = Object.fromEntries(history.map((h) => [`referral-status:${h.referral_id}:${h.sequence}`, {
    status: h.status, reason: h.reason, previousStatus: h.previous_status,
  }]));
  const actualStatus = Object.fromEntries([...statusById].map(([id, { data }]) => [id, { status: data.status, reason: data.reason, previousStatus: data.previousStatus }]));
  diff.push(...differences(expectedStatus, actualStatus).map((d) => `status ${d}`));
  const last = new Map<string, { sequence: number; status: string; reason: string | null }>();
  for (const { data } of statusById.values()) {
    const current = last.get(data.referralId);
    if (!current || current.sequence < data.sequence) last.set(data.referralId, data);
  }
  for (const r of await context.query('SELECT referral_id, status, reason FROM referral')) {
    const l = last.get(r.referral_id);
    if (!l || l.status !== r.status || l.reason !== r.reason) diff.push(`status stream of ${r.referral_id} ends at ${JSON.stringify(l ?? null)}, the database says ${r.status}/${r.reason}`);
  }
  const republished = (byId: Map<string, { count: number }>) => [...byId.values()].filter((v) => v.count > 1).length;
  return {
    accruedMessages: accrued.length, accruedIds: accruedById.size, accruedRepublished: republished(accruedById),
    statusMessages: status.length, statusIds: statusById.size, statusRepublished: republished(statusById),
    differences: diff,
  };
}

export interface DeadLetterComparison {
  dlqMessages: number;
  /** distinct source coordinates (the DLQ is at least once: a crash before the commit sends a message again) */
  dlqDistinct: number;
  differences: string[];
}

/**
 * The DLQ against the reference: deduplicated by x-source-topic/partition/offset, it holds each rejected message
 * (as many times as it was published) with the reference's code, the original bytes and its coordinates.
 */
export async function compareDeadLetters(
  context: EngineView,
  reference: { rejected: { message: { value: Buffer | string | null }; code: DlqCode }[] },
  options: { checkCoordinates?: boolean } = {},
): Promise<DeadLetterComparison> {
  const dlq = await context.kafka.readTopic(context.topics.dlq, 2500);
  // the input messages by coordinates, to check that each dead letter names the message it copies
  const inputs = new Map<string, Buffer>();
  if (options.checkCoordinates) {
    for (const topic of inputTopics(context.topics)) {
      for (const m of await context.kafka.readTopic(topic, 2500)) inputs.set(`${m.topic}/${m.partition}/${m.offset}`, m.value ?? Buffer.alloc(0));
    }
  }
  const distinct = new Map<string, { code: string; value: Buffer }>();
  const diff: string[] = [];
  for (const m of dlq) {
    const coordinates = `${m.headers[DLQ_HEADERS.topic]}/${m.headers[DLQ_HEADERS.partition]}/${m.headers[DLQ_HEADERS.offset]}`;
    if (!(Object.values(context.topics) as string[]).includes(m.headers[DLQ_HEADERS.topic])) diff.push(`dlq message with source topic ${m.headers[DLQ_HEADERS.topic]}`);
    if (!/^\d+$/.test(m.headers[DLQ_HEADERS.partition] ?? '') || !/^\d+$/.test(m.headers[DLQ_HEADERS.offset] ?? '')) diff.push(`dlq message without coordinates: ${coordinates}`);
    if (!m.headers[DLQ_HEADERS.message]) diff.push(`dlq message ${coordinates} without x-error-message`);
    const value = m.value ?? Buffer.alloc(0);
    if (options.checkCoordinates && !inputs.get(coordinates)?.equals(value)) diff.push(`dlq message ${coordinates} does not copy the input message at its coordinates`);
    const seen = distinct.get(coordinates);
    if (seen && (seen.code !== m.headers[DLQ_HEADERS.code] || !seen.value.equals(value))) diff.push(`dlq coordinates ${coordinates} sent twice with different contents`);
    distinct.set(coordinates, { code: m.headers[DLQ_HEADERS.code], value });
  }
  const label = (code: string, value: Buffer) => {
    const text = value.toString('utf8');
    const short = value.length <= 120 && Buffer.from(text).equals(value);
    return short ? `${code} ${JSON.stringify(text)}` : `${code} ${JSON.stringify(text.slice(0, 100))}… (${value.length} bytes, sha256 ${sha(value)})`;
  };
  const count = (items: { code: string; value: Buffer }[]) => {
    const out = new Map<string, number>();
    for (const i of items) out.set(label(i.code, i.value), (out.get(label(i.code, i.value)) ?? 0) + 1);
    return Object.fromEntries(out);
  };
  const bytesOf = (value: Buffer | string | null) => (value === null ? Buffer.alloc(0) : Buffer.isBuffer(value) ? value : Buffer.from(value));
  const expected = count(reference.rejected.map((r) => ({ code: r.code, value: bytesOf(r.message.value) })));
  diff.push(...differences(expected, count([...distinct.values()])).map((d) => `dlq ${d}`));
  return { dlqMessages: dlq.length, dlqDistinct: distinct.size, differences: diff };
}

function sha(value: Buffer): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 12);
}
