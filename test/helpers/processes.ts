/**
 * Child processes for tests and benchmarks: free loopback ports, private `redis-server`s (spawned,
 * waited for, and SIGKILLed when this process exits if nobody stopped them), and waiting for a
 * process to exit. Used by test/helpers/redis-server.ts, test/helpers/redis-cluster.ts,
 * test/security/_servers.ts and bench/run.ts. `REDIS_SERVER_BIN` picks another redis-server binary.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection, createServer } from 'node:net';

/** The redis-server binary: `REDIS_SERVER_BIN`, else `redis-server` on PATH. */
export const REDIS_SERVER = process.env.REDIS_SERVER_BIN ?? 'redis-server';

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** SIGKILLs `proc` when this process exits, unless it has exited by then. Returns `proc`. */
export function killOnExit(proc: ChildProcess): ChildProcess {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const p of live) p.kill('SIGKILL');
    });
  }
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  return proc;
}

/** True while `proc` has neither exited nor been killed by a signal. */
export function isRunning(proc: ChildProcess): boolean {
  return proc.exitCode === null && proc.signalCode === null;
}

/** Resolves once `proc` has exited (at once when it already has). */
export function waitExit(proc: ChildProcess): Promise<void> {
  if (!isRunning(proc)) return Promise.resolve();
  return new Promise((resolve) => proc.once('exit', () => resolve()));
}

/**
 * What counts as ready: `pong`, the port answers `PING` with `+PONG`; `listening`, the port accepts
 * TCP connections (for a server that only speaks TLS, or answers `-NOAUTH` to a PING).
 */
export type RedisReadiness = 'pong' | 'listening';

export interface WaitForRedisOptions {
  /** Default `pong`. */
  until?: RedisReadiness;
  /** Default 5000. */
  timeoutMs?: number;
  /** The server's process: its exit ends the wait at once, with an error. */
  proc?: ChildProcess;
  /** The server's recent output, for the error message. */
  output?: () => string;
}

/** Resolves once the redis-server on `port` is ready. @throws Error when it exits first or the time is up */
export async function waitForRedis(port: number, options: WaitForRedisOptions = {}): Promise<void> {
  const { until = 'pong', timeoutMs = 5000, proc, output = () => '' } = options;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc && !isRunning(proc)) {
      throw new Error(`redis-server on port ${port} exited (${proc.exitCode ?? proc.signalCode}) before it was ready:\n${output()}`);
    }
    if (await probeOnce(port, until, 200)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`redis-server on port ${port} did not ${until === 'pong' ? 'answer PING' : 'listen'} within ${timeoutMs} ms:\n${output()}`);
}

function probeOnce(port: number, until: RedisReadiness, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let buf = '';
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('connect', () => (until === 'listening' ? done(true) : socket.write('PING\r\n')));
    socket.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
    socket.on('error', () => done(false));
  });
}

export interface SpawnRedisOptions extends Pick<WaitForRedisOptions, 'until' | 'timeoutMs'> {
  /** The port to wait on (the one `args` make it listen on, plain or TLS). */
  port: number;
  /** Its working directory (`--dir`), for the files a test makes it write. */
  dir?: string;
}

/**
 * Starts `redis-server` on 127.0.0.1 in the foreground, without persistence (`--save ""
 * --appendonly no`), then `args` (ports, and anything else; later arguments win), and resolves
 * once it is ready (see {@link waitForRedis}). It is killed when this process exits.
 * @throws Error when the binary is missing (the message says "not found"), or the server exits or
 *   is not ready in time (it is killed then)
 */
export async function spawnRedisServer(args: readonly string[], options: SpawnRedisOptions): Promise<ChildProcess> {
  const { port, dir, until, timeoutMs } = options;
  const all = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', ...(dir === undefined ? [] : ['--dir', dir]), ...args];
  let out = '';
  const proc = spawn(REDIS_SERVER, all, { stdio: ['ignore', 'pipe', 'pipe'] });
  const spawnError = new Promise<never>((_, reject) =>
    proc.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === 'ENOENT'
            ? `redis-server not found (looked for "${REDIS_SERVER}" on PATH; apt-get install redis-server)`
            : `could not start redis-server: ${err.message}`,
        ),
      ),
    ),
  );
  spawnError.catch(() => undefined);
  const keep = (d: Buffer) => (out = (out + d.toString()).slice(-4000));
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  killOnExit(proc);
  try {
    await Promise.race([spawnError, waitForRedis(port, { until, timeoutMs, proc, output: () => out })]);
  } catch (err) {
    if (isRunning(proc)) proc.kill('SIGKILL');
    throw err;
  }
  return proc;
}
