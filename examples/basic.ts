/**
 * Basic usage. With OPENAI_API_KEY and/or ANTHROPIC_API_KEY set it calls the real providers;
 * without keys it starts the local mock provider so it runs anywhere.
 *
 *   npx tsx examples/basic.ts
 */
import { createLLMClient, isAllProvidersFailedError, isProviderError } from '../src/index.js';
import { available, exampleLLM, isMain } from './support/llm.js';

export async function main(out: (line: string) => void = (l) => console.log(l)): Promise<string> {
  const env = await exampleLLM({ text: 'The capital of France is Paris.' });
  if (env.mock) out('(no API keys set: using the local mock provider)');
  const llm = createLLMClient({
    providers: available(env, ['openai', () => env.openai()], ['anthropic', () => env.anthropic()]),
    retry: { retries: 2 },
    timeoutMs: 30_000,
    deadlineMs: 60_000,
  });
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
    await env.close();
  }
}

if (isMain(import.meta.url)) {
  main().catch(() => process.exit(1));
}
