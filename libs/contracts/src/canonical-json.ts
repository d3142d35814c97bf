import * as crypto from 'node:crypto';

const MAX_DEPTH = 64;

/**
 * Object keys as written (`"key":`), remembered: events repeat a few dozen field names, and quoting them again
 * for every message was a third of this function's time in the parse worker. Bounded, for hostile input.
 */
const QUOTED_KEYS = new Map<string, string>();
const MAX_QUOTED_KEYS = 1_000;

function quotedKey(key: string): string {
  let quoted = QUOTED_KEYS.get(key);
  if (quoted === undefined) {
    quoted = `${JSON.stringify(key)}:`;
    if (QUOTED_KEYS.size < MAX_QUOTED_KEYS && key.length <= 64) QUOTED_KEYS.set(key, quoted);
  }
  return quoted;
}

/**
 * The keys in code-unit order, as `Array.prototype.sort()` puts them; an insertion sort for the handful of keys an
 * event object has (the built-in sort's set-up cost was a quarter of this module's time).
 */
function sortKeys(keys: string[]): string[] {
  if (keys.length > 16) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i];
    let j = i - 1;
    while (j >= 0 && keys[j] > key) {
      keys[j + 1] = keys[j];
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}

/** JSON with object keys sorted at every level, so that two equal payloads hash equally whatever their key order. */
export function canonicalJson(value: unknown, depth = 0): string {
  if (depth > MAX_DEPTH) throw new RangeError(`nested deeper than ${MAX_DEPTH} levels`);
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  let out: string;
  if (Array.isArray(value)) {
    out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + canonicalJson(value[i], depth + 1);
    return out + ']';
  }
  const keys = sortKeys(Object.keys(value));
  out = '{';
  for (let i = 0; i < keys.length; i++) {
    const field = (value as Record<string, unknown>)[keys[i]];
    out += (i ? ',' : '') + quotedKey(keys[i]) + (typeof field === 'string' ? JSON.stringify(field) : canonicalJson(field, depth + 1));
  }
  return out + '}';
}

/** One-shot `crypto.hash` (Node ≥ 20.12) skips the Hash object per message: ~1/3 of hashing's cost in the parse worker. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'base64url') => string }).hash;
const sha256 = oneShot ? (text: string) => oneShot('sha256', text, 'base64url') : (text: string) => crypto.createHash('sha256').update(text).digest('base64url');

/** SHA-256 (base64url) of the canonical JSON: equal payloads, whatever their key order, hash equally. */
export function payloadHash(value: unknown): string {
  return sha256(canonicalJson(value));
}
