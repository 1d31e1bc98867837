/**
 * The integration examples, run against the local mock provider (no API key, no network), and the
 * skill engine and hybrid search also against a private redis-server.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main as agent } from '../../examples/agent.js';
import { main as hybridSearch } from '../../examples/hybrid-search.js';
import { main as skillEngine } from '../../examples/skill-engine.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function collector(): { out: (line: string) => void; text: () => string } {
  const lines: string[] = [];
  return { out: (line) => void lines.push(line), text: () => lines.join('\n') };
}

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.close();
});

describe('examples/agent.ts', () => {
  it('runs a tool-calling loop to an answer across a failover', async () => {
    const log = collector();
    const r = await agent({ mock: true, out: log.out });
    expect(r.steps.map((s) => [s.provider, s.toolCalls])).toEqual([
      ['openai', ['get_weather', 'get_weather']],
      ['anthropic', ['to_fahrenheit', 'to_fahrenheit']],
      ['anthropic', []],
    ]);
    expect(r.steps[1]?.failedOver).toEqual(['openai']);
    expect(r.answer).toBe('Here is the weather. Paris: 64°F and sunny; Tokyo: 75°F and cloudy.');
    expect(log.text()).toContain('turn 2: anthropic (failed over from openai) calls to_fahrenheit');
  });

  it('runs when executed directly', async () => {
    const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'examples/agent.ts'], { cwd: ROOT, timeout: 20_000, env: { ...process.env, OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '' } }, (err, out) =>
        resolve({ code: err ? 1 : 0, stdout: out }),
      );
    });
    expect(code).toBe(0);
    expect(stdout).toContain('answers: Here is the weather.');
  });
});

describe('examples/skill-engine.ts', () => {
  for (const backend of ['memory', 'redis'] as const) {
    it(`per-skill circuits over one shared ${backend} store: a strict skill's trips never cut a tolerant skill off`, async () => {
      const log = collector();
      const warnings: string[] = [];
      const spy = vi.spyOn(process, 'emitWarning').mockImplementation((w: string | Error) => void warnings.push(String(w)));
      let r: Awaited<ReturnType<typeof skillEngine>>;
      try {
        r = await skillEngine({ mock: true, out: log.out, ...(backend === 'redis' ? { redisUrl: redis.url } : { redisUrl: undefined }) });
      } finally {
        spy.mockRestore();
      }
      expect(warnings.filter((w) => w.includes('different breaker settings'))).toEqual([]); // each skill its own circuits
      expect(r.storeLabel).toContain(backend === 'redis' ? 'Redis' : 'memory');
      expect(r.breakerNames).toEqual({ summarize: ['summarize:openai', 'summarize:anthropic'], extract: ['extract:openai', 'extract:anthropic'], classify: ['classify:anthropic', 'classify:openai'] });
      const served = (phase: string) => r.calls.filter((c) => c.phase === phase).map((c) => `${c.skill}:${c.provider}`);
      expect(served('up')).toEqual(['summarize:openai', 'extract:openai', 'classify:anthropic']);
      expect(served('outage')).toEqual(['summarize:anthropic', 'summarize:anthropic', 'summarize:anthropic', 'extract:anthropic', 'classify:anthropic']);
      expect(r.viewsDuringOutage.summarize.openai).toBe('open');
      expect(r.viewsDuringOutage.extract.openai).toBe('closed');
      expect(r.viewsDuringOutage.classify.openai).toBe('closed');
      expect(r.summarizeRequestsWhileOpen).toBe(0);
      expect(r.extractRequestsMeanwhile).toBe(3); // its own rules: 1 + 2 retries, then the fallback
      expect(log.text()).toContain('its circuit: closed, 3 of 5 failures');
      expect(served('recovered')).toEqual(['summarize:openai', 'extract:openai']);
      expect(r.calls.find((c) => c.skill === 'extract')?.text).toBe('{"email":"ops@example.com","words":7}');
    });
  }
});

describe('examples/hybrid-search.ts', () => {
  it('rewrites through the LLM and degrades around a failing reranker and vector store', async () => {
    const log = collector();
    const r = await hybridSearch({ mock: true, out: log.out, redisUrl: redis.url });
    const [healthy, firstFail, secondFail, whileOpen, vectorDown, llmDown] = r.searches;
    expect(healthy).toMatchObject({ query: 'service up llm provider down', degraded: [] });
    expect(healthy?.results[0]).toBe('Circuit breakers for LLM providers');
    expect(firstFail?.degraded).toEqual(['reranker']);
    expect(secondFail?.degraded).toEqual(['reranker']);
    expect(whileOpen?.notes.join()).toContain('reranker: circuit open, skipped');
    expect(r.rerankerCallsWhileOpen).toBe(0);
    expect(vectorDown?.degraded).toEqual(['vector-store', 'reranker']);
    expect(vectorDown?.results).toEqual(['Observability with OpenTelemetry']);
    expect(llmDown).toMatchObject({ query: 'tool calling agents', degraded: ['rewrite', 'reranker'] });
    expect(r.breakers).toMatchObject({ reranker: 'open', 'vector-store': 'closed', openai: 'closed' });
    expect(log.text()).toContain('⚡ reranker: closed → open');
  });
});
