/**
 * Redacts every string reachable from an error: its message and stack, every field of every
 * `cause` in the chain, response bodies (`error`, `param`, `error.error.detail`…), arrays, Maps,
 * Sets and fetch `Headers`. That is what `util.inspect(err, { depth })`, `JSON.stringify`, loggers
 * (pino, winston) and error trackers (Sentry) walk, so a key a server echoed back must be gone from
 * all of it, not only from the top-level message.
 *
 * Nothing is modified: every object on a path to a secret is replaced by a scrubbed copy with the
 * same prototype and property flags (so `instanceof` and `err.status` still hold), and objects that
 * hold no secret are shared, not copied. A cause may be the caller's own object (an abort reason, an
 * adapter's error carrying its config): scrubbing it in place could change what the caller sends
 * next. The walk is bounded (depth and node count), so a huge or cyclic graph cannot stall an
 * error path; cycles are copied as cycles.
 * @module
 */
import { redactSecrets } from './redact.js';

const MAX_DEPTH = 24;
const MAX_NODES = 5000;

/**
 * `value` with every reachable string redacted ({@link redactSecrets}): `value` itself when it
 * holds no secret, else a scrubbed copy. Never throws (on a failure, the value is returned as is).
 */
export function scrubChain<T>(value: T): T {
  if (typeof value === 'string') return redactSecrets(value) as T;
  if (typeof value !== 'object' || value === null) return value;
  try {
    const dirty = findDirty(value);
    if (dirty.size === 0) return value;
    return copyDirty(value, dirty) as T;
  } catch {
    return value;
  }
}

/** The values an object holds: own data properties (and an accessor `stack`), Map and Set entries. */
function childrenOf(obj: object): unknown[] {
  const out: unknown[] = [];
  if (obj instanceof Map) for (const [k, v] of obj) out.push(k, v);
  else if (obj instanceof Set) for (const v of obj) out.push(v);
  for (const key of Reflect.ownKeys(obj)) {
    const desc = Object.getOwnPropertyDescriptor(obj, key);
    if (desc !== undefined) out.push(valueOf(obj, key, desc));
  }
  return out;
}

/** A data property's value; an accessor `stack` is read (V8 may make it one); other getters are not called. */
function valueOf(obj: object, key: PropertyKey, desc: PropertyDescriptor): unknown {
  if ('value' in desc) return desc.value as unknown;
  return key === 'stack' && desc.get ? (obj as Record<PropertyKey, unknown>)[key] : undefined;
}

/** Objects with no text worth walking, or whose internals a copy could not keep: shared as they are. */
function isOpaque(value: object): boolean {
  return ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof Date || value instanceof RegExp || value instanceof Promise || value instanceof WeakMap || value instanceof WeakSet || typeof value === 'function';
}

function isHeaders(value: object): value is Headers {
  return typeof Headers !== 'undefined' && value instanceof Headers;
}

function headersHoldSecret(headers: Headers): boolean {
  let found = false;
  headers.forEach((v) => {
    if (!found && redactSecrets(v) !== v) found = true;
  });
  return found;
}

/** Every object on a path from `root` to a string that holds a secret. */
function findDirty(root: object): Set<object> {
  const parents = new Map<object, object[]>([[root, []]]);
  const dirty = new Set<object>();
  const queue: Array<[object, number]> = [[root, 0]];
  for (let i = 0; i < queue.length && i < MAX_NODES; i++) {
    const [obj, depth] = queue[i]!;
    if (isOpaque(obj)) continue;
    if (isHeaders(obj)) {
      if (headersHoldSecret(obj)) dirty.add(obj);
      continue;
    }
    for (const child of childrenOf(obj)) {
      if (typeof child === 'string') {
        if (redactSecrets(child) !== child) dirty.add(obj);
      } else if ((typeof child === 'object' && child !== null) || typeof child === 'function') {
        const known = parents.get(child);
        if (known !== undefined) known.push(obj);
        else if (depth < MAX_DEPTH) {
          parents.set(child, [obj]);
          queue.push([child, depth + 1]);
        }
      }
    }
  }
  // every ancestor of a dirty object needs a copy too
  const up = [...dirty];
  while (up.length > 0) {
    for (const parent of parents.get(up.pop()!) ?? []) {
      if (!dirty.has(parent)) {
        dirty.add(parent);
        up.push(parent);
      }
    }
  }
  return dirty;
}

/** Copies every dirty object (shells first, so cycles become cycles of copies), redacting strings. */
function copyDirty(root: object, dirty: Set<object>): object {
  const copies = new Map<object, object>();
  for (const obj of dirty) copies.set(obj, shellOf(obj));
  const map = (v: unknown): unknown => (typeof v === 'string' ? redactSecrets(v) : typeof v === 'object' && v !== null ? (copies.get(v) ?? v) : v);
  for (const [obj, copy] of copies) {
    if (isHeaders(obj)) continue; // built whole by shellOf
    if (obj instanceof Map) for (const [k, v] of obj) (copy as Map<unknown, unknown>).set(map(k), map(v));
    else if (obj instanceof Set) for (const v of obj) (copy as Set<unknown>).add(map(v));
    for (const key of Reflect.ownKeys(obj)) {
      const desc = Object.getOwnPropertyDescriptor(obj, key);
      if (desc === undefined || (Array.isArray(obj) && key === 'length')) continue;
      const isData = 'value' in desc || key === 'stack';
      const next = isData ? { value: map(valueOf(obj, key, desc)), writable: true, enumerable: desc.enumerable ?? false, configurable: true } : { ...desc, configurable: true };
      Object.defineProperty(copy, key, next);
    }
  }
  return copies.get(root) ?? root;
}

function shellOf(obj: object): object {
  if (isHeaders(obj)) {
    const entries: Array<[string, string]> = [];
    obj.forEach((v, k) => entries.push([k, redactSecrets(v)]));
    return new Headers(entries);
  }
  if (Array.isArray(obj)) return [];
  if (obj instanceof Map) return new Map();
  if (obj instanceof Set) return new Set();
  return Object.create(Object.getPrototypeOf(obj) as object | null) as object;
}
