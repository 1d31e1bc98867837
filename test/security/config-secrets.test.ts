/**
 * Configuration never carries a secret into an error (issue 20 §2, the SDK part of §3, issue 11 §4).
 *
 * - a `baseURL` with `user:password@` is a ConfigError that points to `apiKey` / `defaultHeaders`
 *   and does not repeat the URL; a caller's own SDK client with such a URL fails without the
 *   password anywhere in the cause chain;
 * - `defaultHeaders` values with a CR, LF or NUL are a ConfigError at construction, never repeated;
 * - ConfigError messages never repeat a registered key or an `sk-`/`sk-ant-`-shaped value
 *   (`fallback: ['sk-…']`, an unknown request provider, a breaker name);
 * - the unknown-option check comes before the API-key check (`baseUrl` → did you mean baseURL?);
 * - breaker and provider names with C0, DEL, C1 or bidi control characters are a ConfigError that
 *   names the character, not the name.
 */
import Anthropic from '@anthropic-ai/sdk';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import OpenAI from 'openai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { anthropic } from '../../providers/anthropic/index.js';
import { openai } from '../../providers/openai/index.js';
import { CircuitBreaker } from '../../src/breaker/circuit-breaker.js';
import { createLLMClient } from '../../src/client.js';
import { isConfigError, type ConfigError } from '../../src/errors/config-error.js';
import { isProviderError } from '../../src/errors/provider-error.js';
import { redactSecrets } from '../../src/errors/redact.js';
import { scripted } from '../helpers/scripted-adapter.js';
import { HELLO, ctx, expectNoSecret } from '../providers/_helpers.js';

afterEach(() => vi.unstubAllEnvs());

const tag = randomBytes(6).toString('hex');

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(isConfigError(err), `a ConfigError, got ${inspect(err)}`).toBe(true);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const FACTORIES = [
  { label: 'openai', make: (o: Record<string, unknown>) => openai({ model: 'm', ...o } as never), keyEnv: 'OPENAI_API_KEY', baseEnv: 'OPENAI_BASE_URL' },
  { label: 'anthropic', make: (o: Record<string, unknown>) => anthropic({ model: 'm', ...o } as never), keyEnv: 'ANTHROPIC_API_KEY', baseEnv: 'ANTHROPIC_BASE_URL' },
] as const;

describe.each(FACTORIES)('$label(): credentials in baseURL', ({ make, baseEnv }) => {
  const password = `pw_URL_${tag}`;
  it.each([`http://user:${password}@127.0.0.1:1/v1`, `https://${password}@127.0.0.1/v1`, `http://user:${password}@127.0.0.1:1`])('rejects %s without repeating it', (baseURL) => {
    const e = configError(() => make({ apiKey: `k_${tag}_key`, baseURL }));
    expect(e.option).toBe('baseURL');
    expect(e.message).toMatch(/credentials/);
    expect(e.message).toMatch(/apiKey/);
    expect(e.message).toMatch(/defaultHeaders/);
    expectNoSecret(e, password);
    expect(e.message, 'the URL is not repeated').not.toContain('127.0.0.1');
  });

  it(`rejects credentials in ${baseEnv} too`, () => {
    vi.stubEnv(baseEnv, `http://user:${password}@127.0.0.1:1/v1`);
    const e = configError(() => make({ apiKey: `k_${tag}_key` }));
    expect(e.option).toBe(baseEnv);
    expectNoSecret(e, password);
  });
});

describe("a caller's own SDK client with credentials in its baseURL", () => {
  const password = `pw_CLIENT_${tag}`;
  it.each([
    ['openai', () => openai({ model: 'm', client: new OpenAI({ apiKey: `k_${tag}_o`, baseURL: `http://user:${password}@127.0.0.1:9/v1`, maxRetries: 0 }) })],
    ['anthropic', () => anthropic({ model: 'm', client: new Anthropic({ apiKey: `k_${tag}_a`, baseURL: `http://user:${password}@127.0.0.1:9`, maxRetries: 0 }) })],
  ])('%s: the call fails with no password anywhere in the cause chain', async (_label, make) => {
    const err = await make()
      .complete(HELLO, ctx())
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isProviderError(err), inspect(err)).toBe(true);
    // the URL (with its user-info redacted) is still there to debug with
    expect(inspect(err, { depth: 10 })).toContain('[REDACTED]@127.0.0.1');
    expectNoSecret(err, password);
  });

  it('redactSecrets removes the user-info of any URL', () => {
    expect(redactSecrets(`connect to http://u:${password}@host/v1 failed`)).toBe('connect to http://[REDACTED]@host/v1 failed');
    expect(redactSecrets(`redis://:p4ss@word@127.0.0.1:6379/0`)).toBe('redis://[REDACTED]@127.0.0.1:6379/0');
    expect(redactSecrets('see https://example.com/docs and mailto:a@b.c')).toBe('see https://example.com/docs and mailto:a@b.c');
  });
});

describe.each(FACTORIES)('$label(): defaultHeaders', ({ make }) => {
  const value = `hv_${tag}`;
  it.each([
    ['CR LF', `${value}\r\nX-Injected: 1`, 'CR'],
    ['LF', `${value}\nX-Injected: 1`, 'LF'],
    ['NUL', `${value}\0`, 'NUL'],
  ])('a value with %s is a ConfigError at construction that does not repeat it', (_what, header, which) => {
    const e = configError(() => make({ apiKey: `k_${tag}_key`, defaultHeaders: { 'X-Gateway-Key': header } }));
    expect(e.option).toBe('defaultHeaders.X-Gateway-Key');
    expect(e.message).toContain(which);
    expectNoSecret(e, value);
    expect(e.message).not.toContain('X-Injected');
  });

  it('a header name that is not a token, or a value that is not a string, is a ConfigError', () => {
    expect(configError(() => make({ apiKey: `k_${tag}_key`, defaultHeaders: { 'Bad Name': 'x' } })).option).toBe('defaultHeaders');
    expect(configError(() => make({ apiKey: `k_${tag}_key`, defaultHeaders: { 'X-N': 5 } })).option).toBe('defaultHeaders.X-N');
    expect(configError(() => make({ apiKey: `k_${tag}_key`, defaultHeaders: { 'X-U': 'caf\u20ac' } })).option).toBe('defaultHeaders.X-U');
  });

  it('header values are registered as secrets (the whole value and the token after a scheme)', () => {
    const token = `tok_${tag}_hdr`;
    const plain = `plain_${tag}_hdr`;
    make({ apiKey: `k_${tag}_key`, defaultHeaders: { Authorization: `Token ${token}`, 'X-Portkey-Api-Key': plain } });
    expect(redactSecrets(`echo: ${token} / ${plain}`)).toBe('echo: [REDACTED] / [REDACTED]');
  });

  it('protocol headers (anthropic-version, openai-beta) and short labels stay readable; `null` (remove a header) is accepted', () => {
    const version = `2099-${tag.slice(0, 2)}-01`;
    const label = `t${tag.slice(0, 6)}`;
    make({ apiKey: `k_${tag}_key`, defaultHeaders: { 'anthropic-version': version, 'OpenAI-Beta': `assistants=${tag}`, 'X-Team': label, 'X-Stainless-Os': null } });
    const text = `version ${version}, beta assistants=${tag}, team ${label}`;
    expect(redactSecrets(text)).toBe(text);
  });
});

it('openai(): organization and project (sent as headers) must be single lines, not repeated', () => {
  for (const option of ['organization', 'project']) {
    const e = configError(() => openai({ model: 'm', apiKey: `k_${tag}_key`, [option]: `org_${tag}\r\nX-Injected: 1` }));
    expect(e.option).toBe(option);
    expectNoSecret(e, `org_${tag}`);
  }
});

describe('ConfigError messages never repeat a secret', () => {
  const registered = `zq_REGISTERED_${tag}`;
  const adapters = () => [openai({ name: 'primary', model: 'm', apiKey: registered, baseURL: 'http://127.0.0.1:9/v1' }), scripted('backup')];

  it.each([
    ['an sk- key', `sk-proj-${tag}ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghij`],
    ['an sk-ant- key', `sk-ant-api03-${tag}ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789`],
    ['a registered key', registered],
  ])('fallback: [%s] shows a type and a length, not the value', (_what, key) => {
    const e = configError(() => createLLMClient({ providers: adapters(), fallback: [key], telemetry: false }));
    expect(e.option).toBe('fallback[0]');
    expect(e.message).toContain(`a string of ${key.length} characters`);
    // neither the key nor its first 20 characters
    expect(e.message).not.toContain(key.slice(0, 20));
    expectNoSecret(e, key);
  });

  it('a key passed as the request provider or as a breaker name is not repeated', async () => {
    const key = `sk-${tag}-ABCDEFGHIJKLMNOPQRSTUVWX`;
    const llm = createLLMClient({ providers: adapters(), telemetry: false });
    try {
      const e = await llm.complete(HELLO, { provider: key }).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(isConfigError(e), inspect(e)).toBe(true);
      expectNoSecret(e, key);
      expect((e as Error).message).not.toContain(key.slice(0, 12));
    } finally {
      await llm.close();
    }
    const b = configError(() => new CircuitBreaker(`${key} `));
    expectNoSecret(b, key);
    expect(b.message).not.toContain(key.slice(0, 12));
  });

  it('an unknown option named like a key is redacted in the message and in `option`', () => {
    const key = `sk-${tag}-ABCDEFGHIJKLMNOPQRSTUVWX`;
    const e = configError(() => openai({ model: 'm', apiKey: `k_${tag}_key`, [key]: true } as never));
    expectNoSecret(e, key);
    expect(e.option).not.toContain(key);
  });
});

describe.each(FACTORIES)('$label(): option checks come first', ({ label, make, keyEnv, baseEnv }) => {
  it('an unknown option is named (with a suggestion) even when the API key is missing', () => {
    vi.stubEnv(keyEnv, '');
    vi.stubEnv(baseEnv, '');
    const e = configError(() => make({ baseUrl: 'http://127.0.0.1:11434/v1' }));
    expect(e.option).toBe('baseUrl');
    expect(e.message).toBe(`invalid option "baseUrl": is not an option of ${label}() (did you mean baseURL?)`);
  });

  it.each([
    ['apikey', 'apiKey'],
    ['defaultHeader', 'defaultHeaders'],
    ['modle', 'model'],
  ])('%s → did you mean %s?', (typo, meant) => {
    const e = configError(() => make({ apiKey: `k_${tag}_key`, [typo]: 'x' }));
    expect(e.option).toBe(typo);
    expect(e.message).toContain(`(did you mean ${meant}?)`);
  });

  it('an option nothing like a known one gets no suggestion', () => {
    const e = configError(() => make({ apiKey: `k_${tag}_key`, temperature: 1 }));
    expect(e.message).not.toContain('did you mean');
  });
});

/** One of each class of control character (label, characters, what the error must name). */
const CONTROL: Array<[string, string, string]> = [
  ['NUL', '\u0000', 'U+0000'],
  ['BEL', '\u0007', 'U+0007'],
  ['backspace', '\u0008', 'U+0008'],
  ['ESC [2J (clear screen)', '\u001b[2J', 'U+001B'],
  ['OSC title', '\u001b]0;title\u0007', 'U+001B'],
  ['DEL', '\u007f', 'U+007F'],
  ['NEL (C1)', '\u0085', 'U+0085'],
  ['8-bit CSI', '\u009b2J', 'U+009B'],
  ['right-to-left override', '\u202e', 'U+202E'],
  ['left-to-right isolate', '\u2066', 'U+2066'],
  ['right-to-left mark', '\u200f', 'U+200F'],
  ['Arabic letter mark', '\u061c', 'U+061C'],
];

describe('names with control or bidi characters are a ConfigError', () => {
  it.each(CONTROL)('%s: breakers, providers and the factories', (_label, control, code) => {
    const name = `evil${control}name`;
    for (const fn of [
      () => new CircuitBreaker(name),
      () => openai({ name, model: 'm', apiKey: `k_${tag}_key` }),
      () => anthropic({ name, model: 'm', apiKey: `k_${tag}_key` }),
      () => createLLMClient({ providers: [scripted(name)], telemetry: false }),
    ]) {
      const e = configError(fn);
      expect(e.option).toMatch(/(^|\.)name$/);
      expect(e.message).toContain(code);
      expect(e.message).toContain('at index 4');
      // the message itself is safe to print: no control character in it
      // eslint-disable-next-line no-control-regex
      expect(e.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u);
    }
  });

  it('ordinary names (dashes, dots, colons, non-Latin letters) are still accepted', () => {
    for (const name of ['openai-primary', 'eu.west:1', 'fournisseur-é', '本番']) expect(new CircuitBreaker(name).name).toBe(name);
  });
});
