import fc from 'fast-check';
import { Currency, isCurrency, MINOR_DIGITS } from './currency';
import { formatAmount, MAX_MAJOR_UNITS, parseAmount } from './decimal';

const ok = (minor: bigint) => ({ ok: true, minor });
const err = (error: string) => ({ ok: false, error });

describe('parseAmount', () => {
  it.each<[string, Currency, bigint]>([
    ['12.30', 'USD', 1230n],
    ['12.3', 'USD', 1230n],
    ['12', 'USD', 1200n],
    ['0.01', 'EUR', 1n],
    ['0.5', 'EUR', 50n],
    ['700.00', 'CNY', 70000n],
    ['7500', 'JPY', 7500n],
    ['1', 'JPY', 1n],
    ['1000000000000', 'USD', 10n ** 14n], // exactly 10^12 major units
    ['1000000000000.00', 'EUR', 10n ** 14n],
    ['1000000000000', 'JPY', 10n ** 12n],
    ['999999999999.99', 'USD', 10n ** 14n - 1n],
  ])('%s %s = %p minor units', (text, currency, minor) => {
    expect(parseAmount(text, currency)).toEqual(ok(minor));
  });

  it.each<[string, Currency]>([
    ['12.345', 'USD'],
    ['0.001', 'EUR'],
    ['12.300', 'CNY'], // trailing zeros still count as digits beyond the currency's
    ['12.5', 'JPY'],
    ['7500.0', 'JPY'], // JPY has no minor digits at all
  ])('%s %s has too many decimals', (text, currency) => {
    expect(parseAmount(text, currency)).toEqual(err('TOO_MANY_DIGITS'));
  });

  it.each<[string, Currency]>([
    ['0', 'USD'],
    ['0.00', 'USD'],
    ['0.0', 'EUR'],
    ['0', 'JPY'],
    ['000', 'JPY'],
  ])('%s %s is not > 0', (text, currency) => {
    expect(parseAmount(text, currency)).toEqual(err('NOT_POSITIVE'));
  });

  it.each<[string, Currency]>([
    ['1000000000000.01', 'USD'],
    ['1000000000001', 'USD'],
    ['1000000000001', 'JPY'],
    ['9999999999999.99', 'EUR'],
  ])('%s %s is above 10^12 major units', (text, currency) => {
    expect(parseAmount(text, currency)).toEqual(err('TOO_LARGE'));
  });

  it('rejects a 14-digit integer part (whatever the error name)', () => {
    expect(parseAmount('10000000000000', 'USD').ok).toBe(false);
    expect(parseAmount('99999999999999999999', 'JPY').ok).toBe(false);
  });

  it.each([
    '1e3', '1E3', '1.5e2', '-5.00', '-0.01', '+5', '+5.00', ' 5', '5 ', '5.00 ', '\t5', '5\n', '1 000', '1,000.00', '1_000',
    '.5', '5.', '', '.', 'abc', 'NaN', 'Infinity', '0x10', '12.3.4', '١٢', '１２', '5.0O',
  ])('%p is not plain decimal notation', (text) => {
    expect(parseAmount(text, 'USD')).toEqual(err('NOT_DECIMAL'));
  });

  it('accepts leading zeros as the same number', () => {
    expect(parseAmount('007.50', 'USD')).toEqual(ok(750n));
  });
});

describe('formatAmount', () => {
  it.each<[bigint, Currency, string]>([
    [1230n, 'USD', '12.30'],
    [1n, 'USD', '0.01'],
    [5n, 'EUR', '0.05'],
    [-5n, 'EUR', '-0.05'],
    [-1230n, 'USD', '-12.30'],
    [0n, 'USD', '0.00'],
    [35000n, 'CNY', '350.00'],
    [7500n, 'JPY', '7500'],
    [-7500n, 'JPY', '-7500'],
    [0n, 'JPY', '0'],
    [10n ** 14n, 'USD', '1000000000000.00'],
  ])('%p %s = %s', (minor, currency, text) => {
    expect(formatAmount(minor, currency)).toBe(text);
  });

  it('always writes exactly the currency\'s minor digits', () => {
    expect(formatAmount(100n, 'USD')).toMatch(/^\d+\.\d{2}$/);
    expect(formatAmount(100n, 'JPY')).toMatch(/^\d+$/);
  });
});

describe('parse ∘ format', () => {
  const currency = fc.constantFrom<Currency>('USD', 'EUR', 'CNY', 'JPY');
  it('property: every positive amount up to 10^12 major units round-trips', () => {
    fc.assert(
      fc.property(currency, fc.bigInt({ min: 1n, max: MAX_MAJOR_UNITS }), fc.bigInt({ min: 0n, max: 99n }), (cur, major, frac) => {
        const scale = 10n ** BigInt(MINOR_DIGITS[cur]);
        const minor = major === MAX_MAJOR_UNITS ? major * scale : major * scale + (frac % scale);
        expect(parseAmount(formatAmount(minor, cur), cur)).toEqual(ok(minor));
      }),
      { numRuns: 500 },
    );
  });

  it('knows exactly the four currencies', () => {
    expect(['USD', 'EUR', 'CNY', 'JPY'].every(isCurrency)).toBe(true);
    expect(['GBP', 'usd', '', null, 1].some(isCurrency)).toBe(false);
  });
});
