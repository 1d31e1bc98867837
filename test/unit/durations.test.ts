/**
 * Durations above 2^31 − 1 ms (issue 10 §4): Node turns a longer timer into a 1 ms one, so "no
 * limit" as `Number.MAX_SAFE_INTEGER` made every attempt time out. Such a value is a ConfigError
 * naming the option; 2^31 − 1 itself is accepted and waits as long as it says.
 */
import { describe, expect, it } from 'vitest';
import { MAX_DURATION_MS } from '../../src/breaker/options.js';
import { createLLMClient } from '../../src/client.js';
import { ConfigError } from '../../src/errors/config-error.js';
import type { ProviderAdapter } from '../../src/provider.js';
import { result, scripted } from '../helpers/scripted-adapter.js';

/** Answers after a short real delay: an attempt whose timer fired after 1 ms would fail. */
function slow(name: string): ProviderAdapter {
  return { ...scripted(name), complete: () => new Promise((resolve) => setTimeout(() => resolve(result('late but fine')), 30)) };
}

describe('durations and the Node timer limit', () => {
  it('2^31 − 1 ms is accepted for the client, the request and the breaker, and waits', async () => {
    expect(MAX_DURATION_MS).toBe(2 ** 31 - 1);
    const llm = createLLMClient({ providers: [slow('a')], timeoutMs: MAX_DURATION_MS, deadlineMs: MAX_DURATION_MS, breaker: { resetTimeoutMs: MAX_DURATION_MS }, telemetry: false });
    try {
      await expect(llm.complete({ messages: [{ role: 'user', content: 'hi' }] }, { timeoutMs: MAX_DURATION_MS, deadlineMs: MAX_DURATION_MS })).resolves.toMatchObject({ text: 'late but fine' });
    } finally {
      await llm.close();
    }
  });

  it.each([2 ** 31, 30 * 24 * 3600 * 1000, Number.MAX_SAFE_INTEGER])('%d ms is a ConfigError naming the option, before anything is sent', async (ms) => {
    const a = scripted('a');
    expect(() => createLLMClient({ providers: [a], timeoutMs: ms })).toThrow(/invalid option "timeoutMs": must be at most 2147483647 ms/);
    const llm = createLLMClient({ providers: [a], telemetry: false });
    try {
      const err: unknown = await llm.complete({ messages: [{ role: 'user', content: 'hi' }] }, { deadlineMs: ms }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).option).toBe('deadlineMs');
      expect(a.calls).toBe(0);
    } finally {
      await llm.close();
    }
  });
});
