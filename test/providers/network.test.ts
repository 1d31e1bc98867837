/**
 * Socket-level behaviour of both adapters over real local sockets (nock cannot emulate these:
 * with fetch it ignores abort signals and delays, and cannot cut a body mid-way).
 */
import Anthropic from '@anthropic-ai/sdk';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { anthropic } from '../../providers/anthropic/index.js';
import { openai } from '../../providers/openai/index.js';
import type { ProviderAdapter } from '../../src/provider.js';
import { startMockLLMServer, type MockLLMServer, type MockRoute } from '../../src/testing/index.js';
import { HELLO, collectUntilError, ctx, eventually, rejection } from './_helpers.js';

let server: MockLLMServer;
beforeAll(async () => {
  server = await startMockLLMServer();
});
afterEach(() => server.reset());
afterAll(async () => {
  await server.close();
});

interface Flavour {
  route: MockRoute;
  make(baseURL?: string): ProviderAdapter;
  withSdkTimeout(ms: number): ProviderAdapter;
}

const FLAVOURS: Flavour[] = [
  {
    route: 'openai',
    make: (baseURL) => openai({ model: 'gpt-4o-mini', apiKey: 'sk-test-net-openai-0001', baseURL: baseURL ?? server.openaiBaseURL }),
    withSdkTimeout: (ms) =>
      openai({ model: 'gpt-4o-mini', client: new OpenAI({ apiKey: 'sk-test-net-openai-0001', baseURL: server.openaiBaseURL, timeout: ms, maxRetries: 0 }) }),
  },
  {
    route: 'anthropic',
    make: (baseURL) => anthropic({ model: 'claude-haiku-4-5', apiKey: 'sk-ant-test-net-0001', baseURL: baseURL ?? server.anthropicBaseURL }),
    withSdkTimeout: (ms) =>
      anthropic({ model: 'claude-haiku-4-5', client: new Anthropic({ apiKey: 'sk-ant-test-net-0001', baseURL: server.anthropicBaseURL, timeout: ms, maxRetries: 0 }) }),
  },
];

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe.each(FLAVOURS)('$route over real sockets', (flavour) => {
  const { route } = flavour;
  const base = (port: number) => (route === 'openai' ? `http://127.0.0.1:${port}/v1` : `http://127.0.0.1:${port}`);

  it('connection refused is connection', async () => {
    const e = await rejection(flavour.make(base(await closedPort())).complete(HELLO, ctx()));
    expect(e.kind).toBe('connection');
    expect(e.message).toContain('ECONNREFUSED');
  });

  it('a connection reset before the answer is connection', async () => {
    server.setMode('reset', route);
    const e = await rejection(flavour.make().complete(HELLO, ctx()));
    expect(e.kind).toBe('connection');
    expect(e.retryable).toBe(true);
  });

  it("the SDK's own timeout is timeout", async () => {
    server.setMode('hang', route);
    const e = await rejection(flavour.withSdkTimeout(50).complete(HELLO, ctx()));
    expect(e.kind).toBe('timeout');
    expect(e.retryable).toBe(true);
  });

  it('aborting ctx.signal while waiting for the answer is aborted, promptly', async () => {
    server.setMode('hang', route);
    const controller = new AbortController();
    const pending = rejection(flavour.make().complete(HELLO, ctx('m', controller.signal)));
    await eventually(() => server.activeRequests === 1);
    const start = Date.now();
    controller.abort(new Error('client timeout'));
    const e = await pending;
    expect(e.kind).toBe('aborted');
    expect(Date.now() - start).toBeLessThan(500);
    await eventually(() => server.abortedRequests === 1);
  });

  it('aborting ctx.signal mid-stream rejects the pending iteration promptly and closes the request', async () => {
    server.setMode('stall', route);
    const controller = new AbortController();
    const iterator = flavour.make().stream(HELLO, ctx('m', controller.signal))[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: false, value: { type: 'text', delta: 'Hello ' } });
    const pending = rejection(iterator.next());
    const start = Date.now();
    controller.abort();
    const e = await pending;
    expect(e.kind).toBe('aborted');
    expect(Date.now() - start).toBeLessThan(500);
    await eventually(() => server.abortedRequests === 1 && server.activeRequests === 0);
  });

  it('a consumer break closes the HTTP request', async () => {
    server.setMode('stall', route);
    for await (const event of flavour.make().stream(HELLO, ctx())) {
      expect(event.type).toBe('text');
      break;
    }
    await eventually(() => server.abortedRequests === 1 && server.activeRequests === 0);
  });

  it('return() before the first event closes the request too', async () => {
    server.setMode('stall', route);
    const iterator = flavour.make().stream(HELLO, ctx())[Symbol.asyncIterator]();
    await iterator.next();
    expect(await iterator.return?.()).toEqual({ done: true, value: undefined });
    await eventually(() => server.abortedRequests === 1);
  });

  it('a stream that ends without its terminal event is connection "stream ended before completion"', async () => {
    server.setMode('stream_cut', route);
    const { events, error } = await collectUntilError(flavour.make().stream(HELLO, ctx()));
    expect(events).toEqual([{ type: 'text', delta: 'Hello ' }]);
    expect(error.kind).toBe('connection');
    expect(error.message).toContain('stream ended before completion');
    expect(error.requestId).toMatch(/^req_/);
  });

  it('a socket destroyed mid-stream is connection', async () => {
    const raw: Server = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(
        route === 'openai'
          ? 'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}\n\n'
          : 'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"usage":{"input_tokens":1,"output_tokens":1}}}\n\nevent: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":"Hi"}}\n\n',
        () => setImmediate(() => res.socket?.destroy()),
      );
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    try {
      const { events, error } = await collectUntilError(flavour.make(base((raw.address() as { port: number }).port)).stream(HELLO, ctx()));
      expect(events).toEqual([{ type: 'text', delta: 'Hi' }]);
      expect(error.kind).toBe('connection');
    } finally {
      raw.closeAllConnections();
      await new Promise<void>((resolve) => raw.close(() => resolve()));
    }
  });
});
