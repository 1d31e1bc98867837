/**
 * Running the `llm-breaker` CLI in tests: in process (`runCli` with captured streams) and as a real
 * child process of the entry point (src/cli/index.ts through tsx), plus a loopback port where
 * nothing listens.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli/main.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What one run printed and its exit code. */
export interface Run {
  code: number;
  out: string;
  err: string;
}

/** Runs the CLI in this process (no environment: REDIS_URL unset). */
export async function cli(args: string[], signal?: AbortSignal, onOut?: (text: string) => void): Promise<Run> {
  let out = '';
  let err = '';
  const code = await runCli(args, {
    stdout: {
      write: (t: string) => {
        out += t;
        onOut?.(out);
      },
    },
    stderr: { write: (t: string) => (err += t) },
    env: {},
    ...(signal ? { signal } : {}),
  });
  return { code, out, err };
}

/** Runs the CLI as a child process; `env` is added to this process's (REDIS_URL empty unless given). */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/index.ts', ...args],
      { cwd: ROOT, timeout: 15_000, env: { ...process.env, REDIS_URL: '', ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, out: stdout, err: stderr });
      },
    );
  });
}

/** A port on 127.0.0.1 where nothing listens. */
export function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 1));
    });
  });
}
