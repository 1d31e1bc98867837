/**
 * One fleet instance: a child process running its own `createLLMClient` (OpenAI primary, Anthropic
 * fallback, both pointed at the parent's mock LLM server), with its breaker state in Redis (its own
 * ioredis client, configured as the README recommends) or in a per-process memory store.
 *
 * Controlled by the parent over IPC (see protocol.ts): `configure`, `start` K calls in flight
 * continuously, `stop` and report what it measured, operator commands, `shutdown`. Breaker events
 * are pushed to the parent as they happen, with wall-clock timestamps (one machine, one clock).
 *
 * Started by fleet.ts with `fork(worker.ts, [id], { execArgv: ['--import', 'tsx'] })`.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { createLLMClient, memoryStore, type BreakerStore, type LLMClient } from '../../src/index.js';
import { redisStore } from '../../src/breaker/redis-store.js';
import { isStoreError } from '../../src/errors/store-error.js';
import { openai } from '../../providers/openai/index.js';
import { anthropic } from '../../providers/anthropic/index.js';
import type { Command, FleetEvent, HealthReply, LoadStats, Request, WorkerConfig, WorkerMessage } from './protocol.js';

const WORKER = Number(process.argv[2] ?? '0');
const PROVIDERS = ['openai', 'anthropic'] as const;

function send(msg: WorkerMessage): void {
  if (process.connected) process.send?.(msg);
}
function emit(event: FleetEvent): void {
  send({ type: 'event', event });
}

// ------------------------------------------------------------------ the instance

interface Instance {
  llm: LLMClient;
  store: BreakerStore;
  redis: Redis | undefined;
  config: WorkerConfig;
}
let current: Instance | undefined;
let storeErrors = 0;

/** The client options the README recommends: fail fast while Redis is away, reconnect fast. */
async function connectRedis(port: number): Promise<Redis> {
  const redis = new Redis({
    host: '127.0.0.1',
    port,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 500,
    retryStrategy: (times: number) => Math.min(20 * times, 200),
    lazyConnect: true,
  });
  redis.on('error', () => undefined); // reconnects are expected (Redis is killed on purpose)
  await redis.connect();
  return redis;
}

async function build(config: WorkerConfig): Promise<Instance> {
  const redis = config.store === 'redis' ? await connectRedis(config.redisPort as number) : undefined;
  const store: BreakerStore = redis
    ? timed(redisStore(redis, {
        prefix: config.prefix,
        timeoutMs: config.storeTimeoutMs,
        writeBehindMs: config.writeBehindMs,
        recoveryIntervalMs: config.recoveryIntervalMs,
      }))
    : memoryStore();
  const headers = { 'x-fleet-worker': String(WORKER) };
  const llm = createLLMClient({
    providers: [
      openai({ model: 'gpt-4o-mini', baseURL: config.openaiBaseURL, apiKey: 'sk-fleet-test', defaultHeaders: headers, breaker: config.breaker }),
      anthropic({ model: 'claude-haiku-4-5', baseURL: config.anthropicBaseURL, apiKey: 'sk-ant-fleet-test', defaultHeaders: headers }),
    ],
    store,
    breaker: { failureThreshold: 1000, resetTimeoutMs: 1000, probeLeaseMs: config.breaker.probeLeaseMs },
    retry: { retries: config.retries, minDelayMs: 10, maxDelayMs: 20 },
    timeoutMs: config.timeoutMs,
    deadlineMs: 10_000,
    telemetry: false,
  });
  for (const provider of PROVIDERS) {
    const b = llm.breaker(provider);
    b.on('stateChange', ({ from, to }) => emit({ kind: 'state', worker: WORKER, t: Date.now(), provider, from, to }));
    b.on('success', ({ probe }) => {
      if (probe) emit({ kind: 'probe', worker: WORKER, t: Date.now(), provider, outcome: 'success' });
    });
    b.on('failure', ({ probe, counted }) => {
      if (probe && counted) emit({ kind: 'probe', worker: WORKER, t: Date.now(), provider, outcome: 'failure' });
    });
    b.on('storeError', ({ error }) => {
      storeErrors++;
      emit({ kind: 'storeError', worker: WORKER, t: Date.now(), provider, operation: error.operation, message: error.message });
    });
  }
  // Wait until both breakers read their state from the store (a new instance must not assume CLOSED).
  await Promise.all(PROVIDERS.map((p) => llm.breaker(p).getState()));
  return { llm, store, redis, config };
}

/**
 * Times every store operation the breakers await (the store is the Redis store; while a breaker
 * runs on its local fallback it does not come through here). Its longest wait is how long a call
 * can have waited on Redis.
 */
const CALL_PATH_OPS = new Set(['recordFailure', 'acquireProbe', 'releaseProbe']);
const TIMED_OPS = new Set(['recordSuccesses', 'recordFailure', 'acquireProbe', 'releaseProbe', 'forceOpen', 'forceClose', 'reset', 'read', 'ping']);
function timed(store: BreakerStore): BreakerStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string' || !TIMED_OPS.has(prop) || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const t0 = performance.now();
        const settle = () => {
          const ms = performance.now() - t0;
          stats.storeOps++;
          if (ms > stats.maxStoreWaitMs) {
            stats.maxStoreWaitMs = ms;
            stats.maxStoreWaitOp = prop;
          }
          if (CALL_PATH_OPS.has(prop) && ms > stats.maxCallStoreWaitMs) stats.maxCallStoreWaitMs = ms;
        };
        const p = (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        p.then(settle, settle);
        return p;
      };
    },
  });
}

async function teardown(inst: Instance | undefined): Promise<void> {
  if (!inst) return;
  await inst.llm.close().catch(() => undefined);
  await inst.store.close().catch(() => undefined);
  inst.redis?.disconnect();
}

// ------------------------------------------------------------------ load

const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
let running = false;
let loops: Promise<void>[] = [];
let stats: LoadStats = freshStats();
let latencies: number[] = [];

function freshStats(): LoadStats {
  return {
    worker: WORKER,
    calls: 0,
    ok: 0,
    failed: 0,
    byProvider: {},
    redisCaused: 0,
    failures: [],
    maxLatencyMs: 0,
    maxLatencyAt: 0,
    p50LatencyMs: 0,
    p99LatencyMs: 0,
    storeErrors: 0,
    maxStoreWaitMs: 0,
    maxStoreWaitOp: '',
    maxCallStoreWaitMs: 0,
    storeOps: 0,
    loopDelayMaxMs: 0,
  };
}

/** True when `err`, or anything in its cause / errors / attempts chain, came from the store or Redis. */
function fromRedis(err: unknown, depth = 0): boolean {
  if (depth > 6 || typeof err !== 'object' || err === null) return false;
  if (isStoreError(err)) return true;
  const e = err as { name?: unknown; message?: unknown; cause?: unknown; errors?: unknown; attempts?: unknown };
  const name = typeof e.name === 'string' ? e.name : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (/ReplyError|MaxRetriesPerRequest|ClusterAllFailed/.test(name)) return true;
  if (/redis|Connection is closed|Stream isn't writeable|enableOfflineQueue/i.test(message)) return true;
  if (fromRedis(e.cause, depth + 1)) return true;
  if (Array.isArray(e.errors) && e.errors.some((x) => fromRedis(x, depth + 1))) return true;
  if (Array.isArray(e.attempts) && e.attempts.some((a) => fromRedis((a as { error?: unknown }).error, depth + 1))) return true;
  return false;
}

async function loop(llm: LLMClient, pauseMs: number, slot: number): Promise<void> {
  let n = 0;
  while (running) {
    const startedAt = Date.now();
    const t0 = performance.now();
    try {
      const res = await llm.complete({ messages: [{ role: 'user', content: `fleet ${WORKER}.${slot}.${n++}` }], maxTokens: 16 });
      stats.ok++;
      stats.byProvider[res.provider] = (stats.byProvider[res.provider] ?? 0) + 1;
    } catch (err) {
      stats.failed++;
      if (fromRedis(err)) stats.redisCaused++;
      if (stats.failures.length < 5) stats.failures.push(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
    }
    const ms = performance.now() - t0;
    stats.calls++;
    latencies.push(ms);
    if (ms > stats.maxLatencyMs) {
      stats.maxLatencyMs = ms;
      stats.maxLatencyAt = startedAt;
    }
    if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

// ------------------------------------------------------------------ commands

async function handle(command: Command): Promise<unknown> {
  switch (command.cmd) {
    case 'configure': {
      if (running) throw new Error('stop the load before reconfiguring');
      const old = current;
      current = undefined;
      await teardown(old);
      current = await build(command.config);
      return { worker: WORKER };
    }
    case 'start': {
      if (!current) throw new Error('not configured');
      if (running) throw new Error('already running');
      running = true;
      stats = freshStats();
      latencies = [];
      storeErrors = 0;
      loopDelay.reset();
      const { llm } = current;
      loops = Array.from({ length: command.concurrency }, (_, i) => loop(llm, command.pauseMs, i));
      return { worker: WORKER };
    }
    case 'stop': {
      running = false;
      await Promise.all(loops);
      loops = [];
      const sorted = [...latencies].sort((a, b) => a - b);
      stats.p50LatencyMs = percentile(sorted, 0.5);
      stats.p99LatencyMs = percentile(sorted, 0.99);
      stats.storeErrors = storeErrors;
      stats.loopDelayMaxMs = loopDelay.max / 1e6;
      return stats;
    }
    case 'health': {
      if (!current) throw new Error('not configured');
      const { llm } = current;
      const reply: HealthReply = {
        worker: WORKER,
        providers: await Promise.all(
          PROVIDERS.map(async (provider) => {
            const b = llm.breaker(provider);
            const snap = await b.snapshot();
            return { provider, state: snap.state, localState: b.localState, degraded: snap.degraded, version: b.lastSnapshot?.version };
          }),
        ),
      };
      return reply;
    }
    case 'localState':
      if (!current) throw new Error('not configured');
      return current.llm.breaker(command.provider).localState;
    case 'forceOpen':
      if (!current) throw new Error('not configured');
      await current.llm.breaker(command.provider).forceOpen();
      return current.llm.breaker(command.provider).localState;
    case 'forceClose':
      if (!current) throw new Error('not configured');
      await current.llm.breaker(command.provider).forceClose();
      return current.llm.breaker(command.provider).localState;
    case 'shutdown': {
      running = false;
      await Promise.all(loops);
      await teardown(current);
      current = undefined;
      setTimeout(() => process.exit(0), 10).unref();
      return { worker: WORKER };
    }
  }
}

process.on('message', (raw: unknown) => {
  const req = raw as Request;
  if (req?.type !== 'request') return;
  handle(req.command).then(
    (result) => send({ type: 'reply', id: req.id, ok: true, result }),
    (err: unknown) => send({ type: 'reply', id: req.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});
// The parent went away (crashed test runner): never outlive it.
process.on('disconnect', () => process.exit(0));
process.on('unhandledRejection', (err) => {
  process.stderr.write(`fleet worker ${WORKER}: unhandled rejection: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(70);
});

send({ type: 'ready', worker: WORKER });
