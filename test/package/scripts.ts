/**
 * Scripts run by `node -e` (CJS, `require()`) and `node --input-type=module -e` (ESM, `import()`)
 * inside a consumer project, so `llm-breaker` resolves through the package's `exports` exactly as
 * for a user. Each prints one JSON line with what it found.
 */
export type ModuleKind = 'esm' | 'cjs';

function wrap(kind: ModuleKind, body: string): string[] {
  const load = kind === 'esm' ? 'const load = (s) => import(s);' : 'const load = async (s) => require(s);';
  const source = `${load}\n(async () => {\n${body}\n})().catch((e) => { console.error(e); process.exit(1); });`;
  return kind === 'esm' ? ['--input-type=module', '-e', source] : ['-e', source];
}

/** Every entry point, key exports, a real failover over HTTP (mock server) and the Lua scripts. */
export function fullScript(kind: ModuleKind): string[] {
  return wrap(
    kind,
    `
  const root = await load('llm-breaker');
  const oa = await load('llm-breaker/openai');
  const an = await load('llm-breaker/anthropic');
  const testing = await load('llm-breaker/testing');
  const types = Object.fromEntries(
    [
      ['createLLMClient', root.createLLMClient], ['getCircuitBreaker', root.getCircuitBreaker],
      ['resetAllBreakers', root.resetAllBreakers], ['memoryStore', root.memoryStore],
      ['redisStore', root.redisStore], ['otelTelemetry', root.otelTelemetry],
      ['CircuitBreaker', root.CircuitBreaker], ['ProviderError', root.ProviderError],
      ['openai', oa.openai], ['anthropic', an.anthropic], ['startMockLLMServer', testing.startMockLLMServer],
    ].map(([k, v]) => [k, typeof v]),
  );

  const server = await testing.startMockLLMServer();
  server.setMode('down', 'openai');
  const llm = root.createLLMClient({
    providers: [
      oa.openai({ baseURL: server.openaiBaseURL, apiKey: 'none', model: 'gpt-test' }),
      an.anthropic({ baseURL: server.anthropicBaseURL, apiKey: 'none', model: 'claude-test' }),
    ],
    retry: { retries: 1, minDelayMs: 1, maxDelayMs: 2 },
  });
  const res = await llm.complete({ messages: [{ role: 'user', content: 'Hello' }] });
  await llm.close();
  await server.close();

  const b = root.getCircuitBreaker('package-test', { failureThreshold: 1 });
  await b.execute(() => { throw new Error('down'); }).catch(() => undefined);
  let rejection = null;
  try { await b.execute(() => 1); } catch (e) { rejection = { code: e.code, guard: root.isCircuitOpenError(e), name: e.name }; }
  const state = await b.getState();

  let lua = 'redisStore is not exported';
  if (typeof root.redisStore === 'function') {
    const { Redis } = await load('ioredis');
    const redis = new Redis({ lazyConnect: true, port: 1 });
    try { root.redisStore(redis); lua = 'loaded'; } catch (e) { lua = e.message; }
    redis.disconnect();
  }
  console.log(JSON.stringify({
    types, CircuitState: root.CircuitState, version: root.VERSION,
    response: { text: res.text, provider: res.provider, attempts: res.attempts.map((a) => a.provider + ':' + (a.errorKind ?? a.outcome)) },
    state, rejection, lua,
  }));
`,
  );
}

/** The root entry with only the required dependencies: no SDK, no ioredis, no OpenTelemetry. */
export function bareScript(kind: ModuleKind): string[] {
  return wrap(
    kind,
    `
  const root = await load('llm-breaker');
  const adapter = {
    specificationVersion: 'v1', name: 'custom', system: 'custom', model: 'm',
    async complete() {
      return { text: 'custom ok', toolCalls: [], finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 }, model: 'm', raw: null };
    },
    async *stream() {},
  };
  const llm = root.createLLMClient({ providers: [adapter] });
  const res = await llm.complete({ messages: [{ role: 'user', content: 'Hello' }] });
  await llm.close();
  let otel = 'no error';
  try { root.otelTelemetry(); } catch (e) { otel = { code: e.code, message: e.message }; }
  let openaiEntry = 'loaded';
  try { await load('llm-breaker/openai'); } catch (e) { openaiEntry = e.code; }
  console.log(JSON.stringify({ text: res.text, otel, openaiEntry }));
`,
  );
}
