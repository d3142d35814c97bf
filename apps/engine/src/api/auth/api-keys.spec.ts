import { ApiKeyRegistry, ApiKeysConfigError, bearerToken } from './api-keys';

describe('ApiKeyRegistry', () => {
  const registry = ApiKeyRegistry.parse(' fin-key:finance, p1-key:partner:P-001 ,p2-key:partner:P:with:colons');

  it('maps finance and partner keys to their principals', () => {
    expect(registry.size).toBe(3);
    expect(registry.authenticate('fin-key')).toEqual({ kind: 'finance' });
    expect(registry.authenticate('p1-key')).toEqual({ kind: 'partner', partnerId: 'P-001' });
    expect(registry.authenticate('p2-key')).toEqual({ kind: 'partner', partnerId: 'P:with:colons' });
  });

  it('knows no other key, prefix or empty key', () => {
    for (const key of ['nope', 'fin-ke', 'fin-key ', 'FIN-KEY', '', null, undefined]) expect(registry.authenticate(key)).toBeNull();
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
  ])('refuses %p without echoing the key', (text) => {
    expect(() => ApiKeyRegistry.parse(text)).toThrow(ApiKeysConfigError);
    try {
      ApiKeyRegistry.parse(text);
    } catch (error) {
      expect((error as Error).message).toMatch(/^API_KEYS item \d+ /);
      expect((error as Error).message).not.toContain('nokey');
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
