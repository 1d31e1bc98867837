/**
 * Two clients, two settings, one provider name (issue 10 §6). The rule: clients on one store share
 * a provider's circuit unless their `namespace` differs (breaker `<namespace>:<provider>`, and so its
 * Redis keys); one circuit given two different trip settings in one process gets a one-time process
 * warning. On a real redis-server: two "services" with their own namespace keep their own circuit.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryStore } from '../../src/breaker/memory-store.js';
import { createLLMClient, type LLMClient } from '../../src/client.js';
import type { LLMClientOptions } from '../../src/client-options.js';
import { ConfigError } from '../../src/errors/config-error.js';
import { useRedis } from '../redis/fixture.js';
import { scripted } from '../helpers/scripted-adapter.js';

const msgs = { messages: [{ role: 'user' as const, content: 'Hello' }] };
const redis = useRedis();

const clients: LLMClient[] = [];
function client(o: LLMClientOptions): LLMClient {
  const c = createLLMClient({ telemetry: false, retry: { retries: 0 }, ...o });
  clients.push(c);
  return c;
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

/** Process warnings with our code, emitted while `fn` runs (captured, so the test output stays quiet). */
async function warningsDuring(fn: () => Promise<void> | void): Promise<string[]> {
  const seen: string[] = [];
  const spy = vi.spyOn(process, 'emitWarning').mockImplementation((warning: string | Error, options?: unknown) => {
    const code = typeof options === 'object' && options !== null ? (options as { code?: string }).code : undefined;
    if (code === 'LLM_BREAKER_CIRCUIT_SETTINGS') seen.push(String(warning));
  });
  try {
    await fn();
  } finally {
    spy.mockRestore();
  }
  return seen;
}

describe('namespace', () => {
  it("isolates a strict client's trips from a tolerant client on the same store", async () => {
    const store = memoryStore();
    const strictA = scripted('a', [{ error: 'server', status: 500 }]);
    const tolerantA = scripted('a', [{ error: 'server', status: 500 }, 'ok']);
    const strict = client({ namespace: 'summarize', store, providers: [strictA, scripted('b')], breaker: { failureThreshold: 1 } });
    const tolerant = client({ namespace: 'extract', store, providers: [tolerantA, scripted('b')], breaker: { failureThreshold: 5 } });
    await strict.complete(msgs);
    expect((await strict.breaker('a').snapshot()).state).toBe('open');
    expect(strict.breaker('a').name).toBe('summarize:a');
    // the tolerant client's own circuit: closed, and its calls still reach provider a
    await expect(tolerant.complete(msgs)).resolves.toMatchObject({ provider: 'b' });
    await expect(tolerant.complete(msgs)).resolves.toMatchObject({ provider: 'a' });
    expect(await tolerant.health()).toMatchObject([{ provider: 'a', state: 'closed', name: 'extract:a' }, { provider: 'b', state: 'closed' }]);
  });

  it('is validated like a breaker name', () => {
    for (const bad of ['', 'a b', '{x}', 5]) {
      expect(() => createLLMClient({ namespace: bad as string, providers: [scripted('a')] })).toThrow(ConfigError);
    }
  });

  it('names the Redis keys: two services on one Redis keep their own circuit', async () => {
    const prefix = `ns${Date.now()}`;
    const s1 = redis.store({ prefix });
    const s2 = redis.store({ prefix });
    const search = client({ namespace: 'search', store: s1, providers: [scripted('openai', [{ error: 'server' }]), scripted('b')], breaker: { failureThreshold: 1 } });
    const agents = client({ namespace: 'agents', store: s2, providers: [scripted('openai'), scripted('b')] });
    await search.complete(msgs);
    expect(await redis.client.exists(`${prefix}:{search:openai}`)).toBe(1);
    expect(await redis.client.hget(`${prefix}:{search:openai}`, 'state')).toBe('open');
    expect(await agents.complete(msgs)).toMatchObject({ provider: 'openai' });
    expect((await agents.breaker('openai').snapshot()).state).toBe('closed');
  });
});

describe('one circuit, two settings, in one process', () => {
  it('warns once, naming the circuit and both settings, and suggests a namespace', async () => {
    const store = memoryStore();
    const warnings = await warningsDuring(() => {
      client({ store, providers: [scripted('a')], breaker: { failureThreshold: 2 } });
      client({ store, providers: [scripted('a')], breaker: { failureThreshold: 5 } });
      client({ store, providers: [scripted('a')], breaker: { failureThreshold: 7 } });
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('circuit "a" is shared by clients with different breaker settings (failureThreshold 2');
    expect(warnings[0]).toContain('failureThreshold 5');
    expect(warnings[0]).toContain('namespace');
  });

  it('no warning for the same settings, different stores, different namespaces, or after the other client closed', async () => {
    const store = memoryStore();
    const warnings = await warningsDuring(async () => {
      client({ store, providers: [scripted('a')], breaker: { failureThreshold: 2 } });
      client({ store, providers: [scripted('a')], breaker: { failureThreshold: 2 } });
      client({ store: memoryStore(), providers: [scripted('a')], breaker: { failureThreshold: 9 } });
      client({ store, namespace: 'other', providers: [scripted('a')], breaker: { failureThreshold: 9 } });
      const s2 = memoryStore();
      const first = client({ store: s2, providers: [scripted('a')], breaker: { failureThreshold: 1 } });
      await first.close();
      client({ store: s2, providers: [scripted('a')], breaker: { failureThreshold: 3 } });
    });
    expect(warnings).toEqual([]);
  });
});
