/**
 * No password of the Redis URL ever reaches the CLI's output or errors, whatever it holds (a raw
 * `@`, `/`, `#` or `?`, or `?password=` in the query), however the URL is given (`--redis`,
 * `REDIS_URL`, `--cluster`), on every command. Run as real child processes of the CLI against a
 * private redis-server that requires the password.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, spawnRedisServer, waitExit } from '../helpers/processes.js';
import { closedPort, spawnCli, type Run } from './run.js';

/** A password with a raw "@" in it; neither half may ever be printed. */
const PASSWORD = 'p4ssQ@w0rdZ';
const HALVES = ['p4ssQ', 'w0rdZ'];

let port: number;
let proc: ChildProcess;

function expectNoPassword(r: Run, halves: readonly string[] = HALVES): void {
  for (const half of halves) {
    expect(r.out).not.toContain(half);
    expect(r.err).not.toContain(half);
  }
}

beforeAll(async () => {
  port = await freePort();
  // it answers -NOAUTH to a bare PING: wait for it to listen
  proc = await spawnRedisServer(['--port', String(port), '--requirepass', PASSWORD], { port, until: 'listening' });
});

afterAll(async () => {
  proc?.kill('SIGKILL');
  if (proc) await waitExit(proc);
});

describe('the CLI never prints a password', () => {
  it('a raw "@" in the password: status --json connects and shows it masked', async () => {
    const r = await spawnCli(['status', '--json', '--redis', `redis://:${PASSWORD}@127.0.0.1:${port}`]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { redis: string }).redis).toBe(`redis://:***@127.0.0.1:${port}`);
    expectNoPassword(r);
  });

  it('?password= in the query: masked in status --json, with --redis and with REDIS_URL', async () => {
    const withQuery = `redis://127.0.0.1:${port}/?password=${encodeURIComponent(PASSWORD)}&db=0`;
    const [flag, env, text] = await Promise.all([
      spawnCli(['status', '--json', '--redis', withQuery]),
      spawnCli(['status', '--json'], { REDIS_URL: withQuery }),
      spawnCli(['status', '--prefix', 'none'], { REDIS_URL: withQuery }),
    ]);
    for (const r of [flag, env]) {
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect((JSON.parse(r.out) as { redis: string }).redis).toBe(`redis://127.0.0.1:${port}?password=***&db=0`);
    }
    expect(text.code).toBe(0);
    expect(text.out).toContain(`no breakers under prefix "none" in redis://127.0.0.1:${port}?password=***&db=0`);
    for (const r of [flag, env, text]) expectNoPassword(r, ['p4ssQ', 'w0rdZ', 'p4ssQ%40w0rdZ']);
  });

  it('?password= in the query: not in the --cluster error, nor in any connection error', async () => {
    const closed = await closedPort();
    const [cluster, single, env] = await Promise.all([
      spawnCli(['status', '--cluster', '--timeout', '1000', '--redis', `redis://127.0.0.1:${closed}?password=s3cretQuery`]),
      spawnCli(['open', 'x', '--timeout', '1000', '--redis', `redis://127.0.0.1:${closed}/?password=s3cretQuery`]),
      spawnCli(['status', '--cluster', '--timeout', '1000'], { REDIS_URL: `redis://127.0.0.1:${closed}?password=s3cretQuery` }),
    ]);
    for (const r of [cluster, single, env]) {
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^llm-breaker: cannot connect to Redis/);
      expect(r.err).toContain('password=***');
      expectNoPassword(r, ['s3cretQuery']);
    }
  });

  it('a raw "/", "#" or "?" in the password: "invalid Redis URL" on every command, without the password', async () => {
    const slash = `redis://:pa55/w0rdQ@127.0.0.1:${port}`;
    const others = ['pa55#w0rdQ', 'pa55?w0rdQ'].map((pw) => `redis://:${pw}@127.0.0.1:${port}`);
    others.push(`redis://ad/min:pa55w0rdQ@127.0.0.1:${port}`); // a "/" in the user name puts the password in the path
    const commands = [['status'], ['status', '--json'], ['open', 'x'], ['close', 'x'], ['reset', 'x'], ['forget', 'x']];
    const cases: Array<[string[], NodeJS.ProcessEnv]> = [
      ...commands.map((c): [string[], NodeJS.ProcessEnv] => [[...c, '--redis', slash], {}]),
      [['status'], { REDIS_URL: slash }],
      ...others.map((url): [string[], NodeJS.ProcessEnv] => [['status', '--redis', url], {}]),
    ];
    const runs: Run[] = [];
    for (let i = 0; i < cases.length; i += 4) {
      runs.push(...(await Promise.all(cases.slice(i, i + 4).map(([args, env]) => spawnCli(args, env)))));
    }
    for (const r of runs) {
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^llm-breaker: invalid Redis URL/);
      expectNoPassword(r, ['pa55', 'w0rdQ']);
    }
    expect(runs[0]?.err).toContain('percent-encode');
  }, 60_000);
});
