import { createHash, timingSafeEqual } from 'node:crypto';
import { Principal } from './principal';

export class ApiKeysConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiKeysConfigError';
  }
}

interface KeyEntry {
  digest: Buffer;
  principal: Principal;
}

/** The shortest key accepted: a short key can be guessed, and nothing limits the tries. */
export const MIN_API_KEY_LENGTH = 16;

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * The keys of API_KEYS (`key:finance`, `key:ops`, `key:partner:<partnerId>`, comma-separated). Only SHA-256 digests are
 * kept; a presented key is hashed and compared with every configured digest by crypto.timingSafeEqual, always
 * all of them, so neither the comparison nor the position of a match leaks through timing. Keys are never logged:
 * configuration errors name the item by its position only. A key must be at least MIN_API_KEY_LENGTH characters.
 */
export class ApiKeyRegistry {
  private constructor(private readonly entries: readonly KeyEntry[]) {}

  static parse(text: string): ApiKeyRegistry {
    const entries: KeyEntry[] = [];
    const items = text.split(',').map((item) => item.trim()).filter((item) => item !== '');
    items.forEach((item, index) => {
      const where = `API_KEYS item ${index + 1}`;
      const colon = item.indexOf(':');
      const key = colon < 0 ? '' : item.slice(0, colon);
      const role = colon < 0 ? '' : item.slice(colon + 1);
      if (key === '' || /\s/.test(key)) throw new ApiKeysConfigError(`${where} must be key:finance, key:ops or key:partner:<partnerId>`);
      let principal: Principal;
      if (role === 'finance') principal = { kind: 'finance' };
      else if (role === 'ops') principal = { kind: 'ops' };
      else if (role.startsWith('partner:') && role.length > 'partner:'.length) principal = { kind: 'partner', partnerId: role.slice('partner:'.length) };
      else throw new ApiKeysConfigError(`${where} must be key:finance, key:ops or key:partner:<partnerId>`);
      if ([...key].length < MIN_API_KEY_LENGTH) {
        throw new ApiKeysConfigError(`${where} has a key shorter than ${MIN_API_KEY_LENGTH} characters: use a long random key (for example \`openssl rand -hex 24\`)`);
      }
      const keyDigest = digest(key);
      if (entries.some((e) => e.digest.equals(keyDigest))) throw new ApiKeysConfigError(`${where} repeats a key listed before it`);
      entries.push({ digest: keyDigest, principal });
    });
    return new ApiKeyRegistry(entries);
  }

  get size(): number {
    return this.entries.length;
  }

  /** The principal of a presented key, or null for an unknown (or missing) key. */
  authenticate(presented: string | null | undefined): Principal | null {
    if (!presented) return null;
    const candidate = digest(presented);
    let found: Principal | null = null;
    for (const entry of this.entries) {
      if (timingSafeEqual(candidate, entry.digest)) found = entry.principal;
    }
    return found;
  }
}

/** The key of an `Authorization: Bearer <key>` header (scheme case-insensitive), or null. */
export function bearerToken(header: string | string[] | undefined): string | null {
  if (typeof header !== 'string') return null;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match ? match[1] : null;
}
