/**
 * Scripted "models" for the local mock provider, so the examples behave like the real thing with no
 * API key: they read the request as the provider would (OpenAI or Anthropic wire format) and answer.
 */
import type { MockReply, MockRequest } from '../../src/testing/index.js';

type Json = Record<string, unknown>;

function asArray(v: unknown): Json[] {
  return Array.isArray(v) ? (v.filter((x) => typeof x === 'object' && x !== null) as Json[]) : [];
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  return asArray(content)
    .map((p) => (typeof p.text === 'string' ? p.text : typeof p.content === 'string' ? p.content : textOf(p.content)))
    .join('');
}

/** The tool results a request carries (OpenAI `tool` messages; Anthropic `tool_result` blocks). */
export function toolResults(req: MockRequest): string[] {
  const messages = asArray(req.body.messages);
  if (req.route === 'openai') return messages.filter((m) => m.role === 'tool').map((m) => textOf(m.content));
  return messages.flatMap((m) => asArray(m.content)).filter((b) => b.type === 'tool_result').map((b) => textOf(b.content));
}

/** The text of the last user message (Anthropic tool results excluded). */
export function lastUserText(req: MockRequest): string {
  const users = asArray(req.body.messages).filter((m) => m.role === 'user');
  return textOf(asArray([users[users.length - 1]])[0]?.content);
}

/** The system prompt (OpenAI `system` messages; Anthropic top-level `system`). */
export function systemText(req: MockRequest): string {
  if (req.route === 'anthropic') return textOf(req.body.system);
  return asArray(req.body.messages)
    .filter((m) => m.role === 'system' || m.role === 'developer')
    .map((m) => textOf(m.content))
    .join('\n');
}

const CITIES = ['Paris', 'Tokyo', 'London', 'New York', 'Lima'];

/**
 * The agent's model: asked about cities, it first calls `get_weather` for each; given the results
 * it calls `to_fahrenheit` for each Celsius value; given those, it answers in words.
 */
export function weatherAgentModel(req: MockRequest): MockReply {
  const results = toolResults(req).map((r) => JSON.parse(r) as Json);
  const weather = results.filter((r) => typeof r.city === 'string');
  const converted = results.filter((r) => typeof r.fahrenheit === 'number');
  if (weather.length === 0) {
    const cities = CITIES.filter((c) => lastUserText(req).includes(c));
    return { toolCalls: cities.map((city) => ({ name: 'get_weather', arguments: { city } })) };
  }
  if (converted.length === 0) {
    return { toolCalls: weather.map((w) => ({ name: 'to_fahrenheit', arguments: { celsius: w.celsius } })) };
  }
  const parts = weather.map((w, i) => `${String(w.city)}: ${String(converted[i]?.fahrenheit)}°F and ${String(w.conditions)}`);
  return { text: `Here is the weather. ${parts.join('; ')}.` };
}

const STOPWORDS = new Set(['a', 'an', 'the', 'how', 'do', 'does', 'i', 'my', 'to', 'of', 'in', 'on', 'for', 'is', 'are', 'what', 'when', 'with', 'and', 'or', 'can', 'it', 'me', 'keep', 'stop']);

/** The search service's query rewriter: keywords of the question, lowercase. */
export function queryRewriterModel(req: MockRequest): MockReply {
  const words = lastUserText(req)
    .toLowerCase()
    .replace(/[^a-z0-9\s-]/g, ' ')
    .split(/\s+/)
    .filter((w) => w.length > 1 && !STOPWORDS.has(w));
  return { text: words.join(' ') };
}

/** The skill engine's model: answers per skill, by its system prompt. */
export function skillModel(req: MockRequest): MockReply {
  const system = systemText(req);
  const input = lastUserText(req);
  if (system.includes('Summarize')) return { text: `Summary: ${input.split(/[.!?]/)[0] ?? input}.` };
  if (system.includes('JSON')) return { text: JSON.stringify({ email: /\S+@\S+/.exec(input)?.[0] ?? null, words: input.split(/\s+/).length }) };
  if (system.includes('Classify')) return { text: /refund|broken|angry|late/i.test(input) ? 'complaint' : 'question' };
  return { text: 'ok' };
}
