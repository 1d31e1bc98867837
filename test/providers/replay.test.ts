/**
 * Replay of recorded provider traffic (issue 11 §1): every case of test/fixtures/recorded is
 * served byte for byte from a local server, through the real SDK clients and the adapters, once
 * whole and once in 3-byte writes (which splits multi-byte UTF-8 characters and every SSE line).
 * Each normalised field is checked against the values written down beside the fixture.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anthropic } from '../../providers/anthropic/index.js';
import { openai } from '../../providers/openai/index.js';
import { createLLMClient } from '../../src/client.js';
import type { ProviderAdapter } from '../../src/provider.js';
import type { CompletionResponse } from '../../src/types.js';
import { HELLO, collectUntilError, ctx, rejection } from './_helpers.js';
import { recordedBody, recordedCases, startReplayServer, type RecordedCase, type ReplayServer } from './replay.js';

const MODEL = 'replay-requested-model';
const CASES = recordedCases();
let server: ReplayServer;
beforeAll(async () => {
  server = await startReplayServer();
});
afterAll(async () => {
  await server.close();
});

function adapter(c: RecordedCase): ProviderAdapter {
  return c.adapter === 'openai'
    ? openai({ model: MODEL, apiKey: 'sk-test-replay-0001', baseURL: `${server.url}/v1` })
    : anthropic({ model: MODEL, apiKey: 'sk-ant-test-replay-0001', baseURL: server.url });
}

async function succeed(c: RecordedCase): Promise<CompletionResponse> {
  const llm = createLLMClient({ providers: [adapter(c)], telemetry: false, retry: { retries: 0 } });
  try {
    return c.mode === 'stream' ? await llm.stream(HELLO).toResponse() : await llm.complete(HELLO);
  } finally {
    await llm.close();
  }
}

describe('the recorded corpus', () => {
  it('holds at least 40 recorded responses, each with its source and license', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    for (const c of CASES) {
      expect(c.source.license, c.name).toMatch(/\S/);
      expect(c.source.repo ?? c.source.url, c.name).toMatch(/\S/);
      if (c.source.repo !== undefined) expect(c.source.commit ?? c.source.url, c.name).toMatch(/\S/);
      expect(recordedBody(c).length, c.name).toBeGreaterThan(0);
    }
  });
});

describe('the replay server', () => {
  it('in 3-byte mode, the client reads the body in pieces of a few bytes (multi-byte characters split)', async () => {
    const c = CASES.find((x) => x.name === 'xai-grok3mini-text.stream')!;
    server.play(c, 3);
    const res = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST' });
    const sizes: number[] = [];
    let bytes = 0;
    for await (const piece of res.body as unknown as AsyncIterable<Uint8Array>) {
      sizes.push(piece.length);
      bytes += piece.length;
    }
    expect(bytes).toBe(recordedBody(c).length);
    sizes.sort((a, b) => a - b);
    expect(sizes[Math.floor(sizes.length / 2)]).toBeLessThanOrEqual(3);
    // the body holds multi-byte characters (U+2013 dashes), so 3-byte pieces cut some of them apart
    expect(recordedBody(c).toString('utf8')).toMatch(/[\u0080-\uffff]/);
  });
});

describe.each([
  ['whole', 'whole' as const],
  ['3-byte writes', 3],
])('replayed %s', (_label, writeSize) => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', { timeout: 60_000 }, async (_name, c) => {
    server.play(c, writeSize);
    const want = c.expect;
    if ('error' in want) {
      const a = adapter(c);
      let textBefore = '';
      let error;
      if (c.mode === 'stream') {
        const failed = await collectUntilError(a.stream(HELLO, ctx(MODEL)));
        textBefore = failed.events.map((e) => (e.type === 'text' ? e.delta : '')).join('');
        error = failed.error;
      } else {
        error = await rejection(a.complete(HELLO, ctx(MODEL)));
      }
      expect({ kind: error.kind, status: error.status, retryAfterMs: error.retryAfterMs }).toEqual({
        kind: want.error.kind,
        status: want.error.status,
        retryAfterMs: want.error.retryAfterMs,
      });
      if (want.error.retryable !== undefined) expect(error.retryable).toBe(want.error.retryable);
      if (want.error.providerCode !== undefined) expect(error.providerCode).toBe(want.error.providerCode);
      expect(textBefore).toBe(want.textBefore ?? '');
      return;
    }
    const res = await succeed(c);
    expect({ text: res.text, toolCalls: res.toolCalls, finishReason: res.finishReason, model: res.model, usage: res.usage }).toEqual(want);
    expect(res.attempts.map((a) => a.outcome)).toEqual(['success']);
  });
});
