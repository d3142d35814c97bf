import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { DEFAULT_PARTNER_GROUP, InputEvent, isCurrency, parseAmount } from '@engine/domain';
import { canonicalJson, payloadHash } from './canonical-json';
import { DlqCode, InvalidMessageError } from './dlq/dlq-code';
import { CloudEventDto } from './dto/cloud-event.dto';
import { DATA_DTO_BY_TYPE } from './dto/event-data.dto';
import { surelyValidData, surelyValidEnvelope } from './fast-validation';
import { parseRfc3339 } from './dto/rfc3339';
import { TYPES_BY_TOPIC } from './topics';

/** A validated input message: the normalised event and the hash of its payload (for duplicate detection). */
export interface ParsedMessage {
  event: InputEvent;
  hash: string;
}

type KnownType = keyof typeof DATA_DTO_BY_TYPE;

/**
 * Event times the ledger can hold. PostgreSQL has no year 0 and JavaScript writes years past 9999 as "+010000-…",
 * which PostgreSQL refuses: such a time (or an expiry computed from it) would fail every transaction that holds it.
 */
const MIN_EVENT_TIME = Date.UTC(1970, 0, 1);
const MAX_EVENT_TIME = Date.UTC(9000, 0, 1);
const MAX_KEY_BYTES = 2048;

/** The string fields of each event type that the engine stores (and sends to PostgreSQL inside JSON). */
const STORED_DATA_FIELDS: Record<KnownType, string[]> = {
  'referral.submitted': ['referralId', 'partnerId', 'partnerDomain', 'prospectDomain', 'region', 'channel'],
  'customer.signed_up': ['customerId', 'emailDomain', 'referralCode'],
  'customer.activated': ['customerId'],
  'billing.usage_billed': ['customerId', 'invoiceLineId', 'productCode'],
  'billing.refunded': ['customerId', 'refundId', 'invoiceLineId'],
  'partner.approved': ['partnerId', 'group'],
  'partner.group_changed': ['partnerId', 'group'],
  'partner.suspended': ['partnerId', 'reason'],
  'partner.reinstated': ['partnerId', 'reason'],
  'partner.terminated': ['partnerId', 'reason'],
  'payout.paid': ['payoutId', 'reference'],
  'payout.failed': ['payoutId', 'reason'],
};

const SUSPECT = /[\u0000\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * PostgreSQL text cannot hold U+0000, and its JSON parser refuses an unpaired surrogate (JSON.stringify writes one
 * as an escape): a stored field with either would fail its transaction on every retry and stop the partition.
 */
function storable(value: unknown, field: string, code: DlqCode): void {
  if (typeof value !== 'string' || !SUSPECT.test(value)) return;
  if (value.includes('\u0000')) throw new InvalidMessageError(code, `${field}: must not contain U+0000`);
  if (LONE_SURROGATE.test(value)) throw new InvalidMessageError(code, `${field}: must be well-formed Unicode (unpaired surrogate)`);
}

/** `text` with what PostgreSQL text cannot hold (U+0000, unpaired surrogates) replaced by U+FFFD: for texts the engine writes itself (a dead letter's reason may quote the refused input). */
export function storableText(text: string): string {
  return SUSPECT.test(text) ? text.replace(new RegExp(`\u0000|${LONE_SURROGATE.source}`, 'g'), '\uFFFD') : text;
}

function describe(errors: ValidationError[], prefix: string): string[] {
  return errors.flatMap((error) => {
    const path = `${prefix}${error.property}`;
    const own = Object.values(error.constraints ?? {}).map((text) => `${path}: ${text}`);
    return [...own, ...describe(error.children ?? [], `${path}.`)];
  });
}

function check(dto: object, prefix: string, code: DlqCode): void {
  const errors = validateSync(dto, { forbidUnknownValues: false, validationError: { target: false, value: false } });
  if (errors.length > 0) throw new InvalidMessageError(code, describe(errors, prefix).join('; ').slice(0, 1000));
}

function pickEnvelope(json: Record<string, unknown>): Partial<CloudEventDto> {
  const { specversion, id, source, type, time, data } = json as Partial<CloudEventDto>;
  return { specversion, id, source, type, time, data };
}

function amountOf(text: string, currency: string, field: string) {
  if (!isCurrency(currency)) throw new InvalidMessageError(DlqCode.UNSUPPORTED_CURRENCY, `data.currency: ${JSON.stringify(currency.slice(0, 16))} is not one of USD, EUR, CNY, JPY`);
  const parsed = parseAmount(text, currency);
  if (!parsed.ok) {
    const why = { NOT_DECIMAL: 'is not a plain decimal string', NOT_POSITIVE: 'must be greater than zero', TOO_MANY_DIGITS: `has more decimals than ${currency} allows`, TOO_LARGE: 'exceeds 10^12 major units' }[parsed.error];
    throw new InvalidMessageError(DlqCode.INVALID_AMOUNT, `${field}: ${JSON.stringify(text.slice(0, 64))} ${why}`);
  }
  return { currency, amount: parsed.minor };
}

/**
 * Validates one Kafka message value of an input topic (CONTRACT §2) and turns it into a domain event.
 * Throws InvalidMessageError with the DLQ code and a message naming the offending fields.
 */
export function parseMessage(topic: string, value: Buffer | string | null): ParsedMessage {
  if (value === null) throw new InvalidMessageError(DlqCode.MALFORMED_JSON, 'message has no value');
  let json: unknown;
  try {
    json = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch (error) {
    throw new InvalidMessageError(DlqCode.MALFORMED_JSON, `value is not JSON: ${(error as Error).message}`.slice(0, 300));
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new InvalidMessageError(DlqCode.INVALID_ENVELOPE, 'value must be a JSON object (a CloudEvent)');
  }
  const rawTime = (json as Record<string, unknown>).time;
  const time = typeof rawTime === 'string' ? parseRfc3339(rawTime) : null; // parsed once, for the check and the event
  if (!surelyValidEnvelope(json as Record<string, unknown>, time)) {
    check(Object.assign(new CloudEventDto(), pickEnvelope(json as Record<string, unknown>)), '', DlqCode.INVALID_ENVELOPE);
  }
  const envelope = json as CloudEventDto;
  const allowed = TYPES_BY_TOPIC[topic] ?? [];
  if (!allowed.includes(envelope.type)) {
    throw new InvalidMessageError(DlqCode.UNKNOWN_TYPE, `type ${JSON.stringify(envelope.type.slice(0, 100))} is not accepted on ${topic} (expected ${allowed.join(' or ')})`);
  }
  const type = envelope.type as KnownType;
  let hash: string;
  try {
    hash = payloadHash(json); // also bounds the nesting depth before class-transformer walks the data
  } catch (error) {
    throw new InvalidMessageError(DlqCode.INVALID_DATA, `data: ${(error as Error).message}`);
  }
  if (!surelyValidData(type, envelope.data)) {
    check(plainToInstance(DATA_DTO_BY_TYPE[type] as new () => object, envelope.data), 'data.', DlqCode.INVALID_DATA);
  }
  const source = envelope.source, id = envelope.id, at = time ?? parseRfc3339(envelope.time)!;
  if (at < MIN_EVENT_TIME || at >= MAX_EVENT_TIME) {
    throw new InvalidMessageError(DlqCode.INVALID_ENVELOPE, `time: ${JSON.stringify(envelope.time)} is outside 1970-01-01 .. 9000-01-01`);
  }
  storable(source, 'source', DlqCode.INVALID_ENVELOPE);
  storable(id, 'id', DlqCode.INVALID_ENVELOPE);
  // (source, id) is the event store's primary key: a btree entry holds at most 2704 bytes. The DTO limits count
  // characters, and 512 + 256 characters of four UTF-8 bytes each would not fit (every retry would fail).
  if (source.length + id.length > 512 && Buffer.byteLength(source) + Buffer.byteLength(id) > MAX_KEY_BYTES) {
    throw new InvalidMessageError(DlqCode.INVALID_ENVELOPE, `source, id: together at most ${MAX_KEY_BYTES} bytes of UTF-8`);
  }
  const data = envelope.data as Record<string, any>;
  let event: InputEvent;
  // Object literals written out (no spreads): spreading the common fields and the amount made each event a slow
  // object copy, the largest cost of parsing after JSON.parse itself.
  try {
    switch (type) {
      case 'referral.submitted':
        event = {
          source, id, time: at, type, referralId: data.referralId, partnerId: data.partnerId,
          partnerDomain: data.partnerDomain.toLowerCase(), prospectDomain: data.prospect.emailDomain.toLowerCase(), region: data.prospect.region ?? null,
          channel: data.channel,
        };
        break;
      case 'customer.signed_up':
        event = {
          source, id, time: at, type, customerId: data.customerId, emailDomain: data.emailDomain.toLowerCase(),
          referralCode: data.referralCode ?? null, priorAccount: data.priorAccount,
        };
        break;
      case 'customer.activated':
        event = { source, id, time: at, type, customerId: data.customerId };
        break;
      case 'billing.usage_billed': {
        const { currency, amount } = amountOf(data.amount, data.currency, 'data.amount');
        event = { source, id, time: at, type, customerId: data.customerId, invoiceLineId: data.invoiceLineId, productCode: data.productCode, currency, amount };
        break;
      }
      case 'billing.refunded': {
        const { currency, amount } = amountOf(data.amount, data.currency, 'data.amount');
        event = { source, id, time: at, type, customerId: data.customerId, refundId: data.refundId, invoiceLineId: data.invoiceLineId, currency, amount };
        break;
      }
      case 'partner.approved':
        event = { source, id, time: at, type, partnerId: data.partnerId, group: data.group ?? DEFAULT_PARTNER_GROUP };
        break;
      case 'partner.group_changed':
        event = { source, id, time: at, type, partnerId: data.partnerId, group: data.group };
        break;
      case 'partner.suspended':
      case 'partner.reinstated':
      case 'partner.terminated':
        event = { source, id, time: at, type, partnerId: data.partnerId, reason: data.reason ?? null };
        break;
      case 'payout.paid':
        event = { source, id, time: at, type, payoutId: data.payoutId, reference: data.reference ?? null };
        break;
      case 'payout.failed':
        event = { source, id, time: at, type, payoutId: data.payoutId, reason: data.reason };
        break;
      default: {
        const never: never = type;
        throw new InvalidMessageError(DlqCode.UNKNOWN_TYPE, `type ${String(never)} is not known`);
      }
    }
  } catch (error) {
    // The DTOs should have caught it; a message the mapping cannot read is still only a bad message, never a
    // failure of its whole batch (which would be retried forever and stop the partition).
    if (error instanceof InvalidMessageError) throw error;
    throw new InvalidMessageError(DlqCode.INVALID_DATA, `data: unreadable (${(error as Error).message})`.slice(0, 300));
  }
  for (const field of STORED_DATA_FIELDS[type]) storable((event as unknown as Record<string, unknown>)[field], `data.${field}`, DlqCode.INVALID_DATA);
  return { event, hash };
}

export { canonicalJson };
