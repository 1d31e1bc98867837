/**
 * The caller's tight budget is the caller's (issue 10 §4): an attempt cut short by a per-request
 * `timeoutMs` / `idleTimeoutMs` / `deadlineMs` shorter than the client's own, or by the call's
 * deadline running out, ends as `timeout` but is not counted by the breaker (five such calls must
 * not cut a healthy primary off), and is not retried past the budget. The client's own `timeoutMs`
 * expiring is still a counted provider timeout. Real OpenAI / Anthropic SDKs against the local mock
 * server, which hangs (or stalls a stream) on request.
 */
import { describe, expect, it } from 'vitest';
import type { LLMClient } from '../../src/client.js';
import type { LLMClientOptions } from '../../src/client-options.js';
import { isAllProvidersFailedError } from '../../src/errors/all-providers-failed-error.js';
import { isProviderError, type ProviderError } from '../../src/errors/provider-error.js';
import { useMockLLM } from '../helpers/mock-llm.js';
import { HELLO } from './_helpers.js';

const mock = useMockLLM();
const llm = (o: Partial<LLMClientOptions> = {}): LLMClient => mock.client({ breaker: { failureThreshold: 5 }, retry: { retries: 0 }, ...o });

async function drain(c: LLMClient, options: Parameters<LLMClient['stream']>[1]): Promise<unknown> {
  try {
    for await (const _ of c.stream(HELLO, options)) {
      // consume
    }
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('complete(): an attempt the caller\'s budget cuts short is not the provider\'s failure', () => {
  it("a per-request timeoutMs shorter than the client's: five timeouts leave the primary closed with 0 failures; the fallback serves", async () => {
    mock.server.setMode('hang', 'openai');
    const c = llm();
    for (let i = 0; i < 5; i++) {
      const err: unknown = await c.complete(HELLO, { timeoutMs: 40, fallback: false }).catch((e: unknown) => e);
      expect(isAllProvidersFailedError(err), String(err)).toBe(true);
      const attempt = isAllProvidersFailedError(err) ? err.attempts[0] : undefined;
      expect(attempt).toMatchObject({ provider: 'openai', errorKind: 'timeout' });
      expect((attempt?.error as ProviderError).countsTowardBreaker).toBe(false);
    }
    // long enough for the fallback to answer on a loaded machine, still shorter than the client's 60 s
    const res = await c.complete(HELLO, { timeoutMs: 1000 });
    expect(res.attempts.map((a) => `${a.provider}:${a.errorKind ?? a.outcome}`)).toEqual(['openai:timeout', 'anthropic:success']);
    expect(await c.breaker('openai').snapshot()).toMatchObject({ state: 'closed', failures: 0 });
  });

  it('a per-request deadlineMs shorter than the client\'s timeoutMs: not counted either', async () => {
    mock.server.setMode('hang');
    const c = llm({ breaker: { failureThreshold: 2 } });
    for (let i = 0; i < 3; i++) {
      const err: unknown = await c.complete(HELLO, { deadlineMs: 60, fallback: false }).catch((e: unknown) => e);
      expect(isAllProvidersFailedError(err), String(err)).toBe(true);
    }
    expect(await c.breaker('openai').snapshot()).toMatchObject({ state: 'closed', failures: 0 });
  });

  it('the client\'s own timeoutMs expiring is a counted provider timeout (control)', async () => {
    mock.server.setMode('hang', 'openai');
    const c = llm({ timeoutMs: 1000, breaker: { failureThreshold: 2 } }); // the fallback must answer in time
    await c.complete(HELLO);
    await c.complete(HELLO);
    expect((await c.breaker('openai').snapshot()).state).toBe('open');
  });

  it('the call\'s deadline running out mid-chain: the first (full) attempt counts, the one it cut short does not, and none runs past the deadline', async () => {
    mock.server.setMode('hang', 'openai');
    const c = llm({ timeoutMs: 150, deadlineMs: 250, retry: { retries: 3, minDelayMs: 1, maxDelayMs: 1, jitter: false } });
    const err: unknown = await c.complete(HELLO, { fallback: false }).catch((e: unknown) => e);
    expect(isAllProvidersFailedError(err), String(err)).toBe(true);
    const attempts = isAllProvidersFailedError(err) ? err.attempts : [];
    expect(attempts.map((a) => a.errorKind)).toEqual(['timeout', 'timeout']);
    expect(attempts.map((a) => (a.error as ProviderError).countsTowardBreaker)).toEqual([true, false]);
    expect((await c.breaker('openai').snapshot()).failures).toBe(1);
  });
});

describe('stream(): the same rule for the time to first token and the idle gap', () => {
  it('a per-request timeoutMs cuts the time to first token short: not counted', async () => {
    mock.server.setMode('hang');
    const c = llm({ breaker: { failureThreshold: 2 } });
    for (let i = 0; i < 3; i++) {
      const err = await drain(c, { timeoutMs: 40, fallback: false });
      expect(isAllProvidersFailedError(err), String(err)).toBe(true);
    }
    expect(await c.breaker('openai').snapshot()).toMatchObject({ state: 'closed', failures: 0 });
  });

  it('a per-request idleTimeoutMs shorter than the client\'s ends a stalled stream as timeout, not counted', async () => {
    mock.server.setMode('stall');
    const c = llm({ breaker: { failureThreshold: 2 } });
    for (let i = 0; i < 3; i++) {
      const err = await drain(c, { idleTimeoutMs: 40 });
      expect(isProviderError(err) && err.kind === 'timeout', String(err)).toBe(true);
      expect((err as ProviderError).countsTowardBreaker).toBe(false);
    }
    expect(await c.breaker('openai').snapshot()).toMatchObject({ state: 'closed', failures: 0 });
  });

  it('the client\'s own idleTimeoutMs ending a stalled stream is counted (control)', async () => {
    mock.server.setMode('stall');
    const c = llm({ idleTimeoutMs: 40, breaker: { failureThreshold: 2 } });
    await drain(c, {});
    await drain(c, {});
    expect((await c.breaker('openai').snapshot()).state).toBe('open');
  });
});

describe("the client's own deadline shorter than its timeoutMs", () => {
  it('gives the first attempt its full time: that timeout counts (the client, not a caller, chose it)', async () => {
    mock.server.setMode('hang', 'openai');
    const c = llm({ timeoutMs: 60_000, deadlineMs: 60, breaker: { failureThreshold: 2 } });
    await c.complete(HELLO, { fallback: false }).catch(() => undefined);
    await c.complete(HELLO, { fallback: false }).catch(() => undefined);
    expect((await c.breaker('openai').snapshot()).state).toBe('open');
  });
});
