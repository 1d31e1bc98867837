/**
 * What the CLI prints cannot drive the operator's terminal: breaker names and values read from
 * Redis (and names given on the command line) are shown with their control characters escaped in
 * text output, and `--json` escapes C1 and bidi controls too. Also `--watch --interval`: a huge
 * interval is a usage error, not an overflowing timer. Real redis-server, the CLI as a child process.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { cli, spawnCli } from './run.js';

/** ESC [2J (clear screen), an OSC title ended by BEL, backspaces, the 8-bit CSI, a bidi override. */
const HOSTILE = ['clear\x1b[2J\x1b[H', 'title\x1b]0;pwned\x07', 'erase\x08\x08\x08ok', 'csi\u009b31mred', 'bidi\u202egpj.exe'];

/** Any character that acts on a terminal (newlines aside), or reorders text. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

let server: RedisServer;
let redis: Redis;
let url: string;

beforeAll(async () => {
  server = await startRedisServer();
  redis = await server.createClient();
  url = server.url;
  for (const name of HOSTILE) {
    await redis.hset(`esc:{${name}}`, { state: 'open', forced: 1, failures: 3, successes: 0, openedAt: 1_700_000_000_000, version: 2 });
  }
  // a corrupt value, which the store's repair report repeats
  await redis.hset('esc:{corrupt}', { state: 'open\x1b]0;owned\x07\u009b2J', failures: 1 });
});

afterAll(async () => {
  await server?.close();
});

describe('terminal escapes are neutralized', () => {
  it('status: names and values from Redis are escaped in the table', async () => {
    const r = await spawnCli(['status', '--redis', url, '--prefix', 'esc']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(RAW_CONTROL);
    expect(r.out).toContain('clear\\x1b[2J\\x1b[H ');
    expect(r.out).toContain('title\\x1b]0;pwned\\x07 ');
    expect(r.out).toContain('erase\\x08\\x08\\x08ok ');
    expect(r.out).toContain('csi\\x9b31mred ');
    expect(r.out).toContain('bidi\\u202egpj.exe ');
    expect(r.out).toContain('open\\x1b]0;owned\\x07\\x9b2J'); // the repair report of the corrupt hash
    expect(r.out.trimEnd().split('\n')).toHaveLength(1 + HOSTILE.length + 1);
  });

  it('status --json: C0, C1 and bidi controls are \\u escapes, and the names read back exactly', async () => {
    const r = await spawnCli(['status', '--redis', url, '--prefix', 'esc', '--json']);
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(RAW_CONTROL);
    expect(r.out).toContain('csi\\u009b31mred');
    expect(r.out).toContain('bidi\\u202egpj.exe');
    const names = (JSON.parse(r.out) as { breakers: Array<{ name: string }> }).breakers.map((b) => b.name);
    expect(names).toEqual(expect.arrayContaining(HOSTILE));
  });

  it('messages: what an operator command prints about such a breaker is escaped', async () => {
    const [closed, typo, json] = await Promise.all([
      spawnCli(['close', HOSTILE[0] ?? '', '--redis', url, '--prefix', 'esc']),
      spawnCli(['open', 'nope\x1b[2J\u202e', '--redis', url, '--prefix', 'esc\x1b]0;x\x07']),
      spawnCli(['reset', HOSTILE[3] ?? '', '--redis', url, '--prefix', 'esc', '--json']),
    ]);
    expect(closed.code).toBe(0);
    expect(closed.out).toBe('breaker "clear\\x1b[2J\\x1b[H" closed: open (forced) → closed\n');
    expect(typo.code).toBe(1);
    expect(typo.err).toContain('no breaker "nope\\x1b[2J\\u202e" under prefix "esc\\x1b]0;x\\x07"');
    expect(json.code).toBe(0);
    for (const r of [closed, typo, json]) {
      expect(r.out).not.toMatch(RAW_CONTROL);
      expect(r.err).not.toMatch(RAW_CONTROL);
    }
    expect((JSON.parse(json.out) as { name: string }).name).toBe(HOSTILE[3]);
  });

  it('usage errors repeat what was typed escaped, a newline included', async () => {
    const [badName, badCommand] = await Promise.all([cli(['open', 'a\nb\x1b[2J', '--redis', url]), cli(['st\x1b]0;x\x07', '--redis', url])]);
    expect(badName).toMatchObject({ code: 2, err: 'llm-breaker: invalid breaker name "a\\x0ab\\x1b[2J": at most 200 characters, no braces, no whitespace\n' });
    expect(badCommand.code).toBe(2);
    expect(badCommand.err).toContain('unknown command "st\\x1b]0;x\\x07"');
    expect(badCommand.err).not.toMatch(RAW_CONTROL);
  });
});

describe('--watch --interval', () => {
  it('a huge interval (or timeout) is a usage error, before anything is shown', async () => {
    const ac = new AbortController();
    let frames = 0;
    const huge = await cli(['status', '--redis', url, '--prefix', 'esc', '--watch', '--interval', '99999999999999999999'], ac.signal, () => {
      if (++frames >= 3) ac.abort(); // what the overflowing timer did: a frame every millisecond
    });
    expect(frames).toBe(0);
    expect(huge.code).toBe(2);
    expect(huge.err).toContain('--interval must be an integer from 100 to 2147483647 (ms), got "99999999999999999999"');
    for (const args of [
      ['--watch', '--interval', '2147483648'],
      ['--watch', '--interval', '1e3'],
      ['--timeout', '99999999999'],
      ['--reset-timeout', '1e400'],
    ]) {
      expect(await cli(['status', '--redis', url, ...args])).toMatchObject({ code: 2, out: '' });
    }
    const longest = new AbortController();
    const ok = await cli(['status', '--redis', url, '--prefix', 'esc', '--watch', '--interval', '2147483647'], longest.signal, () => longest.abort());
    expect(ok.code).toBe(0);
  });
});
