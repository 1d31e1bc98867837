/**
 * A private `redis-server` for one test file: its own port and temp dir, no persistence. Tests never
 * touch a shared Redis. If redis-server is missing or does not start, `startRedisServer` THROWS
 * (a Redis test must never be skipped silently).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';

export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** An ioredis client for tests (fail fast, reconnect fast), resolved once it is ready. */
  createClient(options?: RedisOptions): Promise<Redis>;
  /** Stops the server (SIGTERM) and waits for it to exit. Clients stay (and keep reconnecting). */
  stop(): Promise<void>;
  /** Kills the server (SIGKILL), as a crash, and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts the server again on the same port (empty: no persistence) and waits until it answers. */
  restart(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open, nothing answers. */
  pause(): void;
  /** Unfreezes it (SIGCONT). */
  resume(): void;
  /** Disconnects every client made by `createClient`, stops the server and removes its temp dir. */
  close(): Promise<void>;
}

const REDIS_SERVER = process.env.REDIS_SERVER_BIN ?? 'redis-server';
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

function freePort(): Promise<number> {
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

/** Resolves when the port answers PING with PONG. */
function pingOnce(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let buf = '';
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
    socket.on('error', () => done(false));
  });
}

async function waitUntilAnswers(port: number, proc: ChildProcess, output: () => string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`redis-server on port ${port} exited (${proc.exitCode ?? proc.signalCode}) before answering:\n${output()}`);
    }
    if (await pingOnce(port, 200)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms:\n${output()}`);
}

function waitExit(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => proc.once('exit', () => resolve()));
}

async function spawnServer(port: number, dir: string): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'];
  let out = '';
  const proc = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const spawnError = new Promise<never>((_, reject) =>
    proc.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === 'ENOENT'
            ? `redis-server not found (looked for "${REDIS_SERVER}" on PATH). The Redis tests need it: apt-get install redis-server`
            : `could not start redis-server: ${err.message}`,
        ),
      ),
    ),
  );
  spawnError.catch(() => undefined);
  proc.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
  proc.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  await Promise.race([spawnError, waitUntilAnswers(port, proc, () => out)]);
  return proc;
}

/** Starts a private redis-server on a free port. @throws Error when it cannot be started */
export async function startRedisServer(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'llmb-redis-'));
  let port = 0;
  let proc: ChildProcess | undefined;
  let lastError: unknown;
  for (let attempt = 0; attempt < 3 && !proc; attempt++) {
    port = await freePort();
    try {
      proc = await spawnServer(port, dir);
    } catch (err) {
      lastError = err;
      if (err instanceof Error && err.message.includes('not found')) break;
    }
  }
  if (!proc) {
    rmSync(dir, { recursive: true, force: true });
    throw lastError instanceof Error ? lastError : new Error(String(lastError));
  }
  let current: ChildProcess = proc;
  let paused = false;
  const clients = new Set<Redis>();

  const terminate = async (signal: NodeJS.Signals) => {
    if (paused && signal !== 'SIGKILL') current.kill('SIGCONT');
    paused = false;
    current.kill(signal);
    await waitExit(current);
  };

  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async createClient(options: RedisOptions = {}) {
      const client = new Redis({
        host: '127.0.0.1',
        port,
        maxRetriesPerRequest: 1,
        enableOfflineQueue: false,
        lazyConnect: false,
        connectTimeout: 1000,
        retryStrategy: () => 20,
        ...options,
      });
      client.on('error', () => undefined); // reconnects are expected in these tests
      clients.add(client);
      client.once('end', () => clients.delete(client));
      if (client.status !== 'ready') {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`test client did not become ready on port ${port}`)), 3000);
          client.once('ready', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return client;
    },
    stop: () => terminate('SIGTERM'),
    kill: () => terminate('SIGKILL'),
    async restart() {
      if (current.exitCode === null && current.signalCode === null) await terminate('SIGTERM');
      current = await spawnServer(port, dir);
    },
    pause() {
      current.kill('SIGSTOP');
      paused = true;
    },
    resume() {
      current.kill('SIGCONT');
      paused = false;
    },
    async close() {
      for (const c of clients) c.disconnect();
      clients.clear();
      if (current.exitCode === null && current.signalCode === null) await terminate('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}
