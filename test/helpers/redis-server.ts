/**
 * A private `redis-server` for one test file: its own port and temp dir, no persistence. Tests never
 * touch a shared Redis. If redis-server is missing or does not start, `startRedisServer` THROWS
 * (a Redis test must never be skipped silently).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { freePort, isRunning, spawnRedisServer, waitExit } from './processes.js';
import { untilReady } from './wait.js';

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

function spawnServer(port: number, dir: string): Promise<ChildProcess> {
  return spawnRedisServer(['--port', String(port)], { port, dir });
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
      await untilReady(client, 3000, `test client did not become ready on port ${port}`);
      return client;
    },
    stop: () => terminate('SIGTERM'),
    kill: () => terminate('SIGKILL'),
    async restart() {
      if (isRunning(current)) await terminate('SIGTERM');
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
      if (isRunning(current)) await terminate('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}
