/**
 * The IPC protocol between the fleet harness (parent, `fleet.ts`) and each fleet instance
 * (child process, `worker.ts`). Plain JSON over `process.send`.
 */

/** How one instance builds its LLM client. Sent with `configure`; a new one rebuilds the client. */
export interface WorkerConfig {
  /** `redis`: shared state (`redisStore` on the instance's own ioredis client); `memory`: per-process. */
  store: 'redis' | 'memory';
  redisPort?: number;
  /** Key prefix (a fresh one per scenario so scenarios never see each other's keys). */
  prefix: string;
  openaiBaseURL: string;
  anthropicBaseURL: string;
  /** Breaker options of the primary (`openai`). The fallback keeps lenient defaults. */
  breaker: {
    failureThreshold: number;
    resetTimeoutMs: number;
    successThreshold: number;
    halfOpenMaxProbes: number;
    probeLeaseMs: number;
    /** Failure-rate mode (replaces the consecutive rule) when set. */
    failureRate?: { threshold: number; windowMs: number; minimumCalls: number };
  };
  /** Per attempt. */
  timeoutMs: number;
  retries: number;
  /** redisStore options. */
  storeTimeoutMs: number;
  writeBehindMs: number;
  recoveryIntervalMs: number;
}

/** What an instance measured since the last `start`. */
export interface LoadStats {
  worker: number;
  calls: number;
  ok: number;
  failed: number;
  /** Calls served, by provider. */
  byProvider: Record<string, number>;
  /** Failed calls whose error (or any error in its chain) came from the store / Redis. */
  redisCaused: number;
  /** The first few failure messages (diagnostics). */
  failures: string[];
  maxLatencyMs: number;
  /** When the slowest call started (ms since epoch). */
  maxLatencyAt: number;
  p50LatencyMs: number;
  p99LatencyMs: number;
  /** `storeError` events of any breaker of this instance. */
  storeErrors: number;
  /** The longest store (Redis) operation a breaker awaited, and which one. */
  maxStoreWaitMs: number;
  maxStoreWaitOp: string;
  /** The longest store operation a call itself awaited (recordFailure, acquireProbe, releaseProbe). */
  maxCallStoreWaitMs: number;
  storeOps: number;
  /** The longest this process's event loop was blocked (GC, CPU starvation): scheduling noise in every timing above. */
  loopDelayMaxMs: number;
}

/** A breaker event, as the instance saw it, pushed to the parent as it happens. */
export type FleetEvent =
  | { kind: 'state'; worker: number; t: number; provider: string; from: string; to: string }
  | { kind: 'probe'; worker: number; t: number; provider: string; outcome: 'success' | 'failure' }
  | { kind: 'storeError'; worker: number; t: number; provider: string; operation: string; message: string };

export type Command =
  | { cmd: 'configure'; config: WorkerConfig }
  | { cmd: 'start'; concurrency: number; pauseMs: number }
  | { cmd: 'stop' }
  | { cmd: 'health' }
  | { cmd: 'forceOpen'; provider: string }
  | { cmd: 'forceClose'; provider: string }
  | { cmd: 'localState'; provider: string }
  | { cmd: 'shutdown' };

/** Parent → child. */
export interface Request {
  type: 'request';
  id: number;
  command: Command;
}

/** Child → parent. */
export type WorkerMessage =
  | { type: 'ready'; worker: number }
  | { type: 'reply'; id: number; ok: true; result: unknown }
  | { type: 'reply'; id: number; ok: false; error: string }
  | { type: 'event'; event: FleetEvent };

export interface HealthReply {
  worker: number;
  providers: Array<{ provider: string; state: string; localState: string; degraded: boolean; version: number | undefined }>;
}
