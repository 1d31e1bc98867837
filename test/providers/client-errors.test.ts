/**
 * Error messages that help, and configuration errors that do not hide (issue 11 §4), and OpenAI's
 * "Request too large" 429 (issue 10 §4). Real OpenAI / Anthropic SDKs against the local mock mock.server.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LLMClient } from '../../src/client.js';
import type { LLMClientOptions } from '../../src/client-options.js';
import type { MisconfiguredEvent } from '../../src/client-events.js';
import { AllProvidersFailedError } from '../../src/errors/all-providers-failed-error.js';
import { MOCK_OPENAI_KEY as OPENAI_KEY, useMockLLM } from '../helpers/mock-llm.js';
import { HELLO } from './_helpers.js';

const mock = useMockLLM();
afterEach(() => {
  vi.restoreAllMocks();
});
const llm = (o: Partial<LLMClientOptions> = {}, model?: string): LLMClient =>
  mock.client({ retry: { retries: 2, minDelayMs: 1, maxDelayMs: 2 }, breaker: { failureThreshold: 1 }, ...o }, model);

describe('AllProvidersFailedError says what went wrong', () => {
  it("quotes the first provider's own message (the misspelt model)", async () => {
    mock.server.setMode('not_found', 'openai');
    mock.server.setMode('down', 'anthropic');
    const c = llm({ retry: { retries: 0 } }, 'gpt-4o-mni');
    c.on('misconfigured', () => undefined);
    const err: unknown = await c.complete(HELLO).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AllProvidersFailedError);
    const message = (err as AllProvidersFailedError).message;
    expect(message).toContain('openai#0:not_found, anthropic#0:overloaded');
    expect(message).toMatch(/; first error: \[openai\] not_found: .*The model `gpt-4o-mni` does not exist/);
    expect(message).not.toContain(OPENAI_KEY);
  });

  it('skips circuit-open rejections to quote a provider\'s own failure', async () => {
    mock.server.setMode('down');
    const c = llm({ retry: { retries: 0 } });
    await c.complete(HELLO).catch(() => undefined); // opens both circuits (failureThreshold 1)
    mock.server.setMode('not_found', 'anthropic');
    await c.breaker('anthropic').forceClose();
    const err = (await c.complete(HELLO).catch((e: unknown) => e)) as AllProvidersFailedError;
    expect(err.attempts.map((a) => a.outcome)).toEqual(['circuit_open', 'error']);
    expect(err.message).toContain('first error: [anthropic] not_found:');
  });
});

describe("a configuration error on the primary does not hide behind a working fallback", () => {
  it("emits 'misconfigured' for a wrong key (auth) and an unknown model (not_found); the subscription is disposable", async () => {
    const c = llm();
    const events: MisconfiguredEvent[] = [];
    const sub = c.on('misconfigured', (e) => events.push(e));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    mock.server.setMode('auth', 'openai');
    await expect(c.complete(HELLO)).resolves.toMatchObject({ provider: 'anthropic' });
    await c.breaker('openai').forceClose();
    mock.server.setMode('not_found', 'openai');
    await expect(c.complete(HELLO)).resolves.toMatchObject({ provider: 'anthropic' });
    expect(events.map((e) => [e.provider, e.model, e.kind, e.fallback])).toEqual([
      ['openai', 'gpt-4o-mini', 'auth', 'anthropic'],
      ['openai', 'gpt-4o-mini', 'not_found', 'anthropic'],
    ]);
    expect(events[1]?.error.message).toContain('The model `gpt-4o-mini` does not exist');
    expect(warn).not.toHaveBeenCalled(); // someone listens: no log
    sub.dispose();
    await c.breaker('openai').forceClose();
    await c.complete(HELLO);
    expect(events).toHaveLength(2);
  });

  it('the stream path emits it too', async () => {
    const c = llm();
    const events: MisconfiguredEvent[] = [];
    c.on('misconfigured', (e) => events.push(e));
    mock.server.setMode('auth', 'openai');
    await expect(c.stream(HELLO).toResponse()).resolves.toMatchObject({ provider: 'anthropic' });
    expect(events.map((e) => e.kind)).toEqual(['auth']);
  });

  it('without a listener, logs once per provider with console.warn, with no key in it', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const c = llm({ breaker: { failureThreshold: 100 } });
    mock.server.setMode('auth', 'openai');
    for (let i = 0; i < 3; i++) await expect(c.complete(HELLO)).resolves.toMatchObject({ provider: 'anthropic' });
    expect(warn).toHaveBeenCalledTimes(1);
    const line = String(warn.mock.calls[0]?.[0]);
    expect(line).toContain('provider "openai" (model gpt-4o-mini) is misconfigured (auth); calls fail over to "anthropic"');
    expect(line).toContain('Incorrect API key provided');
    expect(line).not.toContain(OPENAI_KEY);
  });
});

describe('OpenAI 429 "Request too large": one request above the per-minute token limit', () => {
  it('is not retried, not counted, and fails over (like context_length)', async () => {
    mock.server.script((r) =>
      r.route === 'openai'
        ? {
            status: 429,
            body: {
              error: {
                message:
                  'Request too large for gpt-4o in organization org-abc on tokens per min (TPM): Limit 30000, Requested 45411. The input or output tokens must be reduced in order to run successfully. Visit https://platform.openai.com/account/rate-limits to learn more.',
                type: 'tokens',
                param: null,
                code: 'rate_limit_exceeded',
              },
            },
          }
        : undefined,
    );
    const c = llm();
    for (let i = 0; i < 3; i++) {
      const res = await c.complete(HELLO);
      expect(res.provider).toBe('anthropic');
      expect(res.attempts.map((a) => `${a.provider}:${a.errorKind ?? a.outcome}`)).toEqual(['openai:context_length', 'anthropic:success']);
    }
    expect(mock.server.requestsByRoute.openai).toBe(3); // one per call: never retried
    expect(await c.breaker('openai').snapshot()).toMatchObject({ state: 'closed', failures: 0 });
  });

  it('an ordinary 429 rate limit is still retried and counted (control)', async () => {
    mock.server.script((r) =>
      r.route === 'openai'
        ? { status: 429, headers: { 'retry-after-ms': '1' }, body: { error: { message: 'Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, Used 3, Requested 1.', type: 'requests', param: null, code: 'rate_limit_exceeded' } } }
        : undefined,
    );
    const c = llm({ breaker: { failureThreshold: 5 } });
    const res = await c.complete(HELLO);
    expect(res.provider).toBe('anthropic');
    expect(mock.server.requestsByRoute.openai).toBe(3);
    expect((await c.breaker('openai').snapshot()).failures).toBe(3);
  });
});
