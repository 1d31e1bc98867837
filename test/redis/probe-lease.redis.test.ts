/**
 * A probe as long as its call (issue 10 §3) on a real redis-server: a probe (a permit, a stream)
 * that runs for several `probeLeaseMs` keeps its lease (renewed by renew-probe-2.lua), so exactly
 * `halfOpenMaxProbes` probes are in flight fleet-wide and the long probe's success closes the
 * circuit. Instances are breakers / LLM clients on separate Redis connections.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLLMClient, type LLMClient } from '../../src/client.js';
import { CircuitOpenError } from '../../src/errors/circuit-open-error.js';
import { startMockLLMServer, type MockLLMServer } from '../../src/testing/index.js';
import { openai } from '../../providers/openai/index.js';
import { anthropic } from '../../providers/anthropic/index.js';
import { ruleConfig, sleep, useRedis, uniqueName } from './fixture.js';
import { Boom, fail, ok, useInstances } from './instances.js';

const redis = useRedis();
const instances = useInstances(redis);

/** The renewal tests: renewed every 200 ms, so a loaded machine's late timer does not lose a lease. */
const LEASE_MS = 600;
/** The script test renews by hand. */
const SCRIPT_LEASE_MS = 300;

describe('renew-probe-2.lua', () => {
  it('extends a live lease of the current episode, and nothing else', async () => {
    const store = redis.store();
    const name = uniqueName('renew');
    const cfg = ruleConfig({ failureThreshold: 1, resetTimeoutMs: 1, probeLeaseMs: SCRIPT_LEASE_MS });
    expect((await store.renewProbe(name, cfg, 'nobody')).renewed).toBe(false); // CLOSED: no lease
    await store.recordFailure(name, cfg, 0, false);
    await sleep(5);
    expect((await store.acquireProbe(name, cfg, 'p1')).outcome).toBe('granted');
    for (let i = 0; i < 4; i++) {
      await sleep(SCRIPT_LEASE_MS / 2);
      const r = await store.renewProbe(name, cfg, 'p1');
      expect(r.renewed).toBe(true);
      expect(r.snapshot).toMatchObject({ state: 'half_open', probesInFlight: 1, transitioned: false });
    }
    // 600 ms after the grant, the renewed lease still holds the only slot
    expect((await store.acquireProbe(name, cfg, 'p2')).outcome).toBe('denied');
    expect((await store.renewProbe(name, cfg, 'p2')).renewed).toBe(false); // a lease never granted
    await sleep(SCRIPT_LEASE_MS + 20);
    expect((await store.renewProbe(name, cfg, 'p1')).renewed).toBe(false); // expired: not revived
    expect((await store.acquireProbe(name, cfg, 'p2')).outcome).toBe('granted');
  });
});

describe('a probe longer than probeLeaseMs (redis store)', () => {
  it('keeps its slot fleet-wide while it runs, and its success closes the circuit everywhere', async () => {
    const opts = { failureThreshold: 1, resetTimeoutMs: 150, successThreshold: 1, halfOpenMaxProbes: 1, probeLeaseMs: LEASE_MS };
    const { first: a, second: b } = await instances.pair('long-probe', opts);
    await expect(a.execute(fail)).rejects.toBeInstanceOf(Boom);
    await sleep(opts.resetTimeoutMs + 20);
    const permit = await a.acquire();
    expect(permit.probe).toBe(true);
    for (let i = 0; i < 4; i++) {
      await sleep(LEASE_MS);
      await expect(b.execute(ok), `after ${(i + 1) * LEASE_MS} ms`).rejects.toBeInstanceOf(CircuitOpenError);
      expect((await b.snapshot()).probesInFlight).toBe(1);
    }
    await permit.success();
    expect(await a.getState()).toBe('closed');
    expect(await b.getState()).toBe('closed');
  });
});

describe('llm.stream() as the probe (two clients on one Redis)', () => {
  let mock: MockLLMServer;
  beforeAll(async () => {
    // 12 text pieces 250 ms apart: the stream lasts over 3 s, five times the probe lease.
    mock = await startMockLLMServer({ chunkDelayMs: 250, text: 'one two three four five six seven eight nine ten eleven twelve' });
  });
  afterAll(async () => {
    await mock?.close();
  });

  async function client(prefix: string): Promise<LLMClient> {
    const llm = createLLMClient({
      providers: [
        openai({ model: 'gpt-4o-mini', baseURL: mock.openaiBaseURL, apiKey: 'sk-probe-lease-test' }),
        anthropic({ model: 'claude-haiku-4-5', baseURL: mock.anthropicBaseURL, apiKey: 'sk-ant-probe-lease-test' }),
      ],
      store: (await instances.instance(prefix)).store,
      breaker: { failureThreshold: 1, resetTimeoutMs: 200, successThreshold: 1, halfOpenMaxProbes: 1, probeLeaseMs: LEASE_MS },
      retry: { retries: 0 },
      timeoutMs: 2000,
      telemetry: false,
    });
    instances.cleanup(() => llm.close());
    return llm;
  }

  it('a stream probe of 5 leases: no second probe reaches the primary, and its success closes the circuit', async () => {
    const prefix = `leasestream${process.pid}-${Date.now()}`;
    const first = await client(prefix);
    const second = await client(prefix);
    mock.reset();
    mock.setMode('down', 'openai');
    const failed = await first.complete({ messages: [{ role: 'user', content: 'hi' }] });
    expect(failed.provider).toBe('anthropic');
    expect(await first.breaker('openai').getState()).toBe('open');
    mock.setMode('ok', 'openai');
    await sleep(250); // past resetTimeoutMs: the next call is the probe

    const before = mock.requestsByRoute.openai;
    const stream = first.stream({ messages: [{ role: 'user', content: 'stream' }] });
    const iterator = stream[Symbol.asyncIterator]();
    const head = await iterator.next(); // the probe is under way
    expect(head.done).toBe(false);
    const served: string[] = [];
    for (let i = 0; i < 3; i++) {
      await sleep(LEASE_MS);
      const res = await second.complete({ messages: [{ role: 'user', content: `meanwhile ${i}` }] });
      served.push(res.provider);
    }
    expect(served).toEqual(['anthropic', 'anthropic', 'anthropic']);
    expect(mock.requestsByRoute.openai - before).toBe(1); // only the stream: one probe in flight
    let text = head.value?.type === 'text' ? head.value.delta : '';
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) if (r.value.type === 'text') text += r.value.delta;
    expect(text).toContain('twelve');
    expect(await first.breaker('openai').getState()).toBe('closed'); // the long probe's success counted
    expect(await second.breaker('openai').getState()).toBe('closed');
  });
});
