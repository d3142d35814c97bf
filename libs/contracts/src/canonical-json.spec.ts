import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { canonicalJson, payloadHash } from './canonical-json';

/** The same value with the keys of every object in reverse order. */
function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.keys(value).reverse().map((k) => [k, reversedKeys((value as Record<string, unknown>)[k])]));
}

describe('canonical JSON and the payload hash (what tells an exact duplicate from a conflicting one)', () => {
  it('writes keys sorted at every level, and parses back to the same value', () => {
    expect(canonicalJson({ b: 1, a: { d: [true, null, 'x'], c: 'é"\n' } })).toBe('{"a":{"c":"é\\"\\n","d":[true,null,"x"]},"b":1}');
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
    }));
  });

  it('hashes equal payloads equally whatever their key order, and different payloads differently', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      expect(payloadHash(reversedKeys(value))).toBe(payloadHash(value));
    }));
    expect(payloadHash({ data: { amount: '1.00' } })).not.toBe(payloadHash({ data: { amount: '1.0' } }));
  });

  it('is the SHA-256 (base64url) of the canonical JSON, as stored by earlier versions', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      expect(payloadHash(value)).toBe(createHash('sha256').update(canonicalJson(value)).digest('base64url'));
    }));
    expect(payloadHash({ id: '1', source: 's' })).toBe('hzWyD2vFRAP3tFo3ARed3Vl_zi4b-QWiA0jIykLTQgE');
  });

  it('refuses nesting deeper than 64 levels (bounded work for hostile input)', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 70; i++) deep = [deep];
    expect(() => payloadHash(deep)).toThrow(/nested deeper than 64/);
  });
});

describe('canonical key order', () => {
  it('is the order of Array.prototype.sort() (code units), for few keys and for many', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.string({ unit: 'binary', maxLength: 6 }), { maxLength: 40 }), (keys) => {
      const object = Object.fromEntries(keys.map((k, i) => [k, i]));
      const sorted = Object.keys(object).sort();
      expect(canonicalJson(object)).toBe(`{${sorted.map((k) => `${JSON.stringify(k)}:${JSON.stringify(object[k])}`).join(',')}}`);
    }), { numRuns: 3000 });
  });
});
