import { afterEach, describe, expect, it } from 'vitest';
import { createLLMClient, type LLMClient } from '../../src/client.js';
import type { LLMClientOptions } from '../../src/client-options.js';
import { AllProvidersFailedError } from '../../src/errors/all-providers-failed-error.js';
import { ConfigError } from '../../src/errors/config-error.js';
import { ProviderError } from '../../src/errors/provider-error.js';
import type { ProviderStreamEvent } from '../../src/provider.js';
import type { StreamEvent } from '../../src/types.js';
import { scripted } from '../helpers/scripted-adapter.js';

const msgs = { messages: [{ role: 'user' as const, content: 'Hello' }] };
const usage = { inputTokens: 5, outputTokens: 3, totalTokens: 8 };
const full: ProviderStreamEvent[] = [
  { type: 'text', delta: 'Hel' },
  { type: 'text', delta: 'lo' },
  { type: 'tool_call_delta', index: 0, id: 'call_1', name: 'lookup', argumentsDelta: '{"q":' },
  { type: 'tool_call_delta', index: 0, id: '', name: '', argumentsDelta: '"x"}' },
  { type: 'finish', finishReason: 'tool_calls', usage, model: 'served-model', requestId: 'r1' },
];

const clients: LLMClient[] = [];
function client(o: LLMClientOptions): LLMClient {
  const c = createLLMClient(o);
  clients.push(c);
  return c;
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

async function collect(it: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const ev of it) out.push(ev);
  return out;
}

describe('llm.stream()', () => {
  it('yields normalized text, tool-call parts and a final finish event; toResponse assembles it', async () => {
    const a = scripted('a', [], { streamScript: [{ events: full }] });
    const llm = client({ providers: [a] });
    const s = llm.stream(msgs);
    const events = await collect(s);
    expect(events.map((e) => e.type)).toEqual(['text', 'text', 'tool_call_delta', 'tool_call_delta', 'finish']);
    expect(events[3]).toMatchObject({ id: 'call_1', name: 'lookup', argumentsDelta: '"x"}' });
    const fin = events[4] as Extract<StreamEvent, { type: 'finish' }>;
    expect(fin).toMatchObject({ finishReason: 'tool_calls', usage, provider: 'a', model: 'served-model', requestId: 'r1' });
    expect(fin.attempts).toHaveLength(1);
    const res = await s.toResponse();
    expect(res.text).toBe('Hello');
    expect(res.toolCalls).toEqual([{ id: 'call_1', name: 'lookup', arguments: '{"q":"x"}' }]);
    expect((await llm.breaker('a').snapshot()).failures).toBe(0);
  });

  it('tool calls from an adapter with sparse indexes come out dense: no holes in toolCalls (issue 11 §2.1)', async () => {
    const sparse: ProviderStreamEvent[] = [
      { type: 'tool_call_delta', index: 1, id: 'call_b', name: 'b', argumentsDelta: '{}' },
      { type: 'tool_call_delta', index: 4, id: 'call_c', name: 'c', argumentsDelta: '{"x":' },
      { type: 'tool_call_delta', index: 4, id: 'call_c', name: 'c', argumentsDelta: '1}' },
      { type: 'finish', finishReason: 'tool_calls', usage, model: 'm' },
    ];
    const s = client({ providers: [scripted('a', [], { streamScript: [{ events: sparse }] })] }).stream(msgs);
    const events = await collect(s);
    expect(events.flatMap((e) => (e.type === 'tool_call_delta' ? [e.index] : []))).toEqual([0, 1, 1]);
    const res = await s.toResponse();
    expect(res.toolCalls).toEqual([
      { id: 'call_b', name: 'b', arguments: '{}' },
      { id: 'call_c', name: 'c', arguments: '{"x":1}' },
    ]);
    expect(Object.keys(res.toolCalls)).toEqual(['0', '1']);
  });

  it('toResponse() consumes the stream when nobody iterates it', async () => {
    const llm = client({ providers: [scripted('a', [], { streamScript: [{ events: full }] })] });
    const res = await llm.stream(msgs).toResponse();
    expect(res.text).toBe('Hello');
    expect(res.provider).toBe('a');
  });

  it('an error before the first event fails over (and counts)', async () => {
    const a = scripted('a', [], { streamScript: [{ error: 'overloaded' }] });
    const b = scripted('b', [], { streamScript: [{ events: full }] });
    const llm = client({ providers: [a, b], retry: { retries: 0 } });
    const s = llm.stream(msgs);
    const events = await collect(s);
    expect(events.at(-1)).toMatchObject({ type: 'finish', provider: 'b' });
    expect(s.attempts.map((x) => `${x.provider}:${x.errorKind ?? x.outcome}`)).toEqual(['a:overloaded', 'b:success']);
    expect((await llm.breaker('a').snapshot()).failures).toBe(1);
  });

  it('a failure after the first event ends with a ProviderError, keeps the partial text, no failover', async () => {
    const a = scripted('a', [], { streamScript: [{ events: full.slice(0, 2), then: { error: 'connection' } }] });
    const b = scripted('b', [], { streamScript: [{ events: full }] });
    const llm = client({ providers: [a, b], retry: { retries: 2, minDelayMs: 1 } });
    const s = llm.stream(msgs);
    const got: string[] = [];
    const err = await (async () => {
      for await (const ev of s) if (ev.type === 'text') got.push(ev.delta);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).kind).toBe('connection');
    expect(got.join('')).toBe('Hello');
    expect(s.partial.text).toBe('Hello');
    expect(s.partial.provider).toBe('a');
    expect(a.streamCalls).toBe(1);
    expect(b.streamCalls).toBe(0);
    expect((await llm.breaker('a').snapshot()).failures).toBe(1);
    await expect(s.toResponse()).rejects.toBe(err);
  });

  it('a stall before the first event fails over after the time-to-first-token timeout', async () => {
    const a = scripted('a', [], { streamScript: ['hang'] });
    const b = scripted('b', [], { streamScript: [{ events: full }] });
    const llm = client({ providers: [a, b], retry: { retries: 0 }, timeoutMs: 50 });
    const t0 = performance.now();
    const s = llm.stream(msgs);
    const events = await collect(s);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(45);
    expect(events.at(-1)).toMatchObject({ type: 'finish', provider: 'b' });
    expect(s.attempts[0]).toMatchObject({ provider: 'a', errorKind: 'timeout' });
    expect(a.closedEarly).toBe(1);
  });

  it('a stall mid-stream ends it after idleTimeoutMs with a timeout error', async () => {
    const a = scripted('a', [], { streamScript: [{ events: full.slice(0, 1), then: 'hang' }] });
    const llm = client({ providers: [a, scripted('b', [], { streamScript: [{ events: full }] })], idleTimeoutMs: 60 });
    const s = llm.stream(msgs);
    const t0 = performance.now();
    const err = await collect(s).catch((e: unknown) => e);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(55);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).kind).toBe('timeout');
    expect((err as ProviderError).message).toMatch(/stalled/);
    expect(s.partial.text).toBe('Hel');
    expect(a.closedEarly).toBe(1);
    expect((await llm.breaker('a').snapshot()).failures).toBe(1);
  });

  it('a slow consumer does not trip the idle timeout', async () => {
    const a = scripted('a', [], { streamScript: [{ events: full }] });
    const llm = client({ providers: [a], idleTimeoutMs: 30, timeoutMs: 30 });
    const out: string[] = [];
    for await (const ev of llm.stream(msgs)) {
      out.push(ev.type);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(out.at(-1)).toBe('finish');
  });

  it('the caller aborting mid-stream ends it as aborted, uncounted', async () => {
    const a = scripted('a', [], { streamScript: [{ events: full.slice(0, 1), then: 'hang' }] });
    const llm = client({ providers: [a] });
    const ac = new AbortController();
    const s = llm.stream(msgs, { signal: ac.signal });
    const err = await (async () => {
      for await (const ev of s) if (ev.type === 'text') setTimeout(() => ac.abort(), 10);
    })().catch((e: unknown) => e);
    expect((err as ProviderError).kind).toBe('aborted');
    expect(a.closedEarly).toBe(1);
    const snap = await llm.breaker('a').snapshot();
    expect(snap.failures).toBe(0);
  });

  it('break closes the request and counts neither success nor failure', async () => {
    const a = scripted('a', [], { breaker: { failureThreshold: 1 }, streamScript: [{ events: full, gapMs: 5 }] });
    const llm = client({ providers: [a] });
    const s = llm.stream(msgs);
    for await (const ev of s) {
      if (ev.type === 'text') break;
    }
    expect(a.closedEarly).toBe(1);
    const snap = await llm.breaker('a').snapshot();
    expect(snap.state).toBe('closed');
    expect(snap.failures).toBe(0);
    expect(s.attempts.at(-1)).toMatchObject({ errorKind: 'aborted' });
    await expect(s.toResponse()).rejects.toMatchObject({ kind: 'aborted' });
  });

  it('an open circuit sends the stream straight to the fallback', async () => {
    const a = scripted('a', [], { streamScript: [{ events: full }] });
    const b = scripted('b', [], { streamScript: [{ events: full }] });
    const llm = client({ providers: [a, b] });
    await llm.breaker('a').forceOpen();
    const s = llm.stream(msgs);
    const events = await collect(s);
    expect(events.at(-1)).toMatchObject({ type: 'finish', provider: 'b' });
    expect(a.streamCalls).toBe(0);
    expect(s.attempts[0]).toMatchObject({ provider: 'a', outcome: 'circuit_open' });
  });

  it('a half-open probe stream that completes closes the circuit', async () => {
    const a = scripted('a', [], { breaker: { failureThreshold: 1, successThreshold: 1, resetTimeoutMs: 30 }, streamScript: [{ error: 'server' }, { events: full }] });
    const llm = client({ providers: [a, scripted('b', [], { streamScript: [{ events: full }] })], retry: { retries: 0 } });
    await collect(llm.stream(msgs));
    expect(await llm.breaker('a').getState()).toBe('open');
    await new Promise((r) => setTimeout(r, 40));
    const events = await collect(llm.stream(msgs));
    expect(events.at(-1)).toMatchObject({ provider: 'a' });
    expect(await llm.breaker('a').getState()).toBe('closed');
  });

  it('every provider failing before the first event gives AllProvidersFailedError', async () => {
    const llm = client({
      providers: [scripted('a', [], { streamScript: [{ error: 'server' }] }), scripted('b', [], { streamScript: [{ error: 'auth' }] })],
      retry: { retries: 0 },
    });
    const s = llm.stream(msgs);
    const err = await collect(s).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AllProvidersFailedError);
    expect((err as AllProvidersFailedError).attempts.map((x) => x.errorKind)).toEqual(['server', 'auth']);
  });

  it('a stream can be iterated only once', async () => {
    const llm = client({ providers: [scripted('a', [], { streamScript: [{ events: full }] })] });
    const s = llm.stream(msgs);
    await collect(s);
    expect(() => s[Symbol.asyncIterator]()).toThrow(ConfigError);
  });
});
