import fc from 'fast-check';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { CloudEventDto } from './dto/cloud-event.dto';
import { DATA_DTO_BY_TYPE } from './dto/event-data.dto';
import { surelyValidData, surelyValidEnvelope } from './fast-validation';

const classValid = (dto: object) => validateSync(dto, { forbidUnknownValues: false }).length === 0;

const valueArb = fc.oneof(
  fc.constant(undefined), fc.constant(null), fc.constant(''), fc.constant('x'), fc.constant('Acme.EXAMPLE'), fc.constant('a b'),
  fc.constant('a@b'), fc.constant('x'.repeat(300)), fc.string(), fc.integer(), fc.boolean(), fc.constant({}), fc.constant([]),
  fc.constant('x'.repeat(64)), fc.constant('x'.repeat(65)), fc.constant('x'.repeat(1001)), // either side of the 64 limit; past 1000
  fc.constant('2026-05-01T00:00:00Z'), fc.constant('1.0'), fc.constant('12.30'),
);
const field = (names: string[]) => fc.record(Object.fromEntries(names.map((n) => [n, valueArb])), { requiredKeys: [] });

const shapes: Record<string, string[]> = {
  'referral.submitted': ['referralId', 'partnerId', 'partnerDomain', 'useCase', 'channel'],
  'customer.signed_up': ['customerId', 'companyName', 'emailDomain', 'referralCode', 'priorAccount'],
  'customer.activated': ['customerId'],
  'billing.usage_billed': ['customerId', 'invoiceLineId', 'productCode', 'amount', 'currency', 'periodStart', 'periodEnd'],
  'billing.refunded': ['customerId', 'refundId', 'invoiceLineId', 'amount', 'currency'],
  'partner.approved': ['partnerId', 'group'],
  'partner.group_changed': ['partnerId', 'group'],
  'partner.suspended': ['partnerId', 'reason'],
  'partner.reinstated': ['partnerId', 'reason'],
  'partner.terminated': ['partnerId', 'reason'],
  'payout.paid': ['payoutId', 'reference'],
  'payout.failed': ['payoutId', 'reason'],
};

describe('fast validation never accepts what class-validator refuses', () => {
  it('for envelopes', () => {
    fc.assert(
      fc.property(field(['specversion', 'id', 'source', 'type', 'time', 'data']), (plain) => {
        const dto = Object.assign(new CloudEventDto(), plain);
        if (surelyValidEnvelope(plain)) expect(classValid(dto)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it.each(Object.keys(shapes))('for %s data', (type) => {
    const prospect = field(['companyName', 'emailDomain', 'contactEmail', 'region']);
    fc.assert(
      fc.property(field(shapes[type]), fc.oneof(prospect, valueArb), (plain, p) => {
        const data = type === 'referral.submitted' ? { ...plain, prospect: p } : plain;
        if (surelyValidData(type, data)) {
          expect(classValid(plainToInstance(DATA_DTO_BY_TYPE[type as keyof typeof DATA_DTO_BY_TYPE] as new () => object, data))).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('and accepts the common valid message (so the hot path stays fast)', () => {
    expect(surelyValidEnvelope({ specversion: '1.0', id: 'e1', source: 'billing', type: 'billing.usage_billed', time: '2026-05-01T00:00:00.123Z', data: {} })).toBe(true);
    expect(surelyValidData('billing.usage_billed', { customerId: 'C', invoiceLineId: 'I', productCode: 'ecs', amount: '1.00', currency: 'USD' })).toBe(true);
    expect(surelyValidData('customer.signed_up', { customerId: 'C', emailDomain: 'a.example', referralCode: null, priorAccount: false })).toBe(true);
    expect(surelyValidData('referral.submitted', { referralId: 'R', partnerId: 'P', partnerDomain: 'p.example', channel: 'event', prospect: { companyName: 'A', emailDomain: 'a.example' } })).toBe(true);
    expect(surelyValidData('partner.approved', { partnerId: 'P' })).toBe(true);
    expect(surelyValidData('partner.group_changed', { partnerId: 'P', group: 'gold' })).toBe(true);
    expect(surelyValidData('partner.suspended', { partnerId: 'P', reason: 'review' })).toBe(true);
    expect(surelyValidData('payout.paid', { payoutId: '2026-10:P-001:USD', reference: 'TRX-1' })).toBe(true);
    expect(surelyValidData('payout.paid', { payoutId: '2026-10:P-001:USD' })).toBe(true);
    expect(surelyValidData('payout.failed', { payoutId: '2026-10:P-001:USD', reason: 'account closed' })).toBe(true);
  });
});
