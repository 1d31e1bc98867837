/**
 * Bad input never crashes (issue 5, part 5.1): recorded provider payloads — JSON bodies and SSE
 * transcripts from test/fixtures — are randomly truncated and mutated by fast-check (byte-level
 * cuts, deletions, insertions, duplications; JSON-level value replacements; SSE-level dropped,
 * duplicated and reordered events) and served over nock to the REAL OpenAI and Anthropic adapters.
 *
 * Every call must end, within a bound, in exactly one of:
 *   - a valid result (every field of the normalized type well formed; a stream ends with `finish`);
 *   - a typed ProviderError of kind `bad_response`, or `connection` for a stream cut short.
 * Never another exception type, never a hang. (A mutation that happens to spell an in-band
 * `error` event may legitimately produce another ProviderError kind; it must still be typed.)
 *
 * Reproduce: FC_SEED=<seed> [FC_PATH=<path>] [FC_FUZZ_RUNS=120] npx vitest run test/robustness
 */
import fc from 'fast-check';
import nock from 'nock';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { anthropic } from '../../providers/anthropic/index.js';
import { openai } from '../../providers/openai/index.js';
import { ERROR_KINDS } from '../../src/errors/error-kind.js';
import { isProviderError } from '../../src/errors/provider-error.js';
import type { ProviderAdapter, ProviderResult, ProviderStreamEvent } from '../../src/provider.js';
import type { FinishReason, Usage } from '../../src/types.js';
import { HELLO, ctx, fixture } from '../providers/_helpers.js';
import { useNock } from '../providers/_nock.js';

const SEED = Number.parseInt(process.env.FC_SEED ?? '20251128', 10);
const PATH = process.env.FC_PATH;
const RUNS = Number.parseInt(process.env.FC_FUZZ_RUNS ?? '120', 10);
/** A single call must settle within this (nock answers at once: anything slower is a hang). */
const HANG_MS = 3000;

useNock();

// ------------------------------------------------------------------------------------------------
// Mutations
// ------------------------------------------------------------------------------------------------

type Mutation =
  | { m: 'truncate'; at: number }
  | { m: 'delete'; at: number; len: number }
  | { m: 'insert'; at: number; text: string }
  | { m: 'replaceChar'; at: number; ch: string }
  | { m: 'duplicate'; at: number; len: number }
  | { m: 'jsonValue'; pick: number; path: number[]; value: unknown }
  | { m: 'jsonNode'; pick: number; node: number; value: unknown }
  | { m: 'retypeKey'; key: number; value: unknown }
  | { m: 'dropEvent'; pick: number }
  | { m: 'dupEvent'; pick: number }
  | { m: 'swapEvents'; a: number; b: number }
  | { m: 'cutAtEvent'; pick: number }
  | { m: 'joinEvents'; pick: number };

/** Characters that matter to JSON and SSE parsers, plus some that do not. */
const nasty = fc.constantFrom('{', '}', '[', ']', '"', ':', ',', '\n', '\r', '\n\n', 'data: ', 'event: ', '\\', '\u0000', 'null', '-1', '1e999', '\u2028', '😀', ' ', 'x');
/** A position in [0, 1), unbiased: positions and picks spread over the whole payload. */
const fraction = fc.noBias(fc.integer({ min: 0, max: 999_999 })).map((n) => n / 1_000_000);
/** Replacement values: any JSON, or the wrong type for common fields. Never spells "error". */
const jsonValue = fc
  .oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom(null, '', 0, -1, 1.5, true, [], {}, 'text', 1e308, [null], { type: null }, { text: 42 }),
  )
  .filter((v) => !/error/i.test(JSON.stringify(v) ?? ''));

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fraction.map((at): Mutation => ({ m: 'truncate', at })),
  fc.record({ at: fraction, len: fc.integer({ min: 1, max: 40 }) }).map((r): Mutation => ({ m: 'delete', ...r })),
  fc.record({ at: fraction, text: fc.oneof(nasty, fc.string({ maxLength: 6 })) }).map((r): Mutation => ({ m: 'insert', ...r })),
  fc.record({ at: fraction, ch: nasty }).map((r): Mutation => ({ m: 'replaceChar', ...r })),
  fc.record({ at: fraction, len: fc.integer({ min: 1, max: 200 }) }).map((r): Mutation => ({ m: 'duplicate', ...r })),
  { arbitrary: fc.record({ pick: fraction, path: fc.array(fc.nat(), { maxLength: 5 }), value: jsonValue }).map((r): Mutation => ({ m: 'jsonValue', ...r })), weight: 4 },
  // any node of the document (deep fields included), chosen uniformly, gets a value of another type
  { arbitrary: fc.record({ pick: fraction, node: fraction, value: jsonValue }).map((r): Mutation => ({ m: 'jsonNode', ...r })), weight: 6 },
  // one field name (e.g. `arguments`, `text`, `index`) gets a value of another type wherever it occurs
  {
    arbitrary: fc
      .record({ key: fraction, value: fc.constantFrom(null, 42, -1, 2.5, true, false, [], {}, 'str', [1], { a: 1 }, '') })
      .map((r): Mutation => ({ m: 'retypeKey', ...r })),
    weight: 6,
  },
  fraction.map((pick): Mutation => ({ m: 'dropEvent', pick })),
  fraction.map((pick): Mutation => ({ m: 'dupEvent', pick })),
  fc.record({ a: fraction, b: fraction }).map((r): Mutation => ({ m: 'swapEvents', ...r })),
  fraction.map((pick): Mutation => ({ m: 'cutAtEvent', pick })),
  fraction.map((pick): Mutation => ({ m: 'joinEvents', pick })),
);

const idx = (f: number, n: number) => Math.min(n - 1, Math.floor(f * n));

/** Replaces the value at a (pseudo-random) path inside `root`; returns the new root. */
function replaceAt(root: unknown, path: number[], value: unknown): unknown {
  if (path.length === 0 || typeof root !== 'object' || root === null) return value;
  const [head, ...rest] = path as [number, ...number[]];
  if (Array.isArray(root)) {
    if (root.length === 0) return value;
    const copy = [...root];
    const i = head % copy.length;
    copy[i] = replaceAt(copy[i], rest, value);
    return copy;
  }
  const keys = Object.keys(root);
  if (keys.length === 0) return value;
  const k = keys[head % keys.length] as string;
  return { ...(root as Record<string, unknown>), [k]: replaceAt((root as Record<string, unknown>)[k], rest, value) };
}

/** Every node of a JSON document, as index paths for {@link replaceAt} (root first). */
function nodePaths(root: unknown, prefix: number[] = [], out: number[][] = []): number[][] {
  out.push(prefix);
  if (typeof root === 'object' && root !== null) {
    const children = Array.isArray(root) ? root : Object.values(root as Record<string, unknown>);
    children.forEach((child, i) => nodePaths(child, [...prefix, i], out));
  }
  return out;
}

/** Applies `edit` to the JSON of one document: the body, or one SSE event's `data:` line. */
function editJson(text: string, sse: boolean, pick: number, edit: (doc: unknown) => unknown): string {
  if (!sse) {
    try {
      return JSON.stringify(edit(JSON.parse(text)));
    } catch {
      return text; // already broken by an earlier mutation
    }
  }
  const events = splitEvents(text);
  const withData = events.map((e, i) => [e, i] as const).filter(([e]) => /^data: \{/m.test(e));
  if (withData.length === 0) return text;
  const [event, i] = withData[idx(pick, withData.length)] as readonly [string, number];
  events[i] = event.replace(/^data: (.*)$/m, (line, json: string) => {
    try {
      return `data: ${JSON.stringify(edit(JSON.parse(json)))}`;
    } catch {
      return line;
    }
  });
  return joinEvents(events);
}

/** Every distinct object key of a document, sorted. */
function keysOf(root: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(root)) root.forEach((c) => keysOf(c, out));
  else if (typeof root === 'object' && root !== null) {
    for (const [k, v] of Object.entries(root)) {
      out.add(k);
      keysOf(v, out);
    }
  }
  return out;
}

/** Sets every property named `key`, at any depth, to `value`. */
function retype(root: unknown, key: string, value: unknown): unknown {
  if (Array.isArray(root)) return root.map((c) => retype(c, key, value));
  if (typeof root !== 'object' || root === null) return root;
  return Object.fromEntries(Object.entries(root).map(([k, v]) => [k, k === key ? value : retype(v, key, value)]));
}

/** The JSON documents of a body (itself) or of a transcript (its `data:` lines). */
function documents(text: string, sse: boolean): unknown[] {
  const raw = sse ? [...text.matchAll(/^data: (.*)$/gm)].map((m) => m[1] as string) : [text];
  return raw.flatMap((j) => {
    try {
      return [JSON.parse(j) as unknown];
    } catch {
      return [];
    }
  });
}

/** SSE events are separated by a blank line. */
const splitEvents = (text: string) => text.split(/\n\n/);
const joinEvents = (events: string[]) => events.join('\n\n');

function applyMutation(text: string, mu: Mutation, sse: boolean): string {
  const n = text.length;
  switch (mu.m) {
    case 'truncate':
      return text.slice(0, Math.floor(mu.at * n));
    case 'delete': {
      const at = Math.floor(mu.at * n);
      return text.slice(0, at) + text.slice(at + mu.len);
    }
    case 'insert': {
      const at = Math.floor(mu.at * n);
      return text.slice(0, at) + mu.text + text.slice(at);
    }
    case 'replaceChar': {
      const at = Math.floor(mu.at * n);
      return text.slice(0, at) + mu.ch + text.slice(at + 1);
    }
    case 'duplicate': {
      const at = Math.floor(mu.at * n);
      return text.slice(0, at + mu.len) + text.slice(at);
    }
    case 'jsonValue':
      return editJson(text, sse, mu.pick, (doc) => replaceAt(doc, mu.path, mu.value));
    case 'jsonNode':
      return editJson(text, sse, mu.pick, (doc) => {
        const paths = nodePaths(doc);
        return replaceAt(doc, paths[idx(mu.node, paths.length)] as number[], mu.value);
      });
    case 'retypeKey': {
      const keys = new Set<string>();
      for (const doc of documents(text, sse)) keysOf(doc, keys);
      const sorted = [...keys].sort();
      if (sorted.length === 0) return text;
      const key = sorted[idx(mu.key, sorted.length)] as string;
      if (!sse) return editJson(text, false, 0, (doc) => retype(doc, key, mu.value));
      return text.replace(/^data: (.*)$/gm, (line, json: string) => {
        try {
          return `data: ${JSON.stringify(retype(JSON.parse(json), key, mu.value))}`;
        } catch {
          return line;
        }
      });
    }
    default: {
      if (!sse) return text;
      const events = splitEvents(text);
      if (events.length === 0) return text;
      const i = idx('pick' in mu ? mu.pick : 0, events.length);
      if (mu.m === 'dropEvent') events.splice(i, 1);
      else if (mu.m === 'dupEvent') events.splice(i, 0, events[i] as string);
      else if (mu.m === 'cutAtEvent') events.length = i;
      else if (mu.m === 'joinEvents' && i + 1 < events.length) events.splice(i, 2, `${events[i]}\n${events[i + 1]}`);
      else if (mu.m === 'swapEvents') {
        const a = idx(mu.a, events.length);
        const b = idx(mu.b, events.length);
        [events[a], events[b]] = [events[b] as string, events[a] as string];
      }
      return joinEvents(events);
    }
  }
}

// ------------------------------------------------------------------------------------------------
// What a valid result is
// ------------------------------------------------------------------------------------------------

const FINISH: ReadonlySet<FinishReason> = new Set(['stop', 'length', 'tool_calls', 'content_filter', 'other']);
const isCount = (v: unknown) => typeof v === 'number' && Number.isFinite(v);

function usageProblem(u: Usage | undefined): string | undefined {
  if (typeof u !== 'object' || u === null) return 'usage is not an object';
  for (const k of ['inputTokens', 'outputTokens', 'totalTokens'] as const) if (!isCount(u[k])) return `usage.${k} = ${inspect(u[k])}`;
  for (const k of ['cachedInputTokens', 'cacheWriteInputTokens', 'reasoningTokens'] as const) {
    if (u[k] !== undefined && !isCount(u[k])) return `usage.${k} = ${inspect(u[k])}`;
  }
  return undefined;
}

function resultProblem(r: ProviderResult): string | undefined {
  if (typeof r.text !== 'string') return `text = ${inspect(r.text)}`;
  if (!Array.isArray(r.toolCalls)) return 'toolCalls is not an array';
  for (const c of r.toolCalls) {
    if (typeof c.id !== 'string' || typeof c.name !== 'string' || typeof c.arguments !== 'string') return `tool call ${inspect(c)}`;
  }
  if (!FINISH.has(r.finishReason)) return `finishReason = ${inspect(r.finishReason)}`;
  if (typeof r.model !== 'string' || r.model === '') return `model = ${inspect(r.model)}`;
  if (r.requestId !== undefined && typeof r.requestId !== 'string') return `requestId = ${inspect(r.requestId)}`;
  return usageProblem(r.usage);
}

function eventProblem(e: ProviderStreamEvent): string | undefined {
  switch (e.type) {
    case 'text':
      return typeof e.delta === 'string' && e.delta !== '' ? undefined : `text delta ${inspect(e.delta)}`;
    case 'tool_call_delta':
      if (!Number.isInteger(e.index) || e.index < 0) return `tool_call_delta index ${inspect(e.index)}`;
      if (typeof e.id !== 'string' || typeof e.name !== 'string' || typeof e.argumentsDelta !== 'string') return `tool_call_delta ${inspect(e)}`;
      return undefined;
    case 'finish':
      if (!FINISH.has(e.finishReason)) return `finishReason ${inspect(e.finishReason)}`;
      if (typeof e.model !== 'string' || e.model === '') return `finish model ${inspect(e.model)}`;
      return usageProblem(e.usage);
    default:
      return `unknown event ${inspect(e)}`;
  }
}

function errorProblem(err: unknown, allowed: readonly string[], mutated: string): string | undefined {
  if (!isProviderError(err)) return `not a ProviderError: ${inspect(err)}`;
  if (!ERROR_KINDS.includes(err.kind)) return `unknown kind ${err.kind}`;
  // A mutation that spells an in-band error event is served as one: any typed kind is then right.
  if (/error/i.test(mutated)) return undefined;
  return allowed.includes(err.kind) ? undefined : `kind ${err.kind} (allowed: ${allowed.join(', ')}): ${err.message}`;
}

function withinBound<T>(p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`HANG: no outcome within ${HANG_MS} ms`)), HANG_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}

// ------------------------------------------------------------------------------------------------
// The two adapters
// ------------------------------------------------------------------------------------------------

interface Target {
  label: string;
  api: string;
  path: string;
  requestIdHeader: string;
  adapter: ProviderAdapter;
  json: string[];
  sse: string[];
}

const targets: Target[] = [
  {
    label: 'openai',
    api: 'https://api.openai.com',
    path: '/v1/chat/completions',
    requestIdHeader: 'x-request-id',
    adapter: openai({ model: 'gpt-4o-mini', apiKey: 'sk-fuzz-openai-00000001' }),
    json: ['chat-completion.json', 'chat-completion-tool-calls.json', 'chat-completion-refusal.json'],
    sse: ['stream-text.sse', 'stream-tool-calls.sse', 'stream-ollama-length.sse', 'stream-cut.sse', 'stream-malformed.sse'],
  },
  {
    label: 'anthropic',
    api: 'https://api.anthropic.com',
    path: '/v1/messages',
    requestIdHeader: 'request-id',
    adapter: anthropic({ model: 'claude-haiku-4-5', apiKey: 'sk-ant-fuzz-00000001' }),
    json: ['message.json', 'message-tool-use.json', 'message-refusal.json'],
    sse: ['stream-text.sse', 'stream-tool-use.sse', 'stream-max-tokens.sse', 'stream-cut.sse', 'stream-malformed.sse'],
  },
];

function caseArb(files: string[]) {
  return fc.record({
    file: fc.constantFrom(...files),
    mutations: fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
    contentType: fc.constantFrom('default', 'default', 'default', 'text/plain', 'none'),
  });
}

async function assertProperty(label: string, arb: fc.Arbitrary<unknown>, body: (v: never) => Promise<void>): Promise<void> {
  try {
    await fc.assert(fc.asyncProperty(arb, body as (v: unknown) => Promise<void>), { seed: SEED, numRuns: RUNS, ...(PATH ? { path: PATH } : {}) });
  } catch (err) {
    throw new Error(`[${label}] replay with FC_SEED=${SEED} (and FC_PATH from below)\n${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

describe.each(targets)('$label adapter: fuzzed payloads', (t) => {
  it(`complete(): a mutated JSON body gives a valid result or a bad_response (${RUNS} runs)`, async () => {
    await assertProperty(`${t.label} complete`, caseArb(t.json), async (c: { file: string; mutations: Mutation[]; contentType: string }) => {
      const body = c.mutations.reduce((text, mu) => applyMutation(text, mu, false), fixture(`${t.label}/${c.file}`));
      const headers: Record<string, string> = { [t.requestIdHeader]: 'req_fuzz' };
      if (c.contentType === 'default') headers['content-type'] = 'application/json';
      else if (c.contentType !== 'none') headers['content-type'] = c.contentType;
      const scope = nock(t.api).post(t.path).reply(200, body, headers);
      let outcome: { ok: true; value: ProviderResult } | { ok: false; error: unknown };
      try {
        outcome = { ok: true, value: await withinBound(t.adapter.complete(HELLO, ctx(t.adapter.model))) };
      } catch (error) {
        if (error instanceof Error && error.message.startsWith('HANG')) throw error;
        outcome = { ok: false, error };
      }
      scope.done();
      const problem = outcome.ok ? resultProblem(outcome.value) : errorProblem(outcome.error, ['bad_response'], body);
      expect(problem, `body: ${JSON.stringify(body.slice(0, 400))}`).toBeUndefined();
    });
  }, 60_000);

  it(`stream(): a mutated SSE transcript gives valid events or bad_response / connection (${RUNS} runs)`, async () => {
    await assertProperty(`${t.label} stream`, caseArb(t.sse), async (c: { file: string; mutations: Mutation[]; contentType: string }) => {
      const body = c.mutations.reduce((text, mu) => applyMutation(text, mu, true), fixture(`${t.label}/${c.file}`));
      const headers: Record<string, string> = { [t.requestIdHeader]: 'req_fuzz' };
      if (c.contentType === 'default') headers['content-type'] = 'text/event-stream; charset=utf-8';
      else if (c.contentType !== 'none') headers['content-type'] = c.contentType;
      nock(t.api).post(t.path).reply(200, body, headers);
      const events: ProviderStreamEvent[] = [];
      let error: unknown;
      let failed = false;
      const consume = async () => {
        for await (const e of t.adapter.stream(HELLO, ctx(t.adapter.model))) events.push(e);
      };
      try {
        await withinBound(consume());
      } catch (e) {
        if (e instanceof Error && e.message.startsWith('HANG')) throw e;
        failed = true;
        error = e;
      }
      const where = `body: ${JSON.stringify(body.slice(0, 600))}\nevents: ${inspect(events, { depth: 4 })}`;
      for (const e of events) expect(eventProblem(e), where).toBeUndefined();
      const finishes = events.filter((e) => e.type === 'finish').length;
      if (failed) {
        expect(errorProblem(error, ['bad_response', 'connection'], body), where).toBeUndefined();
        expect(finishes, where).toBe(0);
      } else {
        // a stream that ends without an error ends with exactly one `finish`, last
        expect(finishes, where).toBe(1);
        expect(events.at(-1)?.type, where).toBe('finish');
      }
    });
  }, 60_000);
});
