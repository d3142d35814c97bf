import fc from 'fast-check';
import { STANDARD_RULES } from '../program/rules';
import { BookedNet, chainStatements, PayoutStatement, provisionalStatements, statementOf } from './statements';

const terms = STANDARD_RULES.minimumPayouts;
const net = (period: string, partnerId: string, currency: BookedNet['currency'], amount: bigint): BookedNet => ({ period, partnerId, currency, net: amount });

describe('statementOf', () => {
  it('pays a closing balance that reaches the minimum payout, carrying nothing', () => {
    expect(statementOf('2026-07', 'P1', 'USD', 0n, 5000n, terms)).toEqual({
      period: '2026-07', partnerId: 'P1', currency: 'USD', opening: 0n, net: 5000n, closing: 5000n, held: 0n, available: 5000n, payable: 5000n, carried: 0n,
    });
  });

  it('carries a closing balance under the minimum payout', () => {
    expect(statementOf('2026-07', 'P1', 'USD', 1000n, 3999n, terms)).toMatchObject({ closing: 4999n, held: 0n, available: 4999n, payable: 0n, carried: 4999n });
  });

  it('carries a negative balance (clawbacks exceed accruals)', () => {
    expect(statementOf('2026-07', 'P1', 'EUR', 2000n, -9000n, terms)).toMatchObject({ closing: -7000n, held: 0n, available: -7000n, payable: 0n, carried: -7000n });
  });

  it('uses the minimum of the statement currency (JPY has no minor digits)', () => {
    expect(statementOf('2026-07', 'P1', 'JPY', 0n, 7499n, terms)).toMatchObject({ payable: 0n, carried: 7499n });
    expect(statementOf('2026-07', 'P1', 'JPY', 0n, 7500n, terms)).toMatchObject({ payable: 7500n, carried: 0n });
    expect(statementOf('2026-07', 'P1', 'CNY', 0n, 34999n, terms)).toMatchObject({ payable: 0n, carried: 34999n });
  });
});

describe('chainStatements', () => {
  it('opens each period with the previous statement carried amount (minimum-payout carry-forward)', () => {
    const chain = chainStatements({
      periods: ['2026-08', '2026-09', '2026-10'],
      previous: [],
      nets: [net('2026-08', 'P1', 'USD', 2000n), net('2026-09', 'P1', 'USD', 3000n), net('2026-10', 'P1', 'USD', 100n)],
      terms,
    });
    expect(chain.get('2026-08')).toEqual([{ period: '2026-08', partnerId: 'P1', currency: 'USD', opening: 0n, net: 2000n, closing: 2000n, held: 0n, available: 2000n, payable: 0n, carried: 2000n }]);
    expect(chain.get('2026-09')).toEqual([{ period: '2026-09', partnerId: 'P1', currency: 'USD', opening: 2000n, net: 3000n, closing: 5000n, held: 0n, available: 5000n, payable: 5000n, carried: 0n }]);
    expect(chain.get('2026-10')).toEqual([{ period: '2026-10', partnerId: 'P1', currency: 'USD', opening: 0n, net: 100n, closing: 100n, held: 0n, available: 100n, payable: 0n, carried: 100n }]);
  });

  it('gives a statement to a pair with a non-zero opening and no entries, and none to a pair with neither', () => {
    const previous: PayoutStatement[] = [
      statementOf('2026-06', 'P1', 'USD', 0n, 1200n, terms), // carried 12.00
      statementOf('2026-06', 'P2', 'USD', 0n, 9000n, terms), // paid, carried 0
    ];
    const chain = chainStatements({ periods: ['2026-07'], previous, nets: [net('2026-07', 'P3', 'EUR', 10n)], terms });
    expect(chain.get('2026-07')!.map((s) => [s.partnerId, s.currency, s.opening, s.net, s.carried])).toEqual([
      ['P1', 'USD', 1200n, 0n, 1200n],
      ['P3', 'EUR', 0n, 10n, 10n],
    ]);
  });

  it('keeps currencies apart and sorts by partner then currency', () => {
    const chain = chainStatements({
      periods: ['2026-07'],
      previous: [],
      nets: [net('2026-07', 'P2', 'USD', 1n), net('2026-07', 'P1', 'USD', 2n), net('2026-07', 'P1', 'EUR', 3n)],
      terms,
    });
    expect(chain.get('2026-07')!.map((s) => `${s.partnerId}/${s.currency}/${s.net}`)).toEqual(['P1/EUR/3', 'P1/USD/2', 'P2/USD/1']);
  });

  it('adds up several sums given for the same pair and period, and ignores periods outside the chain', () => {
    const chain = chainStatements({
      periods: ['2026-07'],
      previous: [],
      nets: [net('2026-07', 'P1', 'USD', 1n), net('2026-07', 'P1', 'USD', 2n), net('2026-08', 'P1', 'USD', 99n)],
      terms,
    });
    expect(chain.get('2026-07')!.map((s) => s.net)).toEqual([3n]);
    expect(chain.has('2026-08')).toBe(false);
  });

  it('refuses periods that do not ascend', () => {
    expect(() => chainStatements({ periods: ['2026-08', '2026-07'], previous: [], nets: [], terms })).toThrow(RangeError);
  });

  it('holds the ledger identity over any chain: sum(net) = sum(payable) + final carried − initial carried', () => {
    const currency = fc.constantFrom<BookedNet['currency']>('USD', 'EUR', 'JPY', 'CNY');
    const periods = ['2026-01', '2026-02', '2026-03', '2026-04', '2026-05'];
    const arbitraryNet = fc.record({
      period: fc.constantFrom(...periods), partnerId: fc.constantFrom('P1', 'P2'), currency,
      net: fc.bigInt({ min: -20000n, max: 60000n }),
    });
    fc.assert(
      fc.property(fc.array(arbitraryNet, { maxLength: 30 }), fc.bigInt({ min: -5000n, max: 4999n }), (nets, initial) => {
        const previous = [statementOf('2025-12', 'P1', 'USD', 0n, initial, terms)];
        const chain = chainStatements({ periods, previous, nets, terms });
        const all = [...chain.values()].flat();
        for (const s of all) {
          expect(s.closing).toBe(s.opening + s.net);
          expect(s.payable === 0n || s.payable === s.closing).toBe(true);
          expect(s.carried).toBe(s.closing - s.payable);
          expect(s.carried < terms[s.currency]).toBe(true);
        }
        const totalNet = nets.reduce((sum, n) => sum + n.net, 0n);
        const paid = all.reduce((sum, s) => sum + s.payable, 0n);
        const last = chain.get('2026-05')!.reduce((sum, s) => sum + s.carried, 0n);
        const initialCarried = previous[0].carried;
        expect(totalNet).toBe(paid + last - initialCarried);
      }),
    );
  });
});

describe('provisionalStatements', () => {
  it('chains an open period from the last closed statements through earlier open periods with entries', () => {
    const closed = [statementOf('2026-07', 'P1', 'USD', 0n, 1000n, terms)]; // carried 10.00
    const nets = [net('2026-08', 'P1', 'USD', 1500n), net('2026-09', 'P1', 'USD', 3000n), net('2026-10', 'P1', 'USD', 7n)];
    expect(provisionalStatements('2026-09', closed, nets, terms)).toEqual([
      { period: '2026-09', partnerId: 'P1', currency: 'USD', opening: 2500n, net: 3000n, closing: 5500n, held: 0n, available: 5500n, payable: 5500n, carried: 0n },
    ]);
  });

  it('shows only carried balances for an open period without entries', () => {
    const closed = [statementOf('2026-07', 'P1', 'USD', 0n, 1000n, terms)];
    expect(provisionalStatements('2026-08', closed, [], terms)).toEqual([
      { period: '2026-08', partnerId: 'P1', currency: 'USD', opening: 1000n, net: 0n, closing: 1000n, held: 0n, available: 1000n, payable: 0n, carried: 1000n },
    ]);
    expect(provisionalStatements('2026-08', [], [], terms)).toEqual([]);
  });
});
