import { metrics, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AllProvidersFailedError,
  ConfigError,
  createLLMClient,
  getCircuitBreaker,
  memoryStore,
  OTEL_METRICS,
  otelTelemetry,
  type LLMClient,
  type LLMClientOptions,
} from '../../src/index.js';
import { fakeClock } from '../helpers/fake-clock.js';
import { result, scripted } from '../helpers/scripted-adapter.js';
import { otelHarness, type OtelHarness } from './otel-harness.js';

const msgs = { messages: [{ role: 'user' as const, content: 'Hello' }], maxTokens: 64, temperature: 0.2 };
const fast = { retries: 0, minDelayMs: 1, maxDelayMs: 2 };

let h: OtelHarness;
const clients: LLMClient[] = [];
function client(o: Omit<LLMClientOptions, 'telemetry'>): LLMClient {
  const c = createLLMClient({ ...o, telemetry: otelTelemetry({ tracerProvider: h.tracerProvider, meterProvider: h.meterProvider }) });
  clients.push(c);
  return c;
}
beforeEach(() => {
  h = otelHarness();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await h.shutdown();
});

function callSpan(spans: ReadableSpan[]): ReadableSpan {
  const calls = spans.filter((s) => s.name.startsWith('chat '));
  expect(calls).toHaveLength(1);
  return calls[0] as ReadableSpan;
}
function attemptSpans(spans: ReadableSpan[]): ReadableSpan[] {
  return spans.filter((s) => s.name.startsWith('attempt ')).sort((x, y) => x.startTime[0] - y.startTime[0] || x.startTime[1] - y.startTime[1]);
}
const ms = (t: [number, number]): number => t[0] * 1000 + t[1] / 1e6;

describe('OpenTelemetry spans', () => {
  it('one chat span per complete() with GenAI attributes, and a child span per attempt', async () => {
    const llm = client({ providers: [scripted('a'), scripted('b')] });
    const res = await llm.complete(msgs);
    const spans = h.spans();
    const call = callSpan(spans);
    expect(call.name).toBe('chat a-model');
    expect(call.kind).toBe(SpanKind.CLIENT);
    expect(call.instrumentationScope.name).toBe('llm-breaker');
    expect(call.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'test',
      'gen_ai.request.model': 'a-model',
      'gen_ai.request.max_tokens': 64,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.response.model': res.model,
      'gen_ai.usage.input_tokens': 3,
      'gen_ai.usage.output_tokens': 2,
      'gen_ai.response.finish_reasons': ['stop'],
      'llm_breaker.operation': 'complete',
      'llm_breaker.provider': 'a',
      'llm_breaker.attempts': 1,
      'llm_breaker.failovers': 0,
    });
    expect(call.status.code).not.toBe(SpanStatusCode.ERROR);
    const [attempt] = attemptSpans(spans);
    expect(attempt?.name).toBe('attempt a');
    expect(attempt?.parentSpanContext?.spanId).toBe(call.spanContext().spanId);
    expect(attempt?.spanContext().traceId).toBe(call.spanContext().traceId);
    expect(attempt?.attributes).toMatchObject({
      'llm_breaker.provider': 'a',
      'llm_breaker.retry': 0,
      'llm_breaker.attempt.outcome': 'success',
      'llm_breaker.breaker.state': 'closed',
      'llm_breaker.failover': false,
      'gen_ai.request.model': 'a-model',
    });
  });

  it('attempt spans record the error kind, the retry, the failover and their own timing', async () => {
    const a = scripted('a', [{ error: 'server', status: 500 }]);
    const llm = client({ providers: [a, scripted('b')], retry: { ...fast, retries: 1 } });
    const res = await llm.complete(msgs);
    expect(res.provider).toBe('b');
    const spans = h.spans();
    const call = callSpan(spans);
    const attempts = attemptSpans(spans);
    expect(attempts.map((s) => [s.name, s.attributes['llm_breaker.retry'], s.attributes['error.type'], s.attributes['llm_breaker.failover']])).toEqual([
      ['attempt a', 0, 'server', false],
      ['attempt a', 1, 'server', true],
      ['attempt b', 0, undefined, false],
    ]);
    expect(attempts[1]?.attributes['llm_breaker.failover.to']).toBe('b');
    expect(attempts[0]?.status.code).toBe(SpanStatusCode.ERROR);
    expect(attempts[0]?.events.some((e) => e.name === 'exception')).toBe(true);
    for (const s of attempts) {
      expect(s.parentSpanContext?.spanId).toBe(call.spanContext().spanId);
      expect(ms(s.startTime)).toBeGreaterThanOrEqual(ms(call.startTime) - 1);
      expect(ms(s.endTime)).toBeLessThanOrEqual(ms(call.endTime) + 1);
    }
    expect(call.attributes).toMatchObject({ 'llm_breaker.provider': 'b', 'llm_breaker.attempts': 3, 'llm_breaker.failovers': 1 });
  });

  it('a rejected attempt (open circuit) carries the breaker state; a failed call marks its span as an error', async () => {
    const llm = client({ providers: [scripted('a', [{ error: 'server' }]), scripted('b', [{ error: 'auth', status: 401 }])], retry: fast });
    await llm.breaker('a').forceOpen();
    await expect(llm.complete(msgs)).rejects.toBeInstanceOf(AllProvidersFailedError);
    const spans = h.spans();
    const call = callSpan(spans);
    expect(call.status.code).toBe(SpanStatusCode.ERROR);
    expect(call.attributes['error.type']).toBe('all_providers_failed');
    const [rejected, failed] = attemptSpans(spans);
    expect(rejected?.attributes).toMatchObject({
      'llm_breaker.attempt.outcome': 'circuit_open',
      'error.type': 'circuit_open',
      'llm_breaker.breaker.state': 'open',
      'llm_breaker.failover': true,
      'llm_breaker.failover.to': 'b',
    });
    expect(failed?.attributes).toMatchObject({ 'error.type': 'auth', 'llm_breaker.failover': false });
  });

  it('one span per stream(), ended when the stream finishes, with the usage of the finish event', async () => {
    const a = scripted('a', [], {
      streamScript: [
        {
          events: [
            { type: 'text', delta: 'Hel' },
            { type: 'text', delta: 'lo' },
            { type: 'finish', finishReason: 'length', usage: { inputTokens: 7, outputTokens: 9, totalTokens: 16 }, model: 'a-model-2' },
          ],
        },
      ],
    });
    const llm = client({ providers: [a] });
    let text = '';
    for await (const ev of llm.stream(msgs)) if (ev.type === 'text') text += ev.delta;
    expect(text).toBe('Hello');
    const call = callSpan(h.spans());
    expect(call.attributes).toMatchObject({
      'llm_breaker.operation': 'stream',
      'gen_ai.response.model': 'a-model-2',
      'gen_ai.usage.input_tokens': 7,
      'gen_ai.usage.output_tokens': 9,
      'gen_ai.response.finish_reasons': ['length'],
    });
    expect(attemptSpans(h.spans())).toHaveLength(1);
  });
});

describe('OpenTelemetry metrics', () => {
  it('counts calls, failures, rejections and failovers per provider', async () => {
    const llm = client({ providers: [scripted('a', [{ error: 'server' }]), scripted('b')], retry: fast, breaker: { failureThreshold: 2 } });
    await llm.complete(msgs); // a fails (1), fails over to b
    await llm.complete(msgs); // a fails (2): opens; b serves
    await llm.complete(msgs); // a rejected (open); b serves
    expect(await h.count(OTEL_METRICS.calls, { 'llm_breaker.provider': 'a' })).toBe(2);
    expect(await h.count(OTEL_METRICS.calls, { 'llm_breaker.provider': 'b', 'llm_breaker.outcome': 'success' })).toBe(3);
    expect(await h.count(OTEL_METRICS.failures, { 'llm_breaker.provider': 'a', 'error.type': 'server' })).toBe(2);
    expect(await h.count(OTEL_METRICS.failures, { 'llm_breaker.provider': 'b' })).toBe(0);
    expect(await h.count(OTEL_METRICS.rejections, { 'llm_breaker.provider': 'a' })).toBe(1);
    expect(await h.count(OTEL_METRICS.failovers, { 'llm_breaker.provider': 'a', 'llm_breaker.failover.to': 'b' })).toBe(3);
    const durations = await h.points(OTEL_METRICS.operationDuration);
    expect(durations.reduce((n, p) => n + (p.value as { count: number }).count, 0)).toBe(3);
    const tokens = await h.points(OTEL_METRICS.tokenUsage);
    expect(tokens.map((p) => p.attributes['gen_ai.token.type']).sort()).toEqual(['input', 'output']);
  });

  it('usage the provider did not report is left out, not recorded as 0 tokens', async () => {
    const silent = scripted('silent');
    silent.complete = async (_request, ctx) => ({
      ...result('hi', ctx.model),
      usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0, unreported: ['inputTokens', 'outputTokens', 'totalTokens'] },
    });
    const llm = client({ providers: [silent] });
    await llm.complete(msgs);
    const call = callSpan(h.spans());
    expect(call.attributes['gen_ai.usage.input_tokens']).toBeUndefined();
    expect(call.attributes['gen_ai.usage.output_tokens']).toBeUndefined();
    expect(await h.points(OTEL_METRICS.tokenUsage)).toEqual([]);
  });

  it('observes every breaker state as a gauge (0 closed, 1 half-open, 2 open)', async () => {
    const llm = client({ providers: [scripted('gauge-a'), scripted('gauge-b')], breaker: { resetTimeoutMs: 60_000 } });
    await llm.breaker('gauge-a').forceOpen();
    await llm.health();
    const points = await h.points(OTEL_METRICS.breakerState);
    const byName: Record<string, unknown> = Object.fromEntries(points.map((p) => [String(p.attributes['llm_breaker.breaker.name']), p.value]));
    expect(byName).toMatchObject({ 'gauge-a': 2, 'gauge-b': 0 });
    expect(points.find((p) => p.attributes['llm_breaker.breaker.name'] === 'gauge-a')?.attributes['llm_breaker.store']).toBe('memory');
  });

  it('the gauge covers standalone breakers too, half-open included', async () => {
    client({ providers: [scripted('gauge-c')] }); // registers the instruments
    const clock = fakeClock();
    const b = getCircuitBreaker('gauge-standalone', { store: memoryStore({ clock: clock.now }), failureThreshold: 1, resetTimeoutMs: 1000 });
    await b.execute(() => Promise.reject(new Error('down'))).catch(() => undefined);
    const state = async () => (await h.points(OTEL_METRICS.breakerState)).find((p) => p.attributes['llm_breaker.breaker.name'] === 'gauge-standalone')?.value;
    expect(await state()).toBe(2);
    clock.advance(1001);
    let finishProbe: (v: string) => void = () => undefined;
    const probe = b.execute(() => new Promise<string>((resolve) => (finishProbe = resolve)));
    await new Promise((r) => setTimeout(r, 5));
    expect(await state()).toBe(1); // a probe is in flight
    finishProbe('ok');
    await probe;
    await b.close();
  });
});

describe('default telemetry', () => {
  afterEach(() => {
    trace.disable();
    metrics.disable();
  });

  it('a client with no telemetry option reports through the global OpenTelemetry providers', async () => {
    trace.setGlobalTracerProvider(h.tracerProvider);
    metrics.setGlobalMeterProvider(h.meterProvider);
    const c = createLLMClient({ providers: [scripted('global-a')] });
    clients.push(c);
    await c.complete(msgs);
    expect(callSpan(h.spans()).attributes['llm_breaker.provider']).toBe('global-a');
    expect(await h.count(OTEL_METRICS.calls, { 'llm_breaker.provider': 'global-a' })).toBe(1);
  });
});

describe('otelTelemetry()', () => {
  it('with no OpenTelemetry SDK registered, calls work and record nothing', async () => {
    const c = createLLMClient({ providers: [scripted('a', [{ error: 'server' }]), scripted('b')], retry: fast, telemetry: otelTelemetry() });
    clients.push(c);
    expect((await c.complete(msgs)).provider).toBe('b');
    let text = '';
    const b = scripted('s', [], { streamScript: [{ events: [{ type: 'text', delta: 'x' }, { type: 'finish', finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 }, model: 'm' }] }] });
    const s = createLLMClient({ providers: [b], telemetry: otelTelemetry() });
    clients.push(s);
    for await (const ev of s.stream(msgs)) if (ev.type === 'text') text += ev.delta;
    expect(text).toBe('x');
    expect(h.spans()).toHaveLength(0);
  });

  it('validates its options with a ConfigError naming the option', () => {
    expect(() => otelTelemetry({ tracerProvider: {} as never })).toThrow(ConfigError);
    expect(() => otelTelemetry({ tracerProvider: {} as never })).toThrow(/telemetry\.tracerProvider/);
    expect(() => otelTelemetry({ nope: 1 } as never)).toThrow(/telemetry\.nope/);
  });

  it('telemetry: false makes no telemetry calls', async () => {
    const c = createLLMClient({ providers: [scripted('a')], telemetry: false });
    clients.push(c);
    await c.complete(msgs);
    expect(h.spans()).toHaveLength(0);
  });
});
