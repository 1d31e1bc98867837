/**
 * Leaving a stream (break) or aborting it closes the HTTP request: observed on a real local server
 * (no nock in this file, so the SDKs talk real HTTP).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { anthropic } from '../../providers/anthropic/index.js';
import { openai } from '../../providers/openai/index.js';
import { createLLMClient, type LLMClient } from '../../src/client.js';
import type { ProviderError } from '../../src/errors/provider-error.js';
import { startMockLLMServer, type MockLLMServer } from '../../src/testing/index.js';
import { HELLO, eventually } from './_helpers.js';

type Name = 'openai' | 'anthropic';
function adapter(name: Name, baseURL: string) {
  return name === 'openai'
    ? openai({ model: 'gpt-4o-mini', apiKey: 'sk-test-stream-0000000000', baseURL })
    : anthropic({ model: 'claude-haiku-4-5', apiKey: 'sk-ant-test-stream-000000', baseURL });
}
const clients: LLMClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

for (const primary of ['openai', 'anthropic'] as const) {
  describe(`closing the HTTP request (${primary}, real local server)`, () => {
    let server: MockLLMServer;
    beforeAll(async () => {
      server = await startMockLLMServer({ text: 'one two three four five six seven eight nine ten', chunkDelayMs: 20 });
    });
    afterAll(async () => {
      await server.close();
    });

    function local(): LLMClient {
      const base = primary === 'openai' ? server.openaiBaseURL : server.anthropicBaseURL;
      const c = createLLMClient({ providers: [adapter(primary, base)], telemetry: false });
      clients.push(c);
      return c;
    }

    it('break out of the loop closes the request and counts neither success nor failure', async () => {
      server.reset();
      const llm = local();
      const s = llm.stream(HELLO);
      for await (const ev of s) if (ev.type === 'text') break;
      await eventually(() => server.abortedRequests === 1);
      const snap = await llm.breaker(primary).snapshot();
      expect(snap.failures).toBe(0);
      expect(snap.state).toBe('closed');
      expect(s.attempts.at(-1)?.errorKind).toBe('aborted');
    });

    it("the caller's AbortSignal closes the request", async () => {
      server.reset();
      const llm = local();
      const ac = new AbortController();
      const s = llm.stream(HELLO, { signal: ac.signal });
      const err = await (async () => {
        for await (const ev of s) if (ev.type === 'text') ac.abort();
      })().catch((e: unknown) => e);
      expect((err as ProviderError).kind).toBe('aborted');
      await eventually(() => server.abortedRequests === 1);
      expect(server.activeRequests).toBe(0);
    });
  });
}
