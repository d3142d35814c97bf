import { Currency, eventKey, InputEvent, LinkKey } from '@engine/domain';
import { columnList, fromRecordset, jsonArray } from '../bulk';
import { Queryable } from '../queryable';

/** Where an event came from in Kafka (kept with it for audit). */
export interface EventOrigin {
  topic: string;
  partition: number;
  offset: string;
}

export interface StoredEvent {
  event: InputEvent;
  hash: string;
  origin: EventOrigin;
}

const COLUMNS = [
  ['source', 'text'], ['event_id', 'text'], ['payload_hash', 'text'], ['type', 'text'], ['time_ms', 'int8'], ['referral_id', 'text'],
  ['partner_id', 'text'], ['partner_domain', 'text'], ['domain', 'text'], ['channel', 'text'], ['customer_id', 'text'],
  ['referral_code', 'text'], ['prior_account', 'bool'], ['invoice_line_id', 'text'], ['product_code', 'text'], ['refund_id', 'text'],
  ['amount', 'int8'], ['currency', 'text'], ['region', 'text'], ['partner_group', 'text'], ['reason', 'text'],
  ['payout_id', 'text'], ['reference', 'text'], ['topic', 'text'], ['kafka_partition', 'int4'], ['kafka_offset', 'int8'],
] as const;
const INSERT_SQL = `INSERT INTO input_event (${columnList(COLUMNS)}) ${fromRecordset(COLUMNS)}
  ON CONFLICT (source, event_id) DO NOTHING`;

interface EventRow {
  source: string; event_id: string; type: string; time_ms: string;
  referral_id: string | null; partner_id: string | null; partner_domain: string | null; domain: string | null; channel: string | null;
  customer_id: string | null; referral_code: string | null; prior_account: boolean | null;
  invoice_line_id: string | null; product_code: string | null; refund_id: string | null; amount: string | null; currency: string | null;
  region: string | null; partner_group: string | null; reason: string | null; payout_id: string | null; reference: string | null;
}

const text = (value: string) => JSON.stringify(value);
const nullableText = (value: string | null) => (value === null ? 'null' : JSON.stringify(value));

/**
 * One input_event row as the text of a JSON object, written directly (no intermediate object per row); columns
 * an event type does not have are left out (NULL in json_to_recordset).
 */
function rowJson(stored: StoredEvent): string {
  const e = stored.event;
  const { topic, partition, offset } = stored.origin;
  const common =
    `{"source":${text(e.source)},"event_id":${text(e.id)},"payload_hash":${text(stored.hash)},"type":${text(e.type)},"time_ms":${e.time},` +
    `"topic":${text(topic)},"kafka_partition":${partition},"kafka_offset":${text(offset)}`;
  switch (e.type) {
    case 'referral.submitted':
      return `${common},"referral_id":${text(e.referralId)},"partner_id":${text(e.partnerId)},"partner_domain":${text(e.partnerDomain)},"domain":${text(e.prospectDomain)},"region":${nullableText(e.region)},"channel":${text(e.channel)}}`;
    case 'customer.signed_up':
      return `${common},"customer_id":${text(e.customerId)},"domain":${text(e.emailDomain)},"referral_code":${nullableText(e.referralCode)},"prior_account":${e.priorAccount}}`;
    case 'customer.activated':
      return `${common},"customer_id":${text(e.customerId)}}`;
    case 'billing.usage_billed':
      return `${common},"customer_id":${text(e.customerId)},"invoice_line_id":${text(e.invoiceLineId)},"product_code":${text(e.productCode)},"amount":"${e.amount}","currency":${text(e.currency)}}`;
    case 'billing.refunded':
      return `${common},"customer_id":${text(e.customerId)},"refund_id":${text(e.refundId)},"invoice_line_id":${text(e.invoiceLineId)},"amount":"${e.amount}","currency":${text(e.currency)}}`;
    case 'partner.approved':
    case 'partner.group_changed':
      return `${common},"partner_id":${text(e.partnerId)},"partner_group":${text(e.group)}}`;
    case 'partner.suspended':
    case 'partner.reinstated':
    case 'partner.terminated':
      return `${common},"partner_id":${text(e.partnerId)},"reason":${nullableText(e.reason)}}`;
    case 'payout.paid':
      return `${common},"payout_id":${text(e.payoutId)},"reference":${nullableText(e.reference)}}`;
    case 'payout.failed':
      return `${common},"payout_id":${text(e.payoutId)},"reason":${text(e.reason)}}`;
  }
}

/**
 * The event a row holds: object literals written out (spreading the common fields made each a slow object copy), with
 * the fields in the order parseMessage gives them, so that stored and new events share their shapes.
 */
function fromRow(r: EventRow): InputEvent {
  const source = r.source, id = r.event_id, time = Number(r.time_ms);
  switch (r.type) {
    case 'referral.submitted':
      return { source, id, time, type: r.type, referralId: r.referral_id!, partnerId: r.partner_id!, partnerDomain: r.partner_domain!, prospectDomain: r.domain!, region: r.region, channel: r.channel! };
    case 'customer.signed_up':
      return { source, id, time, type: r.type, customerId: r.customer_id!, emailDomain: r.domain!, referralCode: r.referral_code, priorAccount: r.prior_account! };
    case 'customer.activated':
      return { source, id, time, type: r.type, customerId: r.customer_id! };
    case 'billing.usage_billed':
      return { source, id, time, type: r.type, customerId: r.customer_id!, invoiceLineId: r.invoice_line_id!, productCode: r.product_code!, currency: r.currency as Currency, amount: BigInt(r.amount!) };
    case 'billing.refunded':
      return { source, id, time, type: r.type, customerId: r.customer_id!, refundId: r.refund_id!, invoiceLineId: r.invoice_line_id!, currency: r.currency as Currency, amount: BigInt(r.amount!) };
    case 'partner.approved':
    case 'partner.group_changed':
      return { source, id, time, type: r.type, partnerId: r.partner_id!, group: r.partner_group! };
    case 'partner.suspended':
    case 'partner.reinstated':
    case 'partner.terminated':
      return { source, id, time, type: r.type, partnerId: r.partner_id!, reason: r.reason };
    case 'payout.paid':
      return { source, id, time, type: r.type, payoutId: r.payout_id!, reference: r.reference };
    case 'payout.failed':
      return { source, id, time, type: r.type, payoutId: r.payout_id!, reason: r.reason! };
    default:
      throw new Error(`input_event row of unknown type ${r.type}`);
  }
}

/** The event store: every valid input event once, keyed by (source, id). The rules are recomputed from it. */
export class EventStoreRepository {
  /** Payload hashes of the events among `keys` that are already stored. */
  async findHashes(q: Queryable, keys: { source: string; id: string }[]): Promise<Map<string, string>> {
    if (keys.length === 0) return new Map();
    const rows: { source: string; event_id: string; payload_hash: string }[] = await q.query(
      `SELECT e.source, e.event_id, e.payload_hash FROM input_event e
       JOIN unnest($1::text[], $2::text[]) AS k(source, event_id) USING (source, event_id)`,
      [keys.map((k) => k.source), keys.map((k) => k.id)],
    );
    return new Map(rows.map((r) => [`${r.source}\u0000${r.event_id}`, r.payload_hash]));
  }

  /**
   * One multi-row insert for the whole batch; returns the keys of the events that were new. Only a count comes
   * back in the usual case (every event new); when some were stored before, the new ones are those this
   * transaction wrote (xmin), asked for in a second query. Must not run inside a subtransaction (savepoint).
   */
  async insertNew(q: Queryable, events: StoredEvent[]): Promise<Set<string>> {
    if (events.length === 0) return new Set();
    const n = await this.insertCount(q, events);
    if (n === events.length) return new Set(events.map((e) => eventKey(e.event)));
    if (n === 0) return new Set();
    const inserted: { source: string; event_id: string }[] = await q.query(
      `SELECT e.source, e.event_id FROM input_event e JOIN unnest($1::text[], $2::text[]) AS k(source, event_id) USING (source, event_id)
        WHERE e.xmin = pg_current_xact_id()::xid`,
      [events.map((e) => e.event.source), events.map((e) => e.event.id)],
    );
    return new Set(inserted.map((r) => `${r.source}\u0000${r.event_id}`));
  }

  /** One multi-row insert for the whole batch (events stored before are left as they are); returns how many were new. */
  async insertCount(q: Queryable, events: StoredEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    const [{ n }]: { n: number }[] = await q.query(`WITH inserted AS (${INSERT_SQL} RETURNING 1) SELECT count(*)::int AS n FROM inserted`, [
      jsonArray(events.map(rowJson)),
    ]);
    return n;
  }

  /**
   * Every stored event listed under one of `keys` (see LinkKey in @engine/domain): submissions by referral id, signups by
   * referral code, both by domain, signups by customer; a customer's facts (activations, usage lines, refunds) by customer;
   * a partner's partner.* events and a partner's submissions by partner; a payout order's outcomes by payoutId.
   */
  async loadLinked(q: Queryable, keys: Iterable<LinkKey>): Promise<InputEvent[]> {
    const byKind: Record<string, string[]> = { r: [], k: [], d: [], s: [], c: [], p: [], m: [], o: [] };
    for (const key of keys) byKind[key[0]].push(key.slice(2));
    const rows: EventRow[] = await q.query(
      `SELECT source, event_id, type, time_ms, referral_id, partner_id, partner_domain, domain, channel, customer_id, referral_code,
              prior_account, invoice_line_id, product_code, refund_id, amount, currency, region, partner_group, reason,
              payout_id, reference
         FROM input_event
        WHERE referral_id = ANY($1::text[]) OR referral_code = ANY($2::text[]) OR domain = ANY($3::text[])
           OR (customer_id = ANY($4::text[]) AND type = 'customer.signed_up')
           OR (customer_id = ANY($5::text[]) AND type <> 'customer.signed_up')
           OR (partner_id = ANY($6::text[]) AND type LIKE 'partner.%')
           OR (partner_id = ANY($7::text[]) AND type = 'referral.submitted')
           OR payout_id = ANY($8::text[])`,
      [byKind.r, byKind.k, byKind.d, byKind.s, byKind.c, byKind.p, byKind.m, byKind.o],
    );
    return rows.map(fromRow);
  }
}
