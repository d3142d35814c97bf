import { parseSignedAmount } from './signed-amount';

describe('parseSignedAmount', () => {
  it.each([
    ['12.30', 'USD', 1230n],
    ['-12.3', 'USD', -1230n],
    ['+5', 'EUR', 500n],
    ['-7500', 'JPY', -7500n],
    ['0.01', 'CNY', 1n],
  ] as const)('%s %s → %s minor units', (text, currency, minor) => {
    expect(parseSignedAmount(text, currency)).toEqual({ ok: true, minor });
  });

  it.each([
    ['0', 'USD', 'ZERO'],
    ['-0.00', 'USD', 'ZERO'],
    ['1.234', 'USD', 'TOO_MANY_DIGITS'],
    ['1.5', 'JPY', 'TOO_MANY_DIGITS'],
    ['--1', 'USD', 'NOT_DECIMAL'],
    ['1e3', 'USD', 'NOT_DECIMAL'],
    [' 1', 'USD', 'NOT_DECIMAL'],
    ['', 'USD', 'NOT_DECIMAL'],
    ['-1000000000000.01', 'USD', 'TOO_LARGE'],
  ] as const)('refuses %p %s (%s)', (text, currency, error) => {
    expect(parseSignedAmount(text, currency)).toEqual({ ok: false, error });
  });
});
