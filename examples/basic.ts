/**
 * Basic usage. With OPENAI_API_KEY and/or ANTHROPIC_API_KEY set it calls the real providers;
 * without keys it starts the local mock provider so it runs anywhere.
 *
 *   npx tsx examples/basic.ts
 */
import { createLLMClient, isAllProvidersFailedError, isProviderError, type ProviderAdapter } from '../src/index.js';
import { openai } from '../providers/openai/index.js';
import { anthropic } from '../providers/anthropic/index.js';
import { startMockLLMServer, type MockLLMServer } from '../src/testing/index.js';

export async function main(out: (line: string) => void = (l) => console.log(l)): Promise<string> {
  let server: MockLLMServer | undefined;
  const providers: ProviderAdapter[] = [];
  if (process.env.OPENAI_API_KEY) providers.push(openai({ model: 'gpt-4o-mini' }));
  if (process.env.ANTHROPIC_API_KEY) providers.push(anthropic({ model: 'claude-haiku-4-5' }));
  if (providers.length === 0) {
    server = await startMockLLMServer({ text: 'The capital of France is Paris.' });
    out('(no API keys set: using the local mock provider)');
    providers.push(
      openai({ model: 'gpt-4o-mini', baseURL: server.openaiBaseURL, apiKey: 'none' }),
      anthropic({ model: 'claude-haiku-4-5', baseURL: server.anthropicBaseURL, apiKey: 'none' }),
    );
  }

  const llm = createLLMClient({ providers, retry: { retries: 2 }, timeoutMs: 30_000, deadlineMs: 60_000 });
  try {
    const res = await llm.complete({
      system: 'Answer in one short sentence.',
      messages: [{ role: 'user', content: 'What is the capital of France?' }],
      maxTokens: 50,
      temperature: 0,
    });
    out(`${res.provider}/${res.model}: ${res.text}`);
    out(`finish=${res.finishReason} tokens in/out=${res.usage.inputTokens}/${res.usage.outputTokens} latency=${res.latencyMs.toFixed(0)} ms attempts=${res.attempts.length}`);
    return res.text;
  } catch (err) {
    if (isAllProvidersFailedError(err)) out(`every provider failed: ${err.attempts.map((a) => `${a.provider}:${a.errorKind}`).join(', ')}`);
    else if (isProviderError(err)) out(`provider error (${err.kind}, status ${err.status}): ${err.message}`);
    throw err;
  } finally {
    await llm.close();
    await server?.close();
  }
}

if (process.argv[1]?.endsWith('basic.ts')) {
  main().catch(() => process.exit(1));
}
