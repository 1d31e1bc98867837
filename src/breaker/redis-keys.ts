/**
 * The Redis key layout of the breaker store, in one place: how a breaker's keys are named, how the
 * CLI finds them again (scan pattern and reverse parse), and the brace rule that keeps a name inside
 * its Cluster hash tag. The Lua scripts receive these keys as KEYS[1] (see their headers).
 * @module
 */

/** Keys of one breaker: both hash-tagged on `{name}`, so they share a Redis Cluster slot. */
export interface BreakerKeys {
  /** `<prefix>:{<name>}`: the state hash, probe leases included (fields `p:<lease id>`). */
  readonly hash: string;
  /**
   * `<prefix>:{<name>}:probes`: where earlier versions kept the probe leases (a zset). No longer
   * written or read (one key per breaker keeps the scripts working during a Cluster slot
   * migration); named so that operators can delete what an earlier version left.
   */
  readonly probes: string;
}

const HASH_TAG_BREAKERS = /[{}]/;
const KEY_PART_FORBIDDEN = /[{}\s]/;

export function breakerKeys(prefix: string, name: string): BreakerKeys {
  const hash = `${prefix}:{${name}}`;
  return { hash, probes: `${hash}:probes` };
}

/** True when `text` holds a brace, which would move a name out of (or break) its hash tag. */
export function hasBraces(text: string): boolean {
  return HASH_TAG_BREAKERS.test(text);
}

/** True when `text` may be a prefix or a breaker name in a key: no braces, no whitespace. */
export function isKeyPart(text: string): boolean {
  return !KEY_PART_FORBIDDEN.test(text);
}

function globEscape(text: string): string {
  return text.replace(/[*?[\]\\^]/g, (c) => `\\${c}`);
}

/** The SCAN `MATCH` pattern of every state hash under `prefix` (it also matches what {@link parseBreakerKey} rejects). */
export function breakerKeyPattern(prefix: string): string {
  return `${globEscape(prefix)}:{*}`;
}

/**
 * The breaker name of state hash `key` under `prefix` (`<prefix>:{<name>}`), or undefined when
 * `key` is not one (a `:probes` key, another prefix, a name no breaker could have).
 */
export function parseBreakerKey(prefix: string, key: string): string | undefined {
  const head = `${prefix}:{`;
  if (!key.startsWith(head) || !key.endsWith('}')) return undefined;
  const name = key.slice(head.length, -1);
  return name.length > 0 && isKeyPart(name) ? name : undefined;
}
