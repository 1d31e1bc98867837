/**
 * A custom ProviderAdapter driven by a script, for client logic tests (the real SDK adapters are
 * tested over nock in test/providers). Implements the public ProviderAdapter interface only.
 */
import type { BreakerOptions } from '../../src/breaker/options.js';
import { ProviderError } from '../../src/errors/provider-error.js';
import type { ErrorKind } from '../../src/errors/error-kind.js';
import type { ProviderAdapter, ProviderCallContext, ProviderResult, ProviderStreamEvent } from '../../src/provider.js';
import type { CompletionRequest } from '../../src/types.js';

export type Step =
  | 'ok'
  | 'hang'
  | { error: ErrorKind; status?: number; retryAfterMs?: number; retryable?: boolean }
  | { text: string };

export type StreamStep =
  | { events: ProviderStreamEvent[]; then?: 'end' | 'hang' | { error: ErrorKind }; gapMs?: number }
  | { error: ErrorKind }
  | 'hang';

export interface ScriptedAdapter extends ProviderAdapter {
  calls: number;
  streamCalls: number;
  /** How many stream iterators were closed (return() or abort) before finishing. */
  closedEarly: number;
  seen: Array<{ model: string; request: CompletionRequest }>;
  script: Step[];
  streamScript: StreamStep[];
}

export function result(text: string, model = 'm'): ProviderResult {
  return {
    text,
    toolCalls: [],
    finishReason: 'stop',
    usage: { inputTokens: 3, outputTokens: 2, totalTokens: 5 },
    model,
    requestId: 'req_1',
    raw: { text },
  };
}

function abortable(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(new ProviderError({ provider: 'x', kind: 'aborted', message: 'aborted' }));
    signal.addEventListener('abort', () => reject(new ProviderError({ provider: 'x', kind: 'aborted', message: 'aborted' })), { once: true });
  });
}

export function scripted(name: string, script: Step[] = [], opts: { breaker?: Partial<BreakerOptions>; model?: string; streamScript?: StreamStep[] } = {}): ScriptedAdapter {
  const a: ScriptedAdapter = {
    specificationVersion: 'v1',
    name,
    system: 'test',
    model: opts.model ?? `${name}-model`,
    ...(opts.breaker ? { breaker: opts.breaker } : {}),
    calls: 0,
    streamCalls: 0,
    closedEarly: 0,
    seen: [],
    script,
    streamScript: opts.streamScript ?? [],
    async complete(request: CompletionRequest, ctx: ProviderCallContext): Promise<ProviderResult> {
      const step = a.script[Math.min(a.calls, a.script.length - 1)] ?? 'ok';
      a.calls++;
      a.seen.push({ model: ctx.model, request });
      if (step === 'hang') return abortable(ctx.signal);
      if (step === 'ok') return result(`${name} says hi`, ctx.model);
      if ('text' in step) return result(step.text, ctx.model);
      throw new ProviderError({
        provider: name,
        kind: step.error,
        message: `scripted ${step.error}`,
        ...(step.status !== undefined ? { status: step.status } : {}),
        ...(step.retryAfterMs !== undefined ? { retryAfterMs: step.retryAfterMs } : {}),
        ...(step.retryable !== undefined ? { retryable: step.retryable } : {}),
      });
    },
    stream(request: CompletionRequest, ctx: ProviderCallContext): AsyncIterable<ProviderStreamEvent> {
      const step = a.streamScript[Math.min(a.streamCalls, a.streamScript.length - 1)] ?? 'hang';
      a.streamCalls++;
      a.seen.push({ model: ctx.model, request });
      return (async function* () {
        let finished = false;
        try {
          if (step === 'hang') await abortable(ctx.signal);
          else if (!('events' in step)) {
            throw new ProviderError({ provider: name, kind: step.error, message: `scripted stream ${step.error}` });
          } else {
            for (const ev of step.events) {
              if (step.gapMs) await Promise.race([new Promise((r) => setTimeout(r, step.gapMs)), abortable(ctx.signal)]);
              if (ctx.signal.aborted) await abortable(ctx.signal);
              yield ev;
              if (ev.type === 'finish') finished = true;
            }
            if (step.then === 'hang') await abortable(ctx.signal);
            else if (typeof step.then === 'object') {
              throw new ProviderError({ provider: name, kind: step.then.error, message: `scripted mid-stream ${step.then.error}` });
            }
          }
        } finally {
          if (!finished) a.closedEarly++;
        }
      })();
    },
  };
  return a;
}
