import { describe, expect, it } from 'vitest';
import type { AdapterDescription } from '../../providers/shared/adapter-description.js';
import { resolveCommonOptions } from '../../providers/shared/resolve-options.js';
import { sdkStream, type SdkStream } from '../../providers/shared/sdk-stream.js';
import { isConfigError } from '../../src/errors/config-error.js';
import type { ProviderStreamEvent } from '../../src/provider.js';

/** A third adapter, described only by its own data: the shared machinery names no provider. */
const THIRD: AdapterDescription = {
  factory: 'mistral',
  exampleModel: 'mistral-small-latest',
  apiKeyEnv: 'MISTRAL_TEST_KEY_UNSET',
  optionKeys: new Set(['name', 'model', 'apiKey', 'baseURL']),
};

function configError(run: () => unknown): { field: string; message: string } {
  try {
    run();
  } catch (err) {
    if (isConfigError(err)) return { field: err.option, message: err.message };
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('resolveCommonOptions with an adapter description', () => {
  it("names the adapter's own example model when model is missing", () => {
    const e = configError(() => resolveCommonOptions({ apiKey: 'k-123456789' }, THIRD));
    expect(e.field).toBe('model');
    expect(e.message).toContain("mistral({ model: 'mistral-small-latest' })");
  });

  it("names the adapter's factory for an unknown option and its key variable for a missing key", () => {
    const unknown = configError(() => resolveCommonOptions({ model: 'm', basUrl: 'x' } as never, THIRD));
    expect(unknown.message).toContain('is not an option of mistral()');
    const key = configError(() => resolveCommonOptions({ model: 'm' }, THIRD));
    expect(key.field).toBe('apiKey');
    expect(key.message).toContain('MISTRAL_TEST_KEY_UNSET');
  });

  it('defaults the provider name to the factory', () => {
    expect(resolveCommonOptions({ model: 'm', apiKey: 'k-123456789' }, THIRD).name).toBe('mistral');
  });
});

/** A stream of numbers with the controller an SDK stream carries. */
function numbers(n: number): SdkStream<number> & { aborted: () => boolean } {
  const controller = new AbortController();
  return {
    controller,
    aborted: () => controller.signal.aborted,
    async *[Symbol.asyncIterator]() {
      for (let i = 0; i < n; i++) yield i;
    },
  };
}

function run(stream: SdkStream<number>): AsyncGenerator<ProviderStreamEvent, void, undefined> {
  const ctx = { signal: new AbortController().signal, model: 'm', attempt: 1 } as never;
  return sdkStream(
    'third',
    ctx,
    () => Promise.resolve({ data: stream, request_id: 'req_1' }),
    async function* (events, requestId) {
      for await (const i of events) yield { type: 'text', delta: String(i) };
      return () => [{ type: 'finish', finishReason: 'stop', usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 }, model: 'm', requestId }];
    },
    (err) => (err instanceof Error ? err : new Error(String(err))),
  );
}

describe('sdkStream lifecycle', () => {
  it('yields the mapped events then the closing ones, and leaves a completed request alone', async () => {
    const stream = numbers(2);
    const seen: ProviderStreamEvent[] = [];
    for await (const e of run(stream)) seen.push(e);
    expect(seen.map((e) => e.type)).toEqual(['text', 'text', 'finish']);
    expect(seen[2]).toMatchObject({ requestId: 'req_1' });
    expect(stream.aborted()).toBe(false);
  });

  it("closes the HTTP request when the consumer breaks early", async () => {
    const stream = numbers(3);
    for await (const e of run(stream)) {
      expect(e.type).toBe('text');
      break;
    }
    expect(stream.aborted()).toBe(true);
  });
});
