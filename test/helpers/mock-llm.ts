/**
 * The local mock LLM server for one test file, with the real OpenAI and Anthropic adapters pointed
 * at it, and the clients a test creates closed after it (the server is reset between tests).
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { anthropic } from '../../providers/anthropic/index.js';
import { openai } from '../../providers/openai/index.js';
import { createLLMClient, type LLMClient } from '../../src/client.js';
import type { LLMClientOptions } from '../../src/client-options.js';
import type { ProviderAdapter } from '../../src/provider.js';
import { startMockLLMServer, type MockLLMServer } from '../../src/testing/index.js';

export const MOCK_OPENAI_KEY = 'sk-test-OPENAISECRET1234567890';
export const MOCK_ANTHROPIC_KEY = 'sk-ant-test-ANTHROPICSECRET123456';

export interface MockLLMFixture {
  readonly server: MockLLMServer;
  /** `openai` (primary) and `anthropic` adapters on the mock server. */
  providers(openaiModel?: string): ProviderAdapter[];
  /** A client over {@link providers} (telemetry off), closed after the test. */
  client(options?: Partial<LLMClientOptions>, openaiModel?: string): LLMClient;
}

export function useMockLLM(): MockLLMFixture {
  let server: MockLLMServer | undefined;
  const clients: LLMClient[] = [];
  beforeAll(async () => {
    server = await startMockLLMServer();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    server?.reset();
  });
  afterAll(async () => {
    await server?.close();
  });
  const fixture: MockLLMFixture = {
    get server() {
      if (!server) throw new Error('mock server not started yet (use the fixture inside tests)');
      return server;
    },
    providers(openaiModel = 'gpt-4o-mini') {
      const s = fixture.server;
      return [
        openai({ model: openaiModel, apiKey: MOCK_OPENAI_KEY, baseURL: s.openaiBaseURL }),
        anthropic({ model: 'claude-haiku-4-5', apiKey: MOCK_ANTHROPIC_KEY, baseURL: s.anthropicBaseURL }),
      ];
    },
    client(options = {}, openaiModel) {
      const c = createLLMClient({ providers: fixture.providers(openaiModel), telemetry: false, ...options });
      clients.push(c);
      return c;
    },
  };
  return fixture;
}
