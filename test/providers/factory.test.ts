import Anthropic from '@anthropic-ai/sdk';
import nock from 'nock';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { anthropic } from '../../providers/anthropic/index.js';
import { openai } from '../../providers/openai/index.js';
import { isConfigError, type ConfigError } from '../../src/errors/config-error.js';
import { redactSecrets } from '../../src/errors/redact.js';
import { HELLO, ctx, jsonFixture } from './_helpers.js';

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  vi.unstubAllEnvs();
});
afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(isConfigError(err)).toBe(true);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const FACTORIES = [
  { label: 'openai', factory: openai, env: 'OPENAI_API_KEY' },
  { label: 'anthropic', factory: anthropic, env: 'ANTHROPIC_API_KEY' },
] as const;

describe.each(FACTORIES)('$label() factory', ({ label, factory, env }) => {
  it('builds a v1 adapter with defaults', () => {
    const adapter = factory({ model: 'm-1', apiKey: 'sk-test-factory-0001' });
    expect(adapter.specificationVersion).toBe('v1');
    expect(adapter.name).toBe(label);
    expect(adapter.system).toBe(label);
    expect(adapter.model).toBe('m-1');
    expect(adapter.breaker).toBeUndefined();
    expect(typeof adapter.complete).toBe('function');
    expect(typeof adapter.stream).toBe('function');
    expect(typeof adapter.close).toBe('function');
  });

  it('keeps name and per-provider breaker options', () => {
    const breaker = { failureThreshold: 3, resetTimeoutMs: 10_000 };
    const adapter = factory({ name: 'primary', model: 'm', apiKey: 'sk-test-factory-0002', breaker });
    expect(adapter.name).toBe('primary');
    expect(adapter.breaker).toEqual(breaker);
  });

  it.each([
    ['model', { model: undefined }],
    ['model', { model: '' }],
    ['model', { model: '   ' }],
    ['name', { name: '' }],
    ['baseURL', { baseURL: 'not a url' }],
    ['baseURL', { baseURL: 'ftp://example.com' }],
    ['apiKey', { apiKey: '' }],
    ['breaker', { breaker: 5 }],
    ['defaultHeaders', { defaultHeaders: 'x' }],
    ['client', { client: {} }],
  ])('names the bad option: %s %j', (option, patch) => {
    const e = configError(() => factory({ model: 'm', apiKey: 'sk-test-factory-0003', ...(patch as object) } as never));
    expect(e.option).toBe(option);
    expect(e.message).not.toContain('sk-test-factory-0003');
  });

  it(`throws ConfigError("apiKey") without a key, naming ${env}`, () => {
    vi.stubEnv(env, '');
    const e = configError(() => factory({ model: 'm' }));
    expect(e.option).toBe('apiKey');
    expect(e.message).toContain(env);
  });

  it(`reads ${env}, and registers it for redaction`, async () => {
    const key = `sk-test-from-env-${label}-7a8b9c`;
    vi.stubEnv(env, key);
    const adapter = factory({ model: 'm' });
    expect(adapter.name).toBe(label);
    expect(redactSecrets(`key=${key}`)).not.toContain(key);
  });

  it('needs no key with a baseURL (sends "none")', async () => {
    vi.stubEnv(env, '');
    const adapter = factory({ model: 'llama3', baseURL: 'http://127.0.0.1:11434/v1' });
    expect(adapter.model).toBe('llama3');
  });

  it('needs no key with a client, and registers the client key for redaction', () => {
    vi.stubEnv(env, '');
    const key = `sk-test-client-${label}-4d5e6f`;
    const client = label === 'openai' ? new OpenAI({ apiKey: key }) : new Anthropic({ apiKey: key });
    factory({ model: 'm', client } as never);
    expect(redactSecrets(`oops ${key}`)).toBe('oops [REDACTED]');
  });

  it('registers a key with no well-known prefix for redaction', () => {
    const key = `opaque-${label}-K3y9Q2w8E7r6`;
    factory({ model: 'm', apiKey: key });
    expect(redactSecrets(`Bad key: ${key}!`)).toBe('Bad key: [REDACTED]!');
  });
});

describe('factory specifics', () => {
  it('openai: validates maxTokensParam', () => {
    expect(configError(() => openai({ model: 'm', apiKey: 'sk-test-x-000001', maxTokensParam: 'max' as never })).option).toBe('maxTokensParam');
  });

  it.each([0, -1, 1.5, Number.NaN])('anthropic: validates defaultMaxTokens %s', (value) => {
    expect(configError(() => anthropic({ model: 'm', apiKey: 'sk-test-x-000002', defaultMaxTokens: value })).option).toBe('defaultMaxTokens');
  });

  it('openai with a baseURL and no key sends "Bearer none"', async () => {
    vi.stubEnv('OPENAI_API_KEY', '');
    const scope = nock('http://llm.internal:8000')
      .post('/v1/chat/completions')
      .matchHeader('authorization', 'Bearer none')
      .reply(200, jsonFixture('openai/chat-completion.json'));
    await openai({ model: 'llama3', baseURL: 'http://llm.internal:8000/v1' }).complete(HELLO, ctx());
    expect(scope.isDone()).toBe(true);
  });

  it('uses a caller client as is and close() leaves it usable', async () => {
    const client = new OpenAI({ apiKey: 'sk-test-caller-client-01', baseURL: 'http://caller.internal/v1' });
    const adapter = openai({ model: 'm', client });
    nock('http://caller.internal').post('/v1/chat/completions').twice().reply(200, jsonFixture('openai/chat-completion.json'));
    await adapter.complete(HELLO, ctx());
    await adapter.close?.();
    expect((await adapter.complete(HELLO, ctx())).text).toContain('Hello');
    expect(client.maxRetries).toBe(2); // the caller's client is not reconfigured (retries are off per request)
  });

  it('builds its own client lazily, and again after close()', async () => {
    const adapter = anthropic({ model: 'm', apiKey: 'sk-ant-test-lazy-0001' });
    nock('https://api.anthropic.com').post('/v1/messages').twice().reply(200, jsonFixture('anthropic/message.json'));
    await adapter.complete(HELLO, ctx());
    await adapter.close?.();
    expect((await adapter.complete(HELLO, ctx())).text).toContain('Hello');
  });
});
