import { StoredPayoutOrder } from '@engine/persistence';
import { PAYOUT_ORDERS_CSV_HEADER, PayoutOrderDto, payoutOrdersCsv } from './dtos/payout-order.dto';
import { apiOutcomeId, outcomeAction } from './payout-order.service';

describe('outcomeAction', () => {
  it.each([
    ['PENDING', 'PAID', false, 'record'],
    ['PENDING', 'FAILED', false, 'record'],
    ['PAID', 'PAID', false, 'repeat'],
    ['FAILED', 'FAILED', true, 'repeat'],
    ['PAID', 'FAILED', false, 'conflict'],
    ['FAILED', 'PAID', false, 'conflict'],
    // the request (at the engine clock) is earlier than a payment event dated after the clock: it takes over
    ['PAID', 'FAILED', true, 'record'],
    ['FAILED', 'PAID', true, 'record'],
  ] as const)('an order %s asked to be %s (the request earliest: %s) → %s', (current, requested, earliest, action) => {
    expect(outcomeAction(current, requested, earliest)).toBe(action);
  });

  it('gives finance one stable event id per payout and outcome', () => {
    expect(apiOutcomeId('2026-10:P-001:USD', 'PAID')).toBe('api:2026-10:P-001:USD:paid');
    expect(apiOutcomeId('2026-10:P-001:USD', 'FAILED')).toBe('api:2026-10:P-001:USD:failed');
  });
});

describe('payout order view', () => {
  const base: StoredPayoutOrder = {
    payoutId: '2026-10:P-001:JPY', period: '2026-10', partnerId: 'P-001', currency: 'JPY', amount: 7500n, status: 'PENDING', sequence: 1, outcome: null,
    createdAt: Date.parse('2026-11-02T08:00:00Z'), updatedAt: Date.parse('2026-11-02T08:00:00Z'),
  };
  const failed: StoredPayoutOrder = {
    ...base, payoutId: '2026-10:P-002:USD', partnerId: 'P-002', currency: 'USD', amount: 1230n, status: 'FAILED', sequence: 2,
    outcome: { status: 'FAILED', source: 'payments', id: 'ev-9', time: Date.parse('2026-11-03T10:00:00Z'), reference: null, reason: 'account closed, "IBAN" invalid' },
    updatedAt: Date.parse('2026-11-03T11:00:00Z'),
  };

  it('formats amounts with the currency digits and names the deciding outcome', () => {
    expect(PayoutOrderDto.of(base)).toEqual({
      payoutId: '2026-10:P-001:JPY', period: '2026-10', partnerId: 'P-001', currency: 'JPY', amount: '7500', status: 'PENDING',
      reference: null, reason: null, outcomeAt: null, createdAt: '2026-11-02T08:00:00.000Z', updatedAt: '2026-11-02T08:00:00.000Z',
    });
    expect(PayoutOrderDto.of(failed)).toMatchObject({ amount: '12.30', status: 'FAILED', reason: 'account closed, "IBAN" invalid', outcomeAt: '2026-11-03T10:00:00.000Z' });
  });

  it('writes RFC 4180 CSV with the contract header, empty fields for null', () => {
    expect(payoutOrdersCsv({ payoutOrders: [base, failed].map(PayoutOrderDto.of) })).toBe(
      `${PAYOUT_ORDERS_CSV_HEADER}\r\n` +
        '2026-10:P-001:JPY,2026-10,P-001,JPY,7500,PENDING,,,,2026-11-02T08:00:00.000Z,2026-11-02T08:00:00.000Z\r\n' +
        '2026-10:P-002:USD,2026-10,P-002,USD,12.30,FAILED,,"account closed, ""IBAN"" invalid",2026-11-03T10:00:00.000Z,2026-11-02T08:00:00.000Z,2026-11-03T11:00:00.000Z\r\n',
    );
    expect(payoutOrdersCsv({ payoutOrders: [] })).toBe(`${PAYOUT_ORDERS_CSV_HEADER}\r\n`);
  });
});
