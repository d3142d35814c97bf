import fc from 'fast-check';
import { divRoundHalfEven, maxBig, minBig } from './rounding';

describe('divRoundHalfEven', () => {
  it.each([
    // exact quotients are untouched
    [10n, 5n, 2n],
    [0n, 7n, 0n],
    [-10n, 5n, -2n],
    // below / above one half
    [14n, 10n, 1n],
    [16n, 10n, 2n],
    [7n, 3n, 2n],
    [8n, 3n, 3n],
    // exactly .5: to the even neighbour
    [5n, 10n, 0n], // 0.5 -> 0
    [15n, 10n, 2n], // 1.5 -> 2
    [25n, 10n, 2n], // 2.5 -> 2
    [35n, 10n, 4n], // 3.5 -> 4
    [45n, 10n, 4n], // 4.5 -> 4
    [1n, 2n, 0n],
    [3n, 2n, 2n],
    [5n, 2n, 2n],
    [7n, 2n, 4n],
    // the commission shapes: amount × bps / 10 000
    [5n * 1000n, 10_000n, 0n], // 10% of 0.05 = 0.005 -> 0.00
    [15n * 1000n, 10_000n, 2n], // 10% of 0.15 = 0.015 -> 0.02
    [25n * 1000n, 10_000n, 2n], // 10% of 0.25 = 0.025 -> 0.02
    [3n * 1500n, 10_000n, 0n], // 15% of 0.03 = 0.0045 -> 0.00 (below half)
    [10n * 1500n, 10_000n, 2n], // 15% of 0.10 = 0.015 -> 0.02
    [30n * 1500n, 10_000n, 4n], // 15% of 0.30 = 0.045 -> 0.04
  ])('%p / %p = %p', (n, d, q) => {
    expect(divRoundHalfEven(n, d)).toBe(q);
  });

  it.each([
    [-5n, 10n, 0n], // -0.5 -> -0 (= 0)
    [-15n, 10n, -2n], // -1.5 -> -2
    [-25n, 10n, -2n], // -2.5 -> -2
    [-35n, 10n, -4n], // -3.5 -> -4
    [-14n, 10n, -1n],
    [-16n, 10n, -2n],
  ])('negatives round symmetrically: %p / %p = %p', (n, d, q) => {
    expect(divRoundHalfEven(n, d)).toBe(q);
  });

  it('is exact far beyond the float range', () => {
    const big = 10n ** 30n;
    expect(divRoundHalfEven(big * 3n + 1n, 2n)).toBe(big * 3n / 2n); // (3·10^30 + 1)/2 = 1.5·10^30 + 0.5 -> even
    expect(divRoundHalfEven(big + 5n, 10n)).toBe(big / 10n); // …0.5 on an even quotient stays
    expect(divRoundHalfEven(big + 15n, 10n)).toBe(big / 10n + 2n); // …1.5 goes up to even
  });

  it('refuses a zero or negative denominator', () => {
    expect(() => divRoundHalfEven(1n, 0n)).toThrow(RangeError);
    expect(() => divRoundHalfEven(1n, -3n)).toThrow(RangeError);
  });

  it('property: the nearest integer, ties to even, and odd(-x) = -f(x)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }), fc.bigInt({ min: 1n, max: 10n ** 9n }), (n, d) => {
        const q = divRoundHalfEven(n, d);
        const twiceError = 2n * (n - q * d); // 2·(n/d − q)·d
        const abs = twiceError < 0n ? -twiceError : twiceError;
        expect(abs <= d).toBe(true); // |n/d − q| ≤ 1/2
        if (abs === d) expect(q % 2n).toBe(0n); // a tie went to the even neighbour
        expect(divRoundHalfEven(-n, d)).toBe(-q);
      }),
      { numRuns: 500 },
    );
  });
});

describe('minBig / maxBig', () => {
  it('pick the smaller / larger bigint', () => {
    expect(minBig(3n, -4n)).toBe(-4n);
    expect(maxBig(3n, -4n)).toBe(3n);
    expect(minBig(5n, 5n)).toBe(5n);
  });
});
