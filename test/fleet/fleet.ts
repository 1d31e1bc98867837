/**
 * The multi-process fleet harness. The parent (a test) owns:
 *
 * - one private `redis-server` (test/helpers/redis-server.ts) that the fleet shares,
 * - one mock LLM server (src/testing/mock-server.ts) speaking the OpenAI and Anthropic wire formats,
 *   driven by a script that decides each answer at arrival and logs every request
 *   (`{ t, route, worker, mode }`: the dead provider's request count is the figure),
 * - a Redis monitor subscribed to the breakers' pub/sub channel: every shared transition, with the
 *   Redis-clock `openedAt` and `version` of its snapshot,
 * - N real child processes (`worker.ts`), each with its own `createLLMClient` and its own ioredis
 *   client, controlled over IPC; their breaker events stream back with timestamps.
 *
 * Everything is torn down by `close()`, also when a test fails; children are SIGKILLed if they do
 * not shut down in time, and when the parent process exits.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll } from 'vitest';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { startMockLLMServer, type MockLLMServer, type MockReply, type MockRequest, type MockRoute, type MockMode } from '../../src/testing/index.js';
import { decodeMessage } from '../../src/breaker/redis-codec.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { sleep, waitFor as poll, type Check } from '../helpers/wait.js';
import type { Command, FleetEvent, HealthReply, LoadStats, Request, WorkerConfig, WorkerMessage } from './protocol.js';

const WORKER_FILE = fileURLToPath(new URL('./worker.ts', import.meta.url));

const liveChildren = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of liveChildren) c.kill('SIGKILL');
});

export { sleep };

/** Polls `pred` every 10 ms until it is truthy. @throws when `timeoutMs` passes first */
export const waitFor = <T>(pred: Check<T>, timeoutMs: number, what: string) => poll(pred, timeoutMs, what, 10);

// ------------------------------------------------------------------ provider traffic

/** One request the mock LLM server received. */
export interface TrafficEntry {
  /** Arrival (parent clock, ms since epoch). */
  t: number;
  route: MockRoute;
  /** The fleet instance that sent it (`x-fleet-worker` header), -1 if unknown. */
  worker: number;
  /** How it was answered. */
  mode: MockMode;
}

/** Decides and logs every answer of the mock server; the mode is fixed at arrival. */
export class Traffic {
  readonly log: TrafficEntry[] = [];
  private readonly modes: Record<MockRoute, MockMode> = { openai: 'ok', anthropic: 'ok' };
  /** Latency of `ok` answers. */
  okLatencyMs = 15;
  /** Latency of failed answers (a dead provider's 503 comes back at once by default). */
  failLatencyMs = 0;
  /** Every `every`-th request of `route` fails with a 500 (transient errors under load). */
  private flaky: { route: MockRoute; every: number } | undefined;
  /** A one-off override; return undefined to fall through to the route's mode. */
  intercept: ((req: MockRequest, entry: TrafficEntry) => MockReply | MockMode | undefined) | undefined;

  constructor(mock: MockLLMServer) {
    mock.script((req) => this.decide(req));
  }

  setMode(route: MockRoute, mode: MockMode): void {
    this.modes[route] = mode;
  }

  setFlaky(route: MockRoute, every: number | undefined): void {
    this.flaky = every ? { route, every } : undefined;
  }

  private decide(req: MockRequest): MockReply {
    const header = req.headers['x-fleet-worker'];
    const worker = typeof header === 'string' ? Number(header) : -1;
    let mode = this.modes[req.route];
    if (mode === 'ok' && this.flaky?.route === req.route && req.seq % this.flaky.every === 0) mode = 'error500';
    const entry: TrafficEntry = { t: Date.now(), route: req.route, worker, mode };
    const custom = this.intercept?.(req, entry);
    if (custom !== undefined) {
      const reply: MockReply = typeof custom === 'string' ? { mode: custom } : custom;
      entry.mode = reply.mode ?? mode;
      this.log.push(entry);
      return { delayMs: entry.mode === 'ok' ? this.okLatencyMs : this.failLatencyMs, ...reply, mode: entry.mode };
    }
    this.log.push(entry);
    return { mode, delayMs: mode === 'ok' ? this.okLatencyMs : this.failLatencyMs };
  }

  /** Requests of `route` that arrived in [from, to). */
  between(route: MockRoute, from: number, to = Number.POSITIVE_INFINITY): TrafficEntry[] {
    return this.log.filter((e) => e.route === route && e.t >= from && e.t < to);
  }
}

// ------------------------------------------------------------------ shared-state monitor

/** A transition published by a Lua script (what every instance's mirror follows). */
export interface Transition {
  /** Received (parent clock). */
  t: number;
  name: string;
  state: string;
  forced: boolean;
  /** Redis clock. */
  openedAt: number;
  version: number;
  successes: number;
}

/** Subscribes to the breakers' channel with its own connection, and records every transition. */
class Monitor {
  readonly transitions: Transition[] = [];
  private channel: string | undefined;
  private constructor(private readonly sub: Redis) {
    sub.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      const change = decodeMessage(message);
      if (change?.type !== 'change') return;
      const s = change.snapshot;
      this.transitions.push({ t: Date.now(), name: change.name, state: s.state, forced: s.forced, openedAt: s.openedAt, version: s.version, successes: s.successes });
    });
  }

  static async start(port: number): Promise<Monitor> {
    const sub = new Redis({ host: '127.0.0.1', port, enableOfflineQueue: true, maxRetriesPerRequest: null, retryStrategy: () => 20, lazyConnect: true });
    sub.on('error', () => undefined);
    await sub.connect();
    return new Monitor(sub);
  }

  async follow(channel: string): Promise<void> {
    if (this.channel !== undefined) await this.sub.unsubscribe(this.channel).catch(() => undefined);
    this.channel = channel;
    this.transitions.length = 0;
    await this.sub.subscribe(channel);
  }

  of(name: string, state?: string, from = 0): Transition[] {
    return this.transitions.filter((x) => x.name === name && (state === undefined || x.state === state) && x.t >= from);
  }

  close(): void {
    this.sub.disconnect();
  }
}

// ------------------------------------------------------------------ workers

export class WorkerHandle {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private stderr = '';
  exited = false;

  constructor(
    readonly index: number,
    readonly proc: ChildProcess,
    onEvent: (e: FleetEvent) => void,
  ) {
    proc.stderr?.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    proc.on('message', (raw: unknown) => {
      const msg = raw as WorkerMessage;
      if (msg.type === 'event') onEvent(msg.event);
      else if (msg.type === 'reply') {
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        if (msg.ok) p.resolve(msg.result);
        else p.reject(new Error(`worker ${index}: ${msg.error}`));
      }
    });
    proc.once('exit', (code, signal) => {
      this.exited = true;
      liveChildren.delete(proc);
      for (const p of this.pending.values()) p.reject(new Error(`worker ${index} exited (${code ?? signal}) ${this.stderr}`));
      this.pending.clear();
    });
  }

  get pid(): number {
    return this.proc.pid as number;
  }

  call<T>(command: Command, timeoutMs = 15_000): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`worker ${this.index} is gone`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`worker ${this.index}: no reply to ${command.cmd} within ${timeoutMs} ms ${this.stderr}`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      const req: Request = { type: 'request', id, command };
      this.proc.send(req);
    });
  }

  /** SIGKILL: the process dies with whatever it holds (a probe lease, sockets). */
  kill(): Promise<void> {
    if (this.exited) return Promise.resolve();
    const gone = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.proc.kill('SIGKILL');
    return gone;
  }
}

function spawnWorker(index: number, onEvent: (e: FleetEvent) => void): Promise<WorkerHandle> {
  const proc = fork(WORKER_FILE, [String(index)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: { ...process.env, NODE_NO_WARNINGS: '1', OTEL_SDK_DISABLED: 'true' },
  });
  liveChildren.add(proc);
  const handle = new WorkerHandle(index, proc, onEvent);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`fleet worker ${index} did not start within 30 s`)), 30_000);
    const onMessage = (raw: unknown) => {
      if ((raw as WorkerMessage).type !== 'ready') return;
      clearTimeout(timer);
      proc.off('message', onMessage);
      resolve(handle);
    };
    proc.on('message', onMessage);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`fleet worker ${index} exited during start (${code ?? signal})`));
    });
  });
}

// ------------------------------------------------------------------ the fleet

/** Scenario settings; each `configure` gives the fleet fresh breaker state (a new key prefix). */
export type FleetConfig = Omit<WorkerConfig, 'redisPort' | 'prefix' | 'openaiBaseURL' | 'anthropicBaseURL'>;

export const DEFAULT_CONFIG: FleetConfig = {
  store: 'redis',
  breaker: { failureThreshold: 3, resetTimeoutMs: 400, successThreshold: 2, halfOpenMaxProbes: 1, probeLeaseMs: 2500 },
  timeoutMs: 2000,
  retries: 1,
  storeTimeoutMs: 150,
  writeBehindMs: 50,
  recoveryIntervalMs: 250,
};

let prefixCounter = 0;

export class Fleet {
  readonly events: FleetEvent[] = [];
  config: FleetConfig = DEFAULT_CONFIG;
  prefix = '';

  private constructor(
    readonly redis: RedisServer,
    readonly mock: MockLLMServer,
    readonly traffic: Traffic,
    readonly monitor: Monitor,
    readonly workers: WorkerHandle[],
  ) {}

  /** Starts Redis, the mock server, the monitor and `size` instances. Cleans up if any of it fails. */
  static async start(size: number): Promise<Fleet> {
    const events: FleetEvent[] = [];
    let redis: RedisServer | undefined;
    let mock: MockLLMServer | undefined;
    let monitor: Monitor | undefined;
    const started: WorkerHandle[] = [];
    try {
      redis = await startRedisServer();
      mock = await startMockLLMServer();
      monitor = await Monitor.start(redis.port);
      const traffic = new Traffic(mock);
      const results = await Promise.allSettled(
        Array.from({ length: size }, (_, i) =>
          spawnWorker(i, (e) => events.push(e)).then((w) => {
            started.push(w);
            return w;
          }),
        ),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      const workers = [...started].sort((a, b) => a.index - b.index);
      const fleet = new Fleet(redis, mock, traffic, monitor, workers);
      (fleet as { events: FleetEvent[] }).events = events;
      return fleet;
    } catch (err) {
      await Promise.all(started.map((w) => w.kill()));
      monitor?.close();
      await mock?.close();
      await redis?.close();
      throw err;
    }
  }

  get alive(): WorkerHandle[] {
    return this.workers.filter((w) => !w.exited);
  }

  /** Every live instance rebuilds its client with `config`, on a fresh key prefix (fresh state). */
  async configure(config: Partial<FleetConfig> = {}): Promise<void> {
    this.config = { ...DEFAULT_CONFIG, ...config, breaker: { ...DEFAULT_CONFIG.breaker, ...config.breaker } };
    this.prefix = `fleet${process.pid}-${++prefixCounter}`;
    await this.monitor.follow(`${this.prefix}:events`);
    this.traffic.log.length = 0;
    this.traffic.intercept = undefined;
    this.traffic.failLatencyMs = 0;
    this.traffic.setFlaky('openai', undefined);
    this.traffic.setMode('openai', 'ok');
    this.traffic.setMode('anthropic', 'ok');
    const full: WorkerConfig = {
      ...this.config,
      redisPort: this.redis.port,
      prefix: this.prefix,
      openaiBaseURL: this.mock.openaiBaseURL,
      anthropicBaseURL: this.mock.anthropicBaseURL,
    };
    await Promise.all(this.alive.map((w) => w.call({ cmd: 'configure', config: full })));
    this.events.length = 0;
  }

  /** Every live instance starts `concurrency` calls in flight, continuously. */
  async start(concurrency: number, pauseMs = 0): Promise<void> {
    await Promise.all(this.alive.map((w) => w.call({ cmd: 'start', concurrency, pauseMs })));
  }

  /** Stops the load (waits for calls in flight) and returns each live instance's figures. */
  async stop(): Promise<LoadStats[]> {
    return Promise.all(this.alive.map((w) => w.call<LoadStats>({ cmd: 'stop' })));
  }

  health(): Promise<HealthReply[]> {
    return Promise.all(this.alive.map((w) => w.call<HealthReply>({ cmd: 'health' })));
  }

  /** Breaker events of `kind` (optionally one provider), in arrival order. */
  eventsOf<K extends FleetEvent['kind']>(kind: K, provider?: string): Extract<FleetEvent, { kind: K }>[] {
    return this.events.filter((e): e is Extract<FleetEvent, { kind: K }> => e.kind === kind && (provider === undefined || e.provider === provider));
  }

  /** Shuts every instance down (SIGKILL after 3 s), then the monitor, the mock server and Redis. */
  async close(): Promise<void> {
    await Promise.all(
      this.alive.map(async (w) => {
        const bye = w.call({ cmd: 'shutdown' }, 3000).catch(() => undefined);
        const exited = new Promise<void>((r) => (w.exited ? r() : w.proc.once('exit', () => r())));
        await Promise.race([Promise.all([bye, exited]), sleep(3000)]);
        await w.kill();
      }),
    );
    this.monitor.close();
    await this.mock.close();
    await this.redis.close();
  }
}

/** Starts a fleet of `size` instances before the file's tests and closes it after them. */
export function useFleet(size: number): { readonly fleet: Fleet } {
  let fleet: Fleet | undefined;
  beforeAll(async () => {
    fleet = await Fleet.start(size);
  }, 60_000);
  afterAll(async () => {
    await fleet?.close();
  }, 20_000);
  return {
    get fleet(): Fleet {
      if (!fleet) throw new Error('the fleet is not started yet (use it inside tests)');
      return fleet;
    },
  };
}

/** Sums LoadStats across instances. */
export interface Totals {
  calls: number;
  ok: number;
  failed: number;
  redisCaused: number;
  storeErrors: number;
  maxLatencyMs: number;
  /** The worst instance's p99. */
  p99LatencyMs: number;
  maxStoreWaitMs: number;
  maxStoreWaitOp: string;
  maxCallStoreWaitMs: number;
  storeOps: number;
  loopDelayMaxMs: number;
  byProvider: Record<string, number>;
  failures: string[];
}

export function totals(stats: LoadStats[]): Totals {
  const slowestStore = stats.reduce<LoadStats | undefined>((a, s) => (a === undefined || s.maxStoreWaitMs > a.maxStoreWaitMs ? s : a), undefined);
  const byProvider: Record<string, number> = {};
  for (const s of stats) for (const [k, v] of Object.entries(s.byProvider)) byProvider[k] = (byProvider[k] ?? 0) + v;
  return {
    calls: stats.reduce((a, s) => a + s.calls, 0),
    ok: stats.reduce((a, s) => a + s.ok, 0),
    failed: stats.reduce((a, s) => a + s.failed, 0),
    redisCaused: stats.reduce((a, s) => a + s.redisCaused, 0),
    storeErrors: stats.reduce((a, s) => a + s.storeErrors, 0),
    maxLatencyMs: Math.max(0, ...stats.map((s) => s.maxLatencyMs)),
    p99LatencyMs: Math.max(0, ...stats.map((s) => s.p99LatencyMs)),
    maxStoreWaitMs: slowestStore?.maxStoreWaitMs ?? 0,
    maxStoreWaitOp: slowestStore?.maxStoreWaitOp ?? '',
    maxCallStoreWaitMs: Math.max(0, ...stats.map((s) => s.maxCallStoreWaitMs)),
    storeOps: stats.reduce((a, s) => a + s.storeOps, 0),
    loopDelayMaxMs: Math.max(0, ...stats.map((s) => s.loopDelayMaxMs)),
    byProvider,
    failures: stats.flatMap((s) => s.failures).slice(0, 10),
  };
}
