/**
 * A short script that closes its own Redis client exits, even if it never closed the breaker or
 * the LLM client (issue 10 §7): the store's subscriber connection follows the caller's client and
 * never holds the process open by itself. The script's operator action, sent while its client was
 * still connecting, reaches Redis (§1). Real child processes (test/redis/fixtures/short-script.ts).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { killOnExit } from '../helpers/processes.js';
import { uniqueName, useRedis } from './fixture.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/short-script.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Bound on the script's whole life (start-up of node + tsx included, on a loaded machine). */
const EXIT_BOUND_MS = 15_000;

const redis = useRedis();

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  exitedByItself: boolean;
}

function runScript(env: Record<string, string>): Promise<Run> {
  const proc = killOnExit(spawn(process.execPath, ['--import', 'tsx', SCRIPT], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
  let stdout = '';
  let stderr = '';
  proc.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => {
    let exitedByItself = true;
    const timer = setTimeout(() => {
      exitedByItself = false;
      proc.kill('SIGKILL');
    }, EXIT_BOUND_MS);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, exitedByItself });
    });
  });
}

describe('a short script that closes its own Redis client', () => {
  it.each([
    ['breaker', 'quit'],
    ['breaker', 'disconnect'],
    ['client', 'quit'],
    ['client', 'disconnect'],
  ] as const)('using a %s, ending with %s(): its forceOpen reaches Redis and the process exits by itself', async (use, endWith) => {
    const prefix = uniqueName('script');
    const name = uniqueName('openai');
    const run = await runScript({ REDIS_PORT: String(redis.server.port), STORE_PREFIX: prefix, BREAKER_NAME: name, END_WITH: endWith, USE: use });
    expect(run.exitedByItself, `the script was still running after ${EXIT_BOUND_MS} ms; stderr: ${run.stderr}`).toBe(true);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.trim())).toEqual({ state: 'open', degraded: false });
    expect(await redis.client.hgetall(`${prefix}:{${name}}`)).toMatchObject({ state: 'open', forced: '1' });
  });
});
