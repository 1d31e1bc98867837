/**
 * What the integration examples share: provider factories that call the real APIs when
 * OPENAI_API_KEY / ANTHROPIC_API_KEY are set and the local mock provider otherwise, a breaker store
 * (Redis when REDIS_URL is set, memory otherwise), and "is this file run directly?".
 */
import { fileURLToPath } from 'node:url';
import { memoryStore, type BreakerOptions, type BreakerStore, type ProviderAdapter } from '../../src/index.js';
import { anthropic } from '../../providers/anthropic/index.js';
import { openai } from '../../providers/openai/index.js';
import { startMockLLMServer, type MockLLMServer, type MockScript } from '../../src/testing/index.js';

/** Where an example's LLM calls go. */
export interface ExampleLLM {
  /** True when the local mock provider serves (no API key, or `mock: true`). */
  readonly mock: boolean;
  /** The mock server, when `mock`. Examples use it to stage an outage. */
  readonly server: MockLLMServer | undefined;
  /** An OpenAI adapter (real or mock) with these breaker options. */
  openai(breaker?: Partial<BreakerOptions>, name?: string): ProviderAdapter;
  /** An Anthropic adapter (real or mock) with these breaker options. */
  anthropic(breaker?: Partial<BreakerOptions>, name?: string): ProviderAdapter;
  close(): Promise<void>;
}

export interface ExampleLLMOptions {
  /** Force the mock provider even when API keys are set (tests do). @default no API key is set */
  mock?: boolean;
  /** How the mock "model" answers (see `MockScript`). */
  script?: MockScript;
  /** Text of the mock's plain answers. */
  text?: string;
  /** Delay between the mock's SSE chunks, in ms. @default 0 */
  chunkDelayMs?: number;
}

/** Options every integration example's `main()` takes. */
export interface ExampleRunOptions {
  /** Force the local mock provider even with API keys set. @default no API key is set */
  mock?: boolean;
  /** Redis URL of the breaker store. @default process.env.REDIS_URL (memory store when unset) */
  redisUrl?: string;
  out?: (line: string) => void;
}

export async function exampleLLM(options: ExampleLLMOptions = {}): Promise<ExampleLLM> {
  const mock = options.mock ?? (!process.env.OPENAI_API_KEY && !process.env.ANTHROPIC_API_KEY);
  const server = mock
    ? await startMockLLMServer({
        ...(options.text !== undefined ? { text: options.text } : {}),
        ...(options.chunkDelayMs !== undefined ? { chunkDelayMs: options.chunkDelayMs } : {}),
      })
    : undefined;
  if (server && options.script) server.script(options.script);
  const local = server ? { openai: { baseURL: server.openaiBaseURL, apiKey: 'none' }, anthropic: { baseURL: server.anthropicBaseURL, apiKey: 'none' } } : undefined;
  return {
    mock,
    server,
    openai: (breaker, name = 'openai') => openai({ name, model: 'gpt-4o-mini', ...local?.openai, ...(breaker ? { breaker } : {}) }),
    anthropic: (breaker, name = 'anthropic') => anthropic({ name, model: 'claude-haiku-4-5', ...local?.anthropic, ...(breaker ? { breaker } : {}) }),
    close: async () => server?.close(),
  };
}

/** Only the providers that can serve: both in mock mode, else those with an API key. */
export function available(llm: ExampleLLM, ...adapters: Array<[provider: 'openai' | 'anthropic', make: () => ProviderAdapter]>): ProviderAdapter[] {
  const keyed = (p: 'openai' | 'anthropic') => llm.mock || Boolean(process.env[p === 'openai' ? 'OPENAI_API_KEY' : 'ANTHROPIC_API_KEY']);
  return adapters.filter(([p]) => keyed(p)).map(([, make]) => make());
}

/** A breaker store: Redis at `url` (shared by every process using it), or one memory store. */
export async function exampleStore(url: string | undefined, prefix: string): Promise<{ store: BreakerStore; label: string; close(): Promise<void> }> {
  if (!url) return { store: memoryStore(), label: 'memory (this process)', close: async () => undefined };
  const { Redis } = await import('ioredis');
  const { redisStore } = await import('../../src/breaker/redis-store.js');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 });
  redis.on('error', () => undefined); // the breakers report store trouble as `storeError` events
  await redis.connect();
  const store = redisStore(redis, { prefix });
  return {
    store,
    label: `Redis ${url.replace(/\/\/[^@/]*@/, '//***@')} (prefix ${prefix})`,
    close: async () => {
      await store.close();
      redis.disconnect();
    },
  };
}

/** True when `importMetaUrl`'s file is the script node was started with. */
export function isMain(importMetaUrl: string): boolean {
  return process.argv[1] !== undefined && fileURLToPath(importMetaUrl) === process.argv[1];
}
