/**
 * Drives test/redis/fixtures/breaker-child.ts: a real second OS process sharing a breaker.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { CircuitBreakerOptions } from '../../src/breaker/circuit-breaker.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/breaker-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface BreakerChild {
  readonly pid: number;
  /** `stateChange` events the child's breaker emitted, as `from->to`. */
  readonly transitions: string[];
  /** Messages of the `storeError` events the child's breaker emitted (expected: none). */
  readonly storeErrors: string[];
  send<T = Record<string, unknown>>(op: string, args?: Record<string, unknown>): Promise<T>;
  /** SIGKILL: the process dies without reporting anything. */
  kill(): Promise<void>;
  /** Graceful exit (closes its breaker, store and client). */
  exit(): Promise<void>;
}

export async function startBreakerChild(opts: {
  port: number;
  name: string;
  prefix: string;
  breaker?: Omit<CircuitBreakerOptions, 'store' | 'isFailure'>;
}): Promise<BreakerChild> {
  const proc: ChildProcess = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
    cwd: ROOT,
    env: {
      ...process.env,
      REDIS_PORT: String(opts.port),
      BREAKER_NAME: opts.name,
      STORE_PREFIX: opts.prefix,
      BREAKER_OPTIONS: JSON.stringify(opts.breaker ?? {}),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const pending = new Map<number, (reply: Record<string, unknown>) => void>();
  const transitions: string[] = [];
  const storeErrors: string[] = [];
  let nextId = 0;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));

  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`breaker child did not start within 15 s:\n${stderr}`)), 15_000);
    void exited.then(() => reject(new Error(`breaker child exited (${proc.exitCode ?? proc.signalCode}) before it was ready:\n${stderr}`)));
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return; // not a protocol line
      }
      if (msg.ready) {
        clearTimeout(timer);
        resolve();
      } else if (msg.event === 'stateChange') transitions.push(`${String(msg.from)}->${String(msg.to)}`);
      else if (msg.event === 'storeError') storeErrors.push(String(msg.message));
      else if (typeof msg.id === 'number') pending.get(msg.id)?.(msg);
    });
  });
  await ready;

  return {
    pid: proc.pid ?? -1,
    transitions,
    storeErrors,
    send<T>(op: string, args: Record<string, unknown> = {}) {
      const id = ++nextId;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`breaker child: no reply to ${op} within 10 s:\n${stderr}`)), 10_000);
        pending.set(id, (reply) => {
          clearTimeout(timer);
          pending.delete(id);
          if (typeof reply.error === 'string') reject(new Error(`breaker child: ${op} failed: ${reply.error}`));
          else resolve(reply as T);
        });
        proc.stdin!.write(`${JSON.stringify({ id, op, ...args })}\n`);
      });
    },
    async kill() {
      proc.kill('SIGKILL');
      await exited;
    },
    async exit() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.stdin!.write(`${JSON.stringify({ id: ++nextId, op: 'exit' })}\n`);
      const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
