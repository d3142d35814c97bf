import { Currency, InputEvent } from '@engine/domain';
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

/** The keys that link events into one rule component: referrals, customers and (non-generic) domains. */
export interface ComponentKeys {
  referrals: Set<string>;
  customers: Set<string>;
  domains: Set<string>;
}

export function emptyKeys(): ComponentKeys {
  return { referrals: new Set(), customers: new Set(), domains: new Set() };
}

const COLUMNS = [
  'source', 'event_id', 'payload_hash', 'type', 'time_ms', 'referral_id', 'partner_id', 'partner_domain', 'domain', 'channel',
  'customer_id', 'referral_code', 'prior_account', 'invoice_line_id', 'product_code', 'refund_id', 'amount', 'currency',
  'topic', 'kafka_partition', 'kafka_offset',
] as const;
const TYPES = [
  'text', 'text', 'text', 'text', 'int8', 'text', 'text', 'text', 'text', 'text',
  'text', 'text', 'bool', 'text', 'text', 'text', 'int8', 'text',
  'text', 'int4', 'int8',
];
const INSERT_SQL = `INSERT INTO input_event (${COLUMNS.join(', ')})
  SELECT * FROM unnest(${TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})
  ON CONFLICT (source, event_id) DO NOTHING`;

interface EventRow {
  source: string; event_id: string; type: string; time_ms: string;
  referral_id: string | null; partner_id: string | null; partner_domain: string | null; domain: string | null; channel: string | null;
  customer_id: string | null; referral_code: string | null; prior_account: boolean | null;
  invoice_line_id: string | null; product_code: string | null; refund_id: string | null; amount: string | null; currency: string | null;
}

function toRow(stored: StoredEvent): unknown[] {
  const e = stored.event;
  const row: Record<(typeof COLUMNS)[number], unknown> = {
    source: e.source, event_id: e.id, payload_hash: stored.hash, type: e.type, time_ms: e.time,
    referral_id: null, partner_id: null, partner_domain: null, domain: null, channel: null,
    customer_id: null, referral_code: null, prior_account: null, invoice_line_id: null, product_code: null, refund_id: null,
    amount: null, currency: null,
    topic: stored.origin.topic, kafka_partition: stored.origin.partition, kafka_offset: stored.origin.offset,
  };
  switch (e.type) {
    case 'referral.submitted':
      Object.assign(row, { referral_id: e.referralId, partner_id: e.partnerId, partner_domain: e.partnerDomain, domain: e.prospectDomain, channel: e.channel });
      break;
    case 'customer.signed_up':
      Object.assign(row, { customer_id: e.customerId, domain: e.emailDomain, referral_code: e.referralCode, prior_account: e.priorAccount });
      break;
    case 'customer.activated':
      row.customer_id = e.customerId;
      break;
    case 'billing.usage_billed':
      Object.assign(row, { customer_id: e.customerId, invoice_line_id: e.invoiceLineId, product_code: e.productCode, amount: e.amount.toString(), currency: e.currency });
      break;
    case 'billing.refunded':
      Object.assign(row, { customer_id: e.customerId, refund_id: e.refundId, invoice_line_id: e.invoiceLineId, amount: e.amount.toString(), currency: e.currency });
      break;
  }
  return COLUMNS.map((c) => row[c]);
}

function fromRow(r: EventRow): InputEvent {
  const base = { source: r.source, id: r.event_id, time: Number(r.time_ms) };
  switch (r.type) {
    case 'referral.submitted':
      return { ...base, type: r.type, referralId: r.referral_id!, partnerId: r.partner_id!, partnerDomain: r.partner_domain!, prospectDomain: r.domain!, channel: r.channel! };
    case 'customer.signed_up':
      return { ...base, type: r.type, customerId: r.customer_id!, emailDomain: r.domain!, referralCode: r.referral_code, priorAccount: r.prior_account! };
    case 'customer.activated':
      return { ...base, type: r.type, customerId: r.customer_id! };
    case 'billing.usage_billed':
      return { ...base, type: r.type, customerId: r.customer_id!, invoiceLineId: r.invoice_line_id!, productCode: r.product_code!, amount: BigInt(r.amount!), currency: r.currency as Currency };
    case 'billing.refunded':
      return { ...base, type: r.type, customerId: r.customer_id!, refundId: r.refund_id!, invoiceLineId: r.invoice_line_id!, amount: BigInt(r.amount!), currency: r.currency as Currency };
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

  /** One multi-row insert for the whole batch. */
  async insert(q: Queryable, events: StoredEvent[]): Promise<void> {
    if (events.length === 0) return;
    const rows = events.map(toRow);
    await q.query(INSERT_SQL, COLUMNS.map((_, i) => rows.map((row) => row[i])));
  }

  /**
   * Every stored event connected to the seed keys through referral ids, referral codes, customer ids and
   * non-generic domains: the closure the rules need to decide those referrals. One query per hop.
   */
  async loadComponent(q: Queryable, seeds: ComponentKeys, isGeneric: (domain: string) => boolean): Promise<InputEvent[]> {
    const events = new Map<string, InputEvent>();
    const seen = emptyKeys();
    let frontier = seeds;
    while (frontier.referrals.size + frontier.customers.size + frontier.domains.size > 0) {
      for (const [all, fresh] of [[seen.referrals, frontier.referrals], [seen.customers, frontier.customers], [seen.domains, frontier.domains]] as const) {
        for (const key of fresh) all.add(key);
      }
      const rows: EventRow[] = await q.query(
        `SELECT source, event_id, type, time_ms, referral_id, partner_id, partner_domain, domain, channel, customer_id, referral_code,
                prior_account, invoice_line_id, product_code, refund_id, amount, currency
           FROM input_event
          WHERE referral_id = ANY($1::text[]) OR referral_code = ANY($1::text[]) OR customer_id = ANY($2::text[]) OR domain = ANY($3::text[])`,
        [[...frontier.referrals], [...frontier.customers], [...frontier.domains]],
      );
      const next = emptyKeys();
      for (const row of rows) {
        const key = `${row.source}\u0000${row.event_id}`;
        if (events.has(key)) continue;
        events.set(key, fromRow(row));
        if (row.referral_id && !seen.referrals.has(row.referral_id)) next.referrals.add(row.referral_id);
        if (row.referral_code && !seen.referrals.has(row.referral_code)) next.referrals.add(row.referral_code);
        if (row.customer_id && !seen.customers.has(row.customer_id)) next.customers.add(row.customer_id);
        if (row.domain && !isGeneric(row.domain) && !seen.domains.has(row.domain)) next.domains.add(row.domain);
      }
      frontier = next;
    }
    return [...events.values()];
  }
}

/** The keys an event links to (see loadComponent). */
export function keysOf(event: InputEvent, isGeneric: (domain: string) => boolean, into: ComponentKeys = emptyKeys()): ComponentKeys {
  switch (event.type) {
    case 'referral.submitted':
      into.referrals.add(event.referralId);
      if (!isGeneric(event.prospectDomain)) into.domains.add(event.prospectDomain);
      break;
    case 'customer.signed_up':
      into.customers.add(event.customerId);
      if (event.referralCode) into.referrals.add(event.referralCode);
      if (!isGeneric(event.emailDomain)) into.domains.add(event.emailDomain);
      break;
    default:
      into.customers.add(event.customerId);
  }
  return into;
}
