/**
 * The Redis store: a breaker's state shared by a whole fleet. Every operation is one atomic Lua
 * script (`lua/*.lua`) timed by the Redis server's clock; transitions are published on a pub/sub
 * channel so every instance's mirror follows within milliseconds.
 *
 * Store-call discipline (Redis must never break or stall an LLM call): a call on a client that is
 * still making its first connection waits for `ready` (at most `connectTimeoutMs`), so a process
 * that has just started follows the fleet from its first call; it rejects at once with a
 * {@link StoreError} when the connection is down (ioredis never queues our commands offline),
 * rejects after `timeoutMs` when Redis does not answer (the late answer is swallowed), and never
 * throws synchronously. At most {@link MAX_IN_FLIGHT} commands are on the wire at once (see
 * redis-gate.ts). The breaker then runs on its local state until {@link RedisStore.ping} answers.
 * @module
 */
import { ConfigError } from '../errors/config-error.js';
import { StoreError } from '../errors/store-error.js';
import { checkDuration, checkInteger, describe } from './options.js';
import { decodeAcquire, decodeRenew, decodeSnapshot, encodeArgs } from './redis-codec.js';
import { breakerKeys, hasBraces, isKeyPart, type BreakerKeys } from './redis-keys.js';
import type { RedisStoreClient } from './redis-client.js';
import { sendCommand, type StoreCommand } from './redis-call.js';
import { ConnectionGate } from './redis-gate.js';
import { defineScripts, runScript, type ScriptHost, type ScriptName } from './redis-scripts.js';
import { RedisSubscriber } from './redis-subscriber.js';

/** How long the subscriber connection outlives the store's last subscription. */
const SUBSCRIBER_IDLE_MS = 1000;
/** Store commands on the wire at once; the others wait (without a timer) for a slot. */
export const MAX_IN_FLIGHT = 128;
import type { AcquireOutcome, ProbeOutcome, RuleConfig, Snapshot } from './state.js';
import type { BreakerStore, Disposable, StoreChange } from './store.js';

/** Options of {@link redisStore}. Every duration is at most 2^31 − 1 ms (`MAX_DURATION_MS`). */
export interface RedisStoreOptions {
  /**
   * Prefix of every key and of the default channel. A breaker's key is `<prefix>:{<name>}` (its
   * state hash, probe leases included). Non-empty, no braces, no whitespace.
   * @default 'circuit_breaker'
   */
  prefix?: string;
  /**
   * Bound on every store call, in ms. A call Redis has not answered by then rejects with a
   * `StoreError` and the breaker carries on with its local state. At least 1.
   * @default 150
   */
  timeoutMs?: number;
  /**
   * How long a store call waits for a client that is still connecting (status `connecting` or
   * `connect`, e.g. `new Redis(url)` created just before the first call) to become ready. Only when
   * it does not connect within this bound, or the connection fails, does the breaker run on its
   * local state. A client that was connected and lost its connection is refused at once (that is
   * an outage, not a start-up). At least 1.
   * @default 1000
   */
  connectTimeoutMs?: number;
  /**
   * TTL of a breaker's keys in ms, refreshed on every write, so abandoned breakers do not leak. A key
   * never expires before its state stops mattering: the scripts use at least `resetTimeoutMs`,
   * `probeLeaseMs` and the failure-rate window. An integer of at least 1000.
   * @default 86_400_000 (24 hours)
   */
  keyTtlMs?: number;
  /**
   * Delay in ms after which a success that must reset a failure count is written (batched with the
   * other successes of that delay). In failure-rate mode successes are batched the same way, while
   * failures are written at once; so the trip decision leaves out failures younger than
   * 2 × `writeBehindMs` (the other instances' successes of that period may still be on their way)
   * and a failure-rate circuit opens up to 4 × `writeBehindMs` after its ratio was reached. 0 writes
   * every success at once (no such delay).
   * @default 100
   */
  writeBehindMs?: number;
  /**
   * While a breaker runs on its local state after a store failure, how often (ms) it pings Redis to
   * return to the shared state. At least 10.
   * @default 1000
   */
  recoveryIntervalMs?: number;
  /**
   * The pub/sub channel transitions are published on. Every store sharing breakers must use the same.
   * @default `${prefix}:events`
   */
  channel?: string;
}

export type { RedisStoreClient, RedisStoreConnection } from './redis-client.js';

const STORE_KEYS: ReadonlySet<string> = new Set(['prefix', 'timeoutMs', 'connectTimeoutMs', 'keyTtlMs', 'writeBehindMs', 'recoveryIntervalMs', 'channel']);

/** Name used in StoreErrors that concern the store rather than one breaker. */
const STORE_WIDE = '*';

export class RedisStore implements BreakerStore {
  readonly kind = 'redis';
  readonly prefix: string;
  readonly channel: string;
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly keyTtlMs: number;
  readonly writeBehindMs: number;
  /** Failure-rate mode: how long after a success it may reach Redis (2 × `writeBehindMs`). */
  readonly successLagMs: number;
  readonly recoveryIntervalMs: number;
  /** The caller's client. The store never closes it. */
  readonly client: RedisStoreClient;

  private readonly listeners = new Set<(change: StoreChange) => void>();
  private readonly subscriber: RedisSubscriber;
  private readonly gate: ConnectionGate;
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(client: RedisStoreClient, options: RedisStoreOptions = {}) {
    if (typeof client !== 'object' || client === null || typeof (client as Partial<ScriptHost>).defineCommand !== 'function') {
      throw new ConfigError('client', `must be an ioredis Redis or Cluster instance, got ${describe(client)}`);
    }
    if (typeof options !== 'object' || options === null) throw new ConfigError('options', `must be an object, got ${describe(options)}`);
    for (const k of Object.keys(options)) if (!STORE_KEYS.has(k)) throw new ConfigError(k, 'is not an option of redisStore');
    this.client = client;
    this.prefix = checkPrefix(options.prefix ?? 'circuit_breaker');
    this.timeoutMs = checkDuration('timeoutMs', options.timeoutMs ?? 150, 1);
    this.connectTimeoutMs = checkDuration('connectTimeoutMs', options.connectTimeoutMs ?? 1000, 1);
    this.keyTtlMs = checkInteger('keyTtlMs', options.keyTtlMs ?? 86_400_000, 1000);
    this.writeBehindMs = checkDuration('writeBehindMs', options.writeBehindMs ?? 100, 0);
    // A batch is written writeBehindMs after its first success; as much again for a late timer and the round trip.
    this.successLagMs = Math.ceil(2 * this.writeBehindMs);
    this.recoveryIntervalMs = checkDuration('recoveryIntervalMs', options.recoveryIntervalMs ?? 1000, 10);
    this.channel = checkChannel(options.channel ?? `${this.prefix}:events`);
    defineScripts(client);
    this.subscriber = new RedisSubscriber(client, this.channel, (change) => this.emit(change));
    this.gate = new ConnectionGate(client, this.connectTimeoutMs, MAX_IN_FLIGHT);
  }

  /** The local clock (ms). Shared state is timed by the Redis server; this only drives the local mirror. */
  now(): number {
    return Date.now();
  }

  /** The keys of breaker `name` (for operators and tests). */
  keys(name: string): BreakerKeys {
    return breakerKeys(this.prefix, name);
  }

  recordSuccesses(name: string, cfg: RuleConfig, count: number, resetFailures: boolean): Promise<Snapshot> {
    return this.script(name, 'recordSuccesses', 'record-successes', cfg, [String(count), flag(resetFailures)], decodeSnapshot);
  }

  recordFailure(name: string, cfg: RuleConfig, pendingSuccesses: number, resetFirst: boolean): Promise<Snapshot> {
    const extra = [String(pendingSuccesses), flag(resetFirst), String(this.successLagMs)];
    return this.script(name, 'recordFailure', 'record-failure', cfg, extra, decodeSnapshot);
  }

  acquireProbe(name: string, cfg: RuleConfig, leaseId: string): Promise<{ outcome: AcquireOutcome; snapshot: Snapshot }> {
    return this.script(name, 'acquireProbe', 'acquire-probe', cfg, [leaseId], decodeAcquire, (late) => {
      // Granted after we gave up: nobody will use the slot, free it rather than block the fleet's probes.
      if (late.outcome === 'granted') this.releaseProbe(name, cfg, leaseId, 'neutral').catch(() => undefined);
    });
  }

  renewProbe(name: string, cfg: RuleConfig, leaseId: string): Promise<{ renewed: boolean; snapshot: Snapshot }> {
    return this.script(name, 'renewProbe', 'renew-probe', cfg, [leaseId], decodeRenew);
  }

  releaseProbe(name: string, cfg: RuleConfig, leaseId: string, outcome: ProbeOutcome): Promise<Snapshot> {
    return this.script(name, 'releaseProbe', 'release-probe', cfg, [leaseId, outcome], decodeSnapshot);
  }

  forceOpen(name: string, cfg: RuleConfig): Promise<Snapshot> {
    return this.script(name, 'forceOpen', 'force-open', cfg, [], decodeSnapshot);
  }

  forceClose(name: string, cfg: RuleConfig): Promise<Snapshot> {
    return this.script(name, 'forceClose', 'force-close', cfg, [], decodeSnapshot);
  }

  reset(name: string, cfg: RuleConfig): Promise<Snapshot> {
    return this.script(name, 'reset', 'reset', cfg, [], decodeSnapshot);
  }

  adoptOpen(name: string, cfg: RuleConfig, ageMs: number): Promise<Snapshot> {
    return this.script(name, 'adoptOpen', 'adopt-open', cfg, [String(Math.max(0, Math.floor(ageMs)))], decodeSnapshot);
  }

  read(name: string, cfg: RuleConfig): Promise<Snapshot> {
    return this.script(name, 'read', 'read', cfg, [], decodeSnapshot);
  }

  /** Resolves when Redis answers a PING within `timeoutMs`; rejects with a StoreError otherwise. */
  ping(): Promise<void> {
    return this.bounded(STORE_WIDE, 'ping', () => this.client.ping()).then(() => undefined);
  }

  /**
   * Listens to the transitions of every breaker of this store (published by the scripts), and to
   * `resync` requests after the subscriber connection came back. The first call opens the store's
   * one subscriber connection (`client.duplicate()`); disposing the last subscription closes it.
   */
  subscribe(listener: (change: StoreChange) => void): Disposable {
    if (this.closed) return { dispose: () => undefined };
    this.listeners.add(listener);
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.subscriber.start();
    return {
      dispose: () => {
        if (!this.listeners.delete(listener) || this.listeners.size > 0 || this.closed) return;
        // The last breaker is gone (e.g. every client using this store was closed): release the
        // subscriber connection after a short grace period, so that closing one client and creating
        // the next does not churn connections. The timer does not keep the process alive.
        this.idleTimer = setTimeout(() => {
          this.idleTimer = undefined;
          if (this.listeners.size === 0) this.subscriber.stop();
        }, SUBSCRIBER_IDLE_MS);
        this.idleTimer.unref();
      },
    };
  }

  /** Disconnects the subscriber connection this store created. Never closes the caller's client. */
  close(): Promise<void> {
    this.closed = true;
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.listeners.clear();
    this.subscriber.close();
    return Promise.resolve();
  }

  private emit(change: StoreChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // a listener's failure must not break the store
      }
    }
  }

  /** Runs one script for breaker `name` under the store-call discipline; `decode` errors are StoreErrors too. */
  private script<T>(
    name: string,
    operation: string,
    script: ScriptName,
    cfg: RuleConfig,
    extra: readonly string[],
    decode: (reply: unknown) => T,
    onLate?: (value: T) => void,
  ): Promise<T> {
    return this.bounded(
      name,
      operation,
      () => {
        if (hasBraces(name)) throw new Error('a breaker name must not contain braces (they would break the key hash tag)');
        const keys = this.keys(name);
        return runScript(this.client, script, [keys.hash, keys.probes], encodeArgs(name, this.channel, this.keyTtlMs, cfg, extra));
      },
      decode,
      onLate,
    );
  }

  /**
   * Starts `start()` once the connection gate admits it (see redis-gate.ts), and settles within
   * `timeoutMs` of sending: with the decoded reply, or with a StoreError. Never throws; a late reply
   * or error is swallowed (given to `onLate`).
   */
  private bounded<T>(
    name: string,
    operation: string,
    start: () => Promise<unknown>,
    decode?: (reply: unknown) => T,
    onLate?: (value: T) => void,
  ): Promise<T> {
    const command: StoreCommand<T> = { name, operation, start, decode, onLate };
    return this.gate.admit(
      () => sendCommand(command, this.timeoutMs, this.gate),
      (reason) => new StoreError(name, operation, reason),
    );
  }
}

/**
 * A breaker store in Redis (or Redis Cluster), shared by every instance using the same Redis and
 * prefix. The client stays the caller's: configure it with `enableOfflineQueue: false` and a small
 * `maxRetriesPerRequest`, and close it yourself; `store.close()` only closes the subscriber
 * connection the store opened.
 */
export function redisStore(client: RedisStoreClient, options?: RedisStoreOptions): RedisStore {
  return new RedisStore(client, options);
}

function flag(b: boolean): string {
  return b ? '1' : '0';
}

function checkPrefix(prefix: unknown): string {
  if (typeof prefix !== 'string' || prefix.length === 0 || prefix.length > 200 || !isKeyPart(prefix)) {
    throw new ConfigError('prefix', `must be a non-empty string of at most 200 characters without braces or whitespace, got ${describe(prefix)}`);
  }
  return prefix;
}

function checkChannel(channel: unknown): string {
  if (typeof channel !== 'string' || channel.length === 0 || /\s/.test(channel)) {
    throw new ConfigError('channel', `must be a non-empty string without whitespace, got ${describe(channel)}`);
  }
  return channel;
}
