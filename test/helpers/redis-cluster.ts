/**
 * A private 3-master Redis Cluster on loopback for one test file: three `redis-server
 * --cluster-enabled yes` processes on free ports (and free cluster-bus ports), joined with
 * `redis-cli --cluster create … --cluster-replicas 0 --cluster-yes`, ready once every node reports
 * `cluster_state:ok` (about two seconds). If anything fails, what was started is torn down before
 * the error is thrown (a cluster test must never be skipped silently, nor leave processes behind).
 * `REDIS_SERVER_BIN` / `REDIS_CLI_BIN` pick other binaries.
 *
 * Used by test/cli/cli-cluster.test.ts (`nodes`, `url`, `createClient`, `close`) and
 * test/cluster/cluster.test.ts (also `keySlot`, `ownerOf`, `nodeClient`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis, type ClusterOptions } from 'ioredis';
import { freePort, isRunning, spawnRedisServer, waitExit } from './processes.js';
import { untilReady, waitFor } from './wait.js';

export { Redis };

const REDIS_CLI = process.env.REDIS_CLI_BIN ?? 'redis-cli';

export interface ClusterNodeInfo {
  readonly host: string;
  readonly port: number;
  /** `127.0.0.1:<port>`, as ioredis names the node. */
  readonly key: string;
  /** The node's id (`CLUSTER MYID`). */
  readonly id: string;
}

export interface RedisCluster {
  /** The masters (usable as ioredis startup nodes). */
  readonly nodes: readonly ClusterNodeInfo[];
  /** `redis://127.0.0.1:<port>` of the first master (a seed node). */
  readonly url: string;
  /**
   * A ready ioredis Cluster client on every master; disconnected by `close()`. `options` are passed
   * to ioredis as they are (pass `enableOfflineQueue: false` for a store client that fails fast).
   */
  createClient(options?: ClusterOptions): Promise<Cluster>;
  /** A plain (non-cluster) connection to one node, for inspecting what that node holds. */
  nodeClient(port: number): Promise<Redis>;
  /** The slot of `key` (`CLUSTER KEYSLOT`). */
  keySlot(key: string): Promise<number>;
  /** The master that owns `slot`. */
  ownerOf(slot: number): Promise<ClusterNodeInfo>;
  /** Disconnects every client made here, kills the servers and removes the temp dir. Idempotent. */
  close(): Promise<void>;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new Error(err.code === 'ENOENT' ? `${cmd} not found on PATH (apt-get install redis-server redis-tools)` : err.message));
    });
    p.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** Polls `probe` every 25 ms until it holds; a probe that throws counts as "not yet". */
async function until(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  let last: unknown;
  const attempt = () =>
    probe().catch((err: unknown) => {
      last = err;
      return false;
    });
  await waitFor(attempt, timeoutMs, what, 25).catch(() => {
    throw new Error(`redis cluster: ${what} within ${timeoutMs} ms${last ? ` (last error: ${String(last)})` : ''}`);
  });
}

/** Starts a 3-master cluster. @throws Error (after cleaning up) when it cannot be started */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'llmb-cluster-'));
  const procs: ChildProcess[] = [];
  const clients = new Set<Redis | Cluster>();
  let closed = false;

  const close = async () => {
    if (closed) return;
    closed = true;
    for (const c of clients) c.disconnect();
    clients.clear();
    for (const p of procs) if (isRunning(p)) p.kill('SIGKILL');
    await Promise.all(procs.map(waitExit));
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const ports: number[] = [];
    const busPorts: number[] = [];
    const taken = new Set<number>();
    while (ports.length < masters) {
      const p = await freePort();
      const bus = await freePort();
      if (taken.has(p) || taken.has(bus) || p === bus) continue;
      taken.add(p).add(bus);
      ports.push(p);
      busPorts.push(bus);
    }
    for (const [i, port] of ports.entries()) {
      const args = [
        '--port', String(port),
        '--cluster-port', String(busPorts[i]),
        '--cluster-enabled', 'yes',
        '--cluster-config-file', join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout', '2000',
      ];
      procs.push(await spawnRedisServer(args, { port, dir }));
    }

    const create = await run(
      REDIS_CLI,
      ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'],
      30_000,
    );
    if (create.code !== 0) throw new Error(`redis-cli --cluster create failed (${create.code}):\n${create.out}`);

    for (const port of ports) {
      await until(`node ${port} never reported cluster_state:ok`, 15_000, async () => {
        const r = await run(REDIS_CLI, ['-p', String(port), 'CLUSTER', 'INFO'], 2000);
        return /cluster_state:ok/.test(r.out);
      });
    }

    const nodes: ClusterNodeInfo[] = [];
    for (const port of ports) {
      const r = await run(REDIS_CLI, ['-p', String(port), 'CLUSTER', 'MYID'], 2000);
      nodes.push({ host: '127.0.0.1', port, key: `127.0.0.1:${port}`, id: r.out.trim() });
    }

    let admin: Cluster | undefined;
    const handle: RedisCluster = {
      nodes,
      url: `redis://127.0.0.1:${ports[0]}`,
      async createClient(options: ClusterOptions = {}) {
        const c = new Cluster(
          ports.map((port) => ({ host: '127.0.0.1', port })),
          { enableOfflineQueue: true, slotsRefreshTimeout: 2000, ...options },
        );
        c.on('error', () => undefined); // reconnects are expected in tests
        clients.add(c);
        await untilReady(c, 10_000, 'test Cluster client did not become ready');
        return c;
      },
      async nodeClient(port: number) {
        const c = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, connectTimeout: 1000 });
        c.on('error', () => undefined);
        clients.add(c);
        return c;
      },
      async keySlot(key: string) {
        admin ??= await handle.createClient({ enableOfflineQueue: false });
        return Number(await admin.cluster('KEYSLOT', key));
      },
      async ownerOf(slot: number) {
        admin ??= await handle.createClient({ enableOfflineQueue: false });
        const ranges = (await admin.cluster('SLOTS')) as unknown as Array<[number, number, [string, number, string]]>;
        for (const [from, to, master] of ranges) {
          if (slot >= from && slot <= to) {
            const node = nodes.find((n) => n.port === Number(master[1]));
            if (node) return node;
          }
        }
        throw new Error(`no master owns slot ${slot}`);
      },
      close,
    };
    return handle;
  } catch (err) {
    await close();
    throw err;
  }
}
