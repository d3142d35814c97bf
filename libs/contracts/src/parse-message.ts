import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { InputEvent, isCurrency, parseAmount } from '@engine/domain';
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
  if (!surelyValidEnvelope(json as Record<string, unknown>)) {
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
  const base = { source: envelope.source, id: envelope.id, time: parseRfc3339(envelope.time)! };
  const data = envelope.data as Record<string, any>;
  let event: InputEvent;
  switch (type) {
    case 'referral.submitted':
      event = {
        ...base, type, referralId: data.referralId, partnerId: data.partnerId,
        partnerDomain: data.partnerDomain.toLowerCase(), prospectDomain: data.prospect.emailDomain.toLowerCase(), channel: data.channel,
      };
      break;
    case 'customer.signed_up':
      event = {
        ...base, type, customerId: data.customerId, emailDomain: data.emailDomain.toLowerCase(),
        referralCode: data.referralCode ?? null, priorAccount: data.priorAccount,
      };
      break;
    case 'customer.activated':
      event = { ...base, type, customerId: data.customerId };
      break;
    case 'billing.usage_billed':
      event = { ...base, type, customerId: data.customerId, invoiceLineId: data.invoiceLineId, productCode: data.productCode, ...amountOf(data.amount, data.currency, 'data.amount') };
      break;
    case 'billing.refunded':
      event = { ...base, type, customerId: data.customerId, refundId: data.refundId, invoiceLineId: data.invoiceLineId, ...amountOf(data.amount, data.currency, 'data.amount') };
      break;
    default: {
      const never: never = type;
      throw new InvalidMessageError(DlqCode.UNKNOWN_TYPE, `type ${String(never)} is not known`);
    }
  }
  return { event, hash };
}

export { canonicalJson };
