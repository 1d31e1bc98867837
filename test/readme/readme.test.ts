/**
 * README.md as a new user meets it. Every ```ts block, copied as it is into a consumer project that
 * installed the packed package, type-checks (strict) under `module`/`moduleResolution` `node16` and
 * under `bundler`; a block that is a fragment declares what it uses in a `<!-- fragment … -->`
 * comment (test/readme/blocks.ts). The Quick Start, compiled by tsc, runs against the local mock
 * server (pointed at by OPENAI_BASE_URL / ANTHROPIC_BASE_URL) and a private redis-server, and the
 * process exits by itself.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockLLMServer, type MockLLMServer } from '../../src/testing/index.js';
import { freePort } from '../helpers/processes.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { cleanUp, consumer, ensureBuilt, node, pack, ROOT, type NodeRun } from '../package/packed.js';
import { asModule, fileName, tsBlocks, type CodeBlock } from './blocks.js';

const DEPS = ['p-retry', 'is-network-error', 'openai', '@anthropic-ai/sdk', 'ioredis', '@opentelemetry/api', '@types/node'];
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
/** Generous: the process only has to exit by itself, not quickly (2 cores shared by many tests). */
const EXIT_BOUND_MS = 20_000;

const blocks = tsBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'));
const quickStart = blocks.find((b) => b.heading === 'Quick start');
const withoutKeys = blocks.find((b) => b.heading === 'Testing without keys');

let project: string;
let node16: NodeRun;
let bundler: NodeRun;
let redis: RedisServer;
let mock: MockLLMServer;

function tsconfig(options: Record<string, unknown>): string {
  const compilerOptions = { strict: true, target: 'ES2022', lib: ['ES2022'], types: ['node'], skipLibCheck: false, noEmitOnError: true, ...options };
  return JSON.stringify({ compilerOptions, include: ['blocks/*.ts'] }, null, 2);
}

const tsc = (config: string) => node(project, [TSC, '-p', config, '--pretty', 'false'], { timeoutMs: 300_000 });
const compiled = (block: CodeBlock) => join('out', fileName(block).replace(/\.ts$/, '.js'));

beforeAll(async () => {
  ensureBuilt();
  project = consumer('readme', pack(), DEPS);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'readme-user', private: true, type: 'module' }));
  mkdirSync(join(project, 'blocks'));
  for (const block of blocks) writeFileSync(join(project, 'blocks', fileName(block)), asModule(block));
  writeFileSync(join(project, 'tsconfig.node16.json'), tsconfig({ module: 'node16', moduleResolution: 'node16', outDir: 'out', rootDir: 'blocks' }));
  writeFileSync(join(project, 'tsconfig.bundler.json'), tsconfig({ module: 'esnext', moduleResolution: 'bundler', noEmit: true }));
  [node16, bundler, redis, mock] = await Promise.all([tsc('tsconfig.node16.json'), tsc('tsconfig.bundler.json'), startRedisServer(), startMockLLMServer()]);
}, 900_000); // a build of dist/ (or waiting for another file's) and two tsc runs, on a loaded machine

afterAll(async () => {
  await Promise.all([redis?.close(), mock?.close()]);
  cleanUp();
});

/** The compiler's complaints, each pointed at its README.md line (`README.md:52:7: error TS2351: …`). */
const diagnostics = (run: NodeRun) =>
  `${run.stdout}${run.stderr}`.trim().replace(/^blocks\/(\S+?\.ts)\((\d+),(\d+)\): /gm, (whole, file: string, line: string, col: string) => {
    const block = blocks.find((b) => fileName(b) === file);
    if (block === undefined) return whole;
    const preludeLines = block.prelude === undefined ? 0 : block.prelude.split('\n').length;
    const inBlock = Number(line) - preludeLines;
    return inBlock >= 1 ? `README.md:${block.line + inBlock}:${col}: ` : `README.md:${block.line} (its fragment comment, line ${line}): `;
  });

describe('README.md code blocks', () => {
  it('has ts blocks, the Quick Start among them', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    expect(quickStart, 'a ts block under "## Quick start"').toBeDefined();
    expect(quickStart?.prelude, 'the Quick Start is a whole program, not a fragment').toBeUndefined();
    expect(withoutKeys, 'a ts block under "## Testing without keys"').toBeDefined();
  });

  it('every ts block type-checks, strict, with module and moduleResolution node16', () => {
    expect(diagnostics(node16)).toBe('');
    expect(node16.code).toBe(0);
  });

  it('every ts block type-checks, strict, with moduleResolution bundler', () => {
    expect(diagnostics(bundler)).toBe('');
    expect(bundler.code).toBe(0);
  });
});

describe('the Quick Start, compiled as it is', () => {
  /** Runs the compiled Quick Start with the keys and base URLs of a user testing without keys. */
  const run = (redisUrl: string) =>
    node(project, [compiled(quickStart!)], {
      timeoutMs: EXIT_BOUND_MS,
      env: {
        OPENAI_API_KEY: 'sk-readme-test',
        ANTHROPIC_API_KEY: 'sk-ant-readme-test',
        OPENAI_BASE_URL: mock.openaiBaseURL,
        ANTHROPIC_BASE_URL: mock.anthropicBaseURL,
        REDIS_URL: redisUrl,
      },
    });

  it('answers from the primary through the mock server and Redis, and exits by itself', async () => {
    expect(node16.code, 'it compiled').toBe(0);
    mock.reset();
    const result = await run(redis.url);
    expect(result.timedOut, `still running after ${EXIT_BOUND_MS} ms`).toBe(false);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Hello from the mock LLM. openai gpt-4o-mini');
    expect(result.stdout.trimEnd().endsWith('Hello from the mock LLM.')).toBe(true); // the streamed story
    expect(mock.requestsByRoute).toEqual({ openai: 2, anthropic: 0 });
  });

  it('fails over to the fallback when the primary is down, opening its circuit in Redis', async () => {
    mock.reset();
    mock.setMode('down', 'openai');
    const result = await run(redis.url);
    expect(result.timedOut, `still running after ${EXIT_BOUND_MS} ms`).toBe(false);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Hello from the mock LLM. anthropic claude-haiku-4-5');
    // 3 attempts (retries: 2) open the circuit (failureThreshold: 3); the stream goes straight to the fallback
    expect(mock.requestsByRoute).toEqual({ openai: 3, anthropic: 2 });
  });

  it('the circuit it opened is in Redis, for the whole fleet (the store waits for the connecting client)', async () => {
    const client = await redis.createClient();
    expect(await client.hget('circuit_breaker:{openai}', 'state')).toBe('open');
    await client.del('circuit_breaker:{openai}', 'circuit_breaker:{openai}:probes');
  });

  it('still answers, prints no unhandled error event, and exits when Redis is unreachable', async () => {
    mock.reset();
    const closedPort = await freePort();
    const result = await run(`redis://127.0.0.1:${closedPort}`);
    expect(result.timedOut, `still running after ${EXIT_BOUND_MS} ms`).toBe(false);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Hello from the mock LLM. openai gpt-4o-mini');
    expect(result.stderr).not.toMatch(/Unhandled error event/);
    expect(result.stderr).toMatch(/^redis: .*ECONNREFUSED/m); // the sample's own listener reported it
  });
});

describe('the "Testing without keys" sample, compiled as it is', () => {
  it('prints what its comments say, and exits by itself', async () => {
    expect(node16.code, 'it compiled').toBe(0);
    const result = await node(project, [compiled(withoutKeys!)], { timeoutMs: EXIT_BOUND_MS });
    expect(result.timedOut, `still running after ${EXIT_BOUND_MS} ms`).toBe(false);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // each console.log line, as the sample's trailing comments promise
    const promised = [...withoutKeys!.code.matchAll(/console\.log\(.*\/\/ (.+)$/gm)].map((m) => m[1]!.trim());
    expect(promised).toHaveLength(4);
    expect(result.stdout.trim().split('\n')).toEqual(promised);
  });
});
