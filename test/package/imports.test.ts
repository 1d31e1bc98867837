/**
 * The built package, imported both ways (ESM `import()` and CJS `require()`) from a consumer project
 * that installed the `npm pack` tarball: every entry point, key exports, a real call through each
 * build, the Lua scripts shipped in dist/, the CLI, and the optional peers really being optional.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../../src/version.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { bareScript, fullScript, type ModuleKind } from './scripts.js';
import { cleanUp, consumer, ensureBuilt, lastJson, node, pack, ROOT } from './packed.js';

const PEERS = ['openai', '@anthropic-ai/sdk', 'ioredis', '@opentelemetry/api'];
const REQUIRED = ['p-retry', 'is-network-error'];

let full: string;
let bare: string;

beforeAll(() => {
  ensureBuilt();
  const tarball = pack();
  // the SDKs' own dependencies resolve from their real location (symlinked from this repository)
  full = consumer('full', tarball, [...REQUIRED, ...PEERS]);
  bare = consumer('bare', tarball, REQUIRED);
}, 120_000);
afterAll(cleanUp);

describe('the packed package', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    version: string;
    exports: Record<string, string | Record<string, { types: string; default: string }>>;
    bin: Record<string, string>;
  };

  it('ships every file its exports, types and bin point to, and the Lua scripts', () => {
    const installed = join(full, 'node_modules', 'llm-breaker');
    const targets: string[] = [];
    for (const [subpath, conditions] of Object.entries(pkg.exports)) {
      if (typeof conditions === 'string') targets.push(conditions);
      else for (const c of Object.values(conditions)) targets.push(c.types, c.default);
      expect(subpath === '.' || subpath.startsWith('./')).toBe(true);
    }
    expect(Object.keys(pkg.exports)).toEqual(expect.arrayContaining(['.', './openai', './anthropic', './testing']));
    for (const t of targets) expect(statSync(join(installed, t)).isFile(), t).toBe(true);
    const cli = join(installed, pkg.bin['llm-breaker'] ?? '');
    expect(readFileSync(cli, 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
    expect(statSync(cli).mode & 0o111).not.toBe(0);
    expect(statSync(join(installed, 'dist', 'lua', 'read-1.lua')).isFile()).toBe(true);
    expect(statSync(join(installed, 'dist', 'lua', 'includes', 'rules.lua')).isFile()).toBe(true);
    expect(VERSION).toBe(pkg.version);
  });

  for (const kind of ['esm', 'cjs'] as ModuleKind[]) {
    it(`${kind === 'esm' ? 'import()' : 'require()'}: every entry point works, with the optional peers installed`, async () => {
      const run = await node(full, fullScript(kind));
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const r = lastJson<Record<string, unknown>>(run);
      expect(r.types).toEqual({
        createLLMClient: 'function',
        getCircuitBreaker: 'function',
        resetAllBreakers: 'function',
        memoryStore: 'function',
        redisStore: 'function',
        otelTelemetry: 'function',
        CircuitBreaker: 'function',
        ProviderError: 'function',
        openai: 'function',
        anthropic: 'function',
        startMockLLMServer: 'function',
      });
      expect(r.CircuitState).toEqual({ CLOSED: 'closed', OPEN: 'open', HALF_OPEN: 'half_open' });
      expect(r.version).toBe(VERSION);
      // the openai route is down (503): one retry (p-retry, bundled in the CJS build), then the fallback
      expect(r.response).toEqual({ text: expect.any(String) as unknown, provider: 'anthropic', attempts: ['openai:overloaded', 'openai:overloaded', 'anthropic:success'] });
      expect(r.state).toBe('open');
      expect(r.rejection).toEqual({ code: 'circuit_open', guard: true, name: 'CircuitOpenError' });
      expect(r.lua).toBe('loaded');
    });

    it(`${kind === 'esm' ? 'import()' : 'require()'}: the root entry needs none of the optional peers`, async () => {
      const run = await node(bare, bareScript(kind));
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const r = lastJson<{ text: string; otel: { code: string; message: string }; openaiEntry: string }>(run);
      expect(r.text).toBe('custom ok');
      expect(r.otel.code).toBe('config');
      expect(r.otel.message).toContain('@opentelemetry/api');
      expect(r.openaiEntry).toMatch(/MODULE_NOT_FOUND/);
    });
  }

  it('the llm-breaker bin runs from the package, and says when ioredis is missing', async () => {
    const [version, help, noRedisClient] = await Promise.all([
      node(full, ['node_modules/llm-breaker/dist/cli.js', '--version']),
      node(bare, ['node_modules/llm-breaker/dist/cli.js', '--help']),
      node(bare, ['node_modules/llm-breaker/dist/cli.js', 'status', '--redis', 'redis://127.0.0.1:1']),
    ]);
    expect(version).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: llm-breaker');
    expect(noRedisClient.code).toBe(2);
    expect(noRedisClient.stderr).toContain('needs the ioredis package');
  });

  it('the bundled CLI finds its Lua scripts and works against a real Redis', async () => {
    const redis = await startRedisServer();
    try {
      const cli = 'node_modules/llm-breaker/dist/cli.js';
      const refused = await node(full, [cli, 'open', 'packaged', '--redis', redis.url]);
      expect(refused.stderr).toContain('no breaker "packaged" under prefix "circuit_breaker"');
      expect(refused.code).toBe(1);
      const opened = await node(full, [cli, 'open', 'packaged', '--create', '--redis', redis.url]);
      expect(opened.stdout).toContain('breaker "packaged" held open (created: it had no state)');
      expect(opened.code).toBe(0);
      const status = await node(full, [cli, 'status', '--redis', redis.url, '--json']);
      expect(status.code).toBe(0);
      expect(lastJson<{ breakers: unknown[] }>(status).breakers).toEqual([expect.objectContaining({ name: 'packaged', state: 'open', forced: true })]);
    } finally {
      await redis.close();
    }
  });
});
