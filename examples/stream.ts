/**
 * Streaming with safe failover. The primary's stream fails before its first token (an in-band
 * error), so the stream fails over to the fallback; once text has been yielded, a failure would
 * end the stream with an error instead (never a silent restart).
 *
 *   npx tsx examples/stream.ts          # local mock provider (no key)
 *   OPENAI_API_KEY=… npx tsx examples/stream.ts
 */
import { createLLMClient, isProviderError } from '../src/index.js';
import { available, exampleLLM, isMain } from './support/llm.js';

export async function main(write: (s: string) => void = (s) => process.stdout.write(s)): Promise<string> {
  const env = await exampleLLM({ text: 'Streams fail over only before the first token, never after.', chunkDelayMs: 15 });
  env.server?.setMode('stream_error', 'openai'); // mock: the primary sends an in-band error before any content
  const llm = createLLMClient({
    providers: available(env, ['openai', () => env.openai()], ['anthropic', () => env.anthropic()]),
    timeoutMs: 10_000,
    idleTimeoutMs: 15_000,
    retry: { retries: 0 },
  });
  const stream = llm.stream({ messages: [{ role: 'user', content: 'Explain streaming failover in one sentence.' }] });
  try {
    for await (const ev of stream) {
      if (ev.type === 'text') write(ev.delta);
      else if (ev.type === 'tool_call_delta') write(`[tool ${ev.name} ${ev.argumentsDelta}]`);
      else if (ev.type === 'finish') {
        write(`\n— ${ev.provider}/${ev.model}, finish=${ev.finishReason}, ${ev.usage.outputTokens} output tokens, attempts: ` +
          ev.attempts.map((a) => `${a.provider}:${a.errorKind ?? a.outcome}`).join(' → ') + '\n');
      }
    }
    return (await stream.toResponse()).text;
  } catch (err) {
    // After the first token a failure ends the stream; what arrived is still here:
    write(`\nstream ended early (${isProviderError(err) ? err.kind : 'error'}); partial text: ${JSON.stringify(stream.partial.text)}\n`);
    throw err;
  } finally {
    await llm.close();
    await env.close();
  }
}

if (isMain(import.meta.url)) {
  main().catch(() => process.exit(1));
}
