/**
 * Redacts every string reachable from an error: its message and stack, every field of every
 * `cause` in the chain, response bodies (`error`, `param`, `error.error.detail`…), arrays, Maps and
 * fetch `Headers`. That is what `util.inspect(err, { depth })`, `JSON.stringify`, loggers (pino,
 * winston) and error trackers (Sentry) walk, so a key a server echoed back must be gone from all of
 * it, not only from the top-level message.
 *
 * Objects are scrubbed in place where they can be; a frozen or otherwise read-only object that
 * holds a secret is replaced by a scrubbed copy with the same prototype (so `instanceof` still
 * holds), and the copy takes its place in its parent. The walk is bounded (depth and node count),
 * so a huge or cyclic graph cannot stall an error path.
 * @module
 */
import { redactSecrets } from './redact.js';

const MAX_DEPTH = 24;
const MAX_NODES = 5000;

interface Walk {
  /** Original object → what stands for it after scrubbing (itself, or a scrubbed copy). */
  readonly seen: Map<object, unknown>;
  nodes: number;
}

/**
 * Returns `value` with every reachable string redacted ({@link redactSecrets}): the same object,
 * scrubbed in place, unless it (or the root of the chain) could not be written, in which case a
 * scrubbed copy. Never throws.
 */
export function scrubChain<T>(value: T): T {
  try {
    return scrub(value, 0, { seen: new Map(), nodes: 0 }) as T;
  } catch {
    return value;
  }
}

function scrub(value: unknown, depth: number, walk: Walk): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (typeof value !== 'object' || value === null) return value;
  if (walk.seen.has(value)) return walk.seen.get(value);
  walk.seen.set(value, value);
  if (depth > MAX_DEPTH || ++walk.nodes > MAX_NODES || isOpaque(value)) return value;
  const replaced = isHeaders(value) ? scrubHeaders(value) : value instanceof Map ? scrubMap(value, depth, walk) : scrubObject(value, depth, walk);
  walk.seen.set(value, replaced);
  return replaced;
}

/** Objects that hold no text worth walking (or whose internals must not be touched). */
function isOpaque(value: object): boolean {
  return ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof Date || value instanceof RegExp || value instanceof Promise || value instanceof WeakMap || value instanceof WeakSet;
}

/** A fetch `Headers` (the SDKs' `err.headers`): read-only on a response, so a scrubbed copy. */
function isHeaders(value: object): value is Headers {
  return typeof Headers !== 'undefined' && value instanceof Headers;
}

function scrubHeaders(headers: Headers): Headers {
  const entries: Array<[string, string]> = [];
  let changed = false;
  headers.forEach((v, k) => {
    const r = redactSecrets(v);
    if (r !== v) changed = true;
    entries.push([k, r]);
  });
  return changed ? new Headers(entries) : headers;
}

function scrubMap(map: Map<unknown, unknown>, depth: number, walk: Walk): Map<unknown, unknown> {
  const updates: Array<[unknown, unknown]> = [];
  for (const [k, v] of map) {
    const r = scrub(v, depth + 1, walk);
    if (r !== v) updates.push([k, r]);
  }
  for (const [k, r] of updates) map.set(k, r);
  return map;
}

/** Scrubs the own data properties (and an accessor `stack`) of an object or array. */
function scrubObject(obj: object, depth: number, walk: Walk): object {
  const record = obj as Record<PropertyKey, unknown>;
  const changes: Array<[PropertyKey, unknown]> = [];
  for (const key of Reflect.ownKeys(obj)) {
    const desc = Object.getOwnPropertyDescriptor(obj, key);
    if (desc === undefined) continue;
    // V8 may make `stack` an accessor; other getters are not called (they may have side effects).
    const current: unknown = 'value' in desc ? (desc.value as unknown) : key === 'stack' && desc.get && desc.set ? record[key] : undefined;
    if (current === undefined) continue;
    const next = scrub(current, depth + 1, walk);
    if (next !== current) changes.push([key, next]);
  }
  if (changes.length === 0) return obj;
  if (changes.every(([key, next]) => write(obj, key, next))) return obj;
  return copyWith(obj, new Map(changes));
}

function write(obj: object, key: PropertyKey, next: unknown): boolean {
  try {
    const desc = Object.getOwnPropertyDescriptor(obj, key);
    if (desc?.configurable) Object.defineProperty(obj, key, 'value' in desc ? { ...desc, value: next } : { value: next, writable: true, enumerable: false, configurable: true });
    else (obj as Record<PropertyKey, unknown>)[key] = next;
    return (obj as Record<PropertyKey, unknown>)[key] === next;
  } catch {
    return false;
  }
}

/** A copy of a read-only object with the same prototype and property flags, `changes` applied. */
function copyWith(obj: object, changes: Map<PropertyKey, unknown>): object {
  const copy: object = Array.isArray(obj) ? [] : (Object.create(Object.getPrototypeOf(obj) as object | null) as object);
  for (const key of Reflect.ownKeys(obj)) {
    const desc = Object.getOwnPropertyDescriptor(obj, key);
    if (desc === undefined || (Array.isArray(obj) && key === 'length')) continue;
    if (changes.has(key)) Object.defineProperty(copy, key, { value: changes.get(key), writable: true, enumerable: desc.enumerable ?? false, configurable: true });
    else Object.defineProperty(copy, key, { ...desc, configurable: true });
  }
  return copy;
}
