import { ApiKeyRegistry, ApiKeysConfigError, bearerToken, MIN_API_KEY_LENGTH } from './api-keys';

describe('ApiKeyRegistry', () => {
  const FIN = 'fin-key-0123456789';
  const P1 = 'p1-key-0123456789';
  const P2 = 'p2-key-0123456789';
  const registry = ApiKeyRegistry.parse(` ${FIN}:finance, ${P1}:partner:P-001 ,${P2}:partner:P:with:colons`);

  it('maps finance and partner keys to their principals', () => {
    expect(registry.size).toBe(3);
    expect(registry.authenticate(FIN)).toEqual({ kind: 'finance' });
    expect(registry.authenticate(P1)).toEqual({ kind: 'partner', partnerId: 'P-001' });
    expect(registry.authenticate(P2)).toEqual({ kind: 'partner', partnerId: 'P:with:colons' });
  });

  it('maps an ops key (dead letters only) to its principal', () => {
    const OPS = 'ops-key-0123456789';
    expect(ApiKeyRegistry.parse(`${FIN}:finance,${OPS}:ops`).authenticate(OPS)).toEqual({ kind: 'ops' });
    expect(() => ApiKeyRegistry.parse(`${OPS}:ops:extra`)).toThrow(/item 1 must be key:finance, key:ops or key:partner:<partnerId>/);
  });

  it('knows no other key, prefix or empty key', () => {
    for (const key of ['nope', FIN.slice(0, -1), `${FIN} `, FIN.toUpperCase(), '', null, undefined]) expect(registry.authenticate(key)).toBeNull();
  });

  it(`refuses a key shorter than ${MIN_API_KEY_LENGTH} characters, naming the item by its position and never the key`, () => {
    const short = 'short-key-12345'; // 15 characters
    const text = `${FIN}:finance,${short}:partner:P-001`;
    expect(() => ApiKeyRegistry.parse(text)).toThrow(ApiKeysConfigError);
    try {
      ApiKeyRegistry.parse(text);
    } catch (error) {
      expect((error as Error).message).toBe('API_KEYS item 2 has a key shorter than 16 characters: use a long random key (for example `openssl rand -hex 24`)');
      expect((error as Error).message).not.toContain(short);
    }
    expect(ApiKeyRegistry.parse(`${'k'.repeat(16)}:finance`).size).toBe(1);
    expect(() => ApiKeyRegistry.parse(`${'é'.repeat(15)}:finance`)).toThrow(ApiKeysConfigError); // characters, not bytes
  });

  it('accepts an empty list (every request is then unauthenticated)', () => {
    expect(ApiKeyRegistry.parse('').size).toBe(0);
    expect(ApiKeyRegistry.parse('').authenticate('anything')).toBeNull();
  });

  it.each([
    'nokey',
    ':finance',
    'k:admin',
    'k:partner:',
    'k:partner',
    'a b:finance',
    'k:finance,k:partner:P-1',
    'same-key-0123456789:finance,same-key-0123456789:partner:P-1',
    'nokey-but-long-enough:admin',
  ])('refuses %p without echoing the key', (text) => {
    expect(() => ApiKeyRegistry.parse(text)).toThrow(ApiKeysConfigError);
    try {
      ApiKeyRegistry.parse(text);
    } catch (error) {
      expect((error as Error).message).toMatch(/^API_KEYS item \d+ /);
      expect((error as Error).message).not.toContain('nokey');
      expect((error as Error).message).not.toContain('same-key');
    }
  });
});

describe('bearerToken', () => {
  it('reads the key of a Bearer header', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer  abc ')).toBe('abc');
  });

  it('returns null for anything else', () => {
    for (const header of [undefined, '', 'Bearer', 'Basic abc', 'Bearer a b', 'abc', ['Bearer a']]) expect(bearerToken(header as never)).toBeNull();
  });
});
