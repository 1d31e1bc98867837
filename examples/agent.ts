/**
 * An agent: a tool-calling loop on `llm.complete()` with tools, that keeps going across a failover.
 *
 * The model asks for tools, we run them and send the results back, until it answers in words. Tool
 * calls and results are provider-neutral (`toolCalls`, `role: 'tool'` messages), so when the primary
 * goes down in the middle of the loop the fallback provider picks up the same conversation — its
 * tool calls made by OpenAI, its results answered to Anthropic.
 *
 *   npx tsx examples/agent.ts          # real providers with OPENAI_API_KEY / ANTHROPIC_API_KEY,
 *                                      # else the local mock provider (the primary fails mid-loop)
 */
import { createLLMClient, type CompletionResponse, type Message, type ToolCall, type ToolDefinition } from '../src/index.js';
import { available, exampleLLM, isMain, type ExampleRunOptions } from './support/llm.js';
import { weatherAgentModel } from './support/mock-models.js';

/** The tools the agent offers the model. */
const TOOLS: ToolDefinition[] = [
  {
    name: 'get_weather',
    description: 'Current weather in a city, temperature in Celsius.',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
  {
    name: 'to_fahrenheit',
    description: 'Converts a temperature from Celsius to Fahrenheit.',
    parameters: { type: 'object', properties: { celsius: { type: 'number' } }, required: ['celsius'] },
  },
];

const WEATHER: Record<string, { celsius: number; conditions: string }> = {
  Paris: { celsius: 18, conditions: 'sunny' },
  Tokyo: { celsius: 24, conditions: 'cloudy' },
  London: { celsius: 12, conditions: 'rainy' },
};

/** Runs one tool call. Errors go back to the model as a tool result with `isError`. */
function runTool(call: ToolCall): { content: string; isError: boolean } {
  try {
    const args = JSON.parse(call.arguments || '{}') as Record<string, unknown>;
    if (call.name === 'get_weather') {
      const city = String(args.city);
      const w = WEATHER[city];
      if (!w) return { content: JSON.stringify({ error: `no weather for ${city}` }), isError: true };
      return { content: JSON.stringify({ city, ...w }), isError: false };
    }
    if (call.name === 'to_fahrenheit') {
      const c = Number(args.celsius);
      return { content: JSON.stringify({ celsius: c, fahrenheit: Math.round((c * 9) / 5 + 32) }), isError: false };
    }
    return { content: JSON.stringify({ error: `unknown tool ${call.name}` }), isError: true };
  } catch (err) {
    return { content: JSON.stringify({ error: String(err) }), isError: true };
  }
}

/** One model turn of the loop. */
export interface AgentStep {
  provider: string;
  toolCalls: string[];
  /** Providers tried before the one that served (failed or circuit open). */
  failedOver: string[];
}

export interface AgentResult {
  answer: string;
  steps: AgentStep[];
}

export interface AgentOptions extends Omit<ExampleRunOptions, 'redisUrl'> {
  /** Most model turns before giving up. @default 6 */
  maxSteps?: number;
}

export async function main(options: AgentOptions = {}): Promise<AgentResult> {
  const out = options.out ?? ((line: string) => console.log(line));
  const env = await exampleLLM({ ...(options.mock !== undefined ? { mock: options.mock } : {}), script: weatherAgentModel });
  const llm = createLLMClient({
    providers: available(env, ['openai', () => env.openai({ failureThreshold: 3 })], ['anthropic', () => env.anthropic()]),
    retry: { retries: 1, minDelayMs: 50, maxDelayMs: 200 },
    timeoutMs: 30_000,
    deadlineMs: 90_000,
  });
  out(env.mock ? '(local mock provider: the primary goes down after the first turn)' : `(real providers: ${llm.providers.join(' → ')})`);

  const messages: Message[] = [{ role: 'user', content: 'What is the weather in Paris and Tokyo? Give me Fahrenheit.' }];
  const steps: AgentStep[] = [];
  try {
    for (let turn = 1; turn <= (options.maxSteps ?? 6); turn++) {
      const res: CompletionResponse = await llm.complete({
        system: 'You are a weather assistant. Use the tools; answer in one sentence.',
        messages,
        tools: TOOLS,
        maxTokens: 300,
      });
      const failedOver = [...new Set(res.attempts.filter((a) => a.outcome !== 'success' && a.provider !== res.provider).map((a) => a.provider))];
      steps.push({ provider: res.provider, toolCalls: res.toolCalls.map((c) => c.name), failedOver });
      const via = failedOver.length > 0 ? ` (failed over from ${failedOver.join(', ')})` : '';
      if (res.toolCalls.length === 0) {
        out(`turn ${turn}: ${res.provider}${via} answers: ${res.text}`);
        return { answer: res.text, steps };
      }
      out(`turn ${turn}: ${res.provider}${via} calls ${res.toolCalls.map((c) => `${c.name}(${c.arguments})`).join(', ')}`);
      messages.push({ role: 'assistant', content: res.text, toolCalls: res.toolCalls });
      for (const call of res.toolCalls) {
        const result = runTool(call);
        messages.push({ role: 'tool', toolCallId: call.id, content: result.content, ...(result.isError ? { isError: true } : {}) });
      }
      // The outage: after the first turn the primary starts failing (mock provider only).
      if (turn === 1) env.server?.setMode('down', 'openai');
    }
    throw new Error('the agent did not finish within its step budget');
  } finally {
    await llm.close();
    await env.close();
  }
}

if (isMain(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
