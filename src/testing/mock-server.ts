/**
 * A scriptable local LLM server speaking both wire formats, for demos, examples, fleet tests and
 * benchmarks — no API key, no network:
 *
 * - `POST /v1/chat/completions`: OpenAI Chat Completions (JSON, or SSE with `stream: true`)
 * - `POST /v1/messages`: Anthropic Messages (JSON, or SSE with its real event names)
 *
 * ```ts
 * import { startMockLLMServer } from 'llm-breaker/testing';
 * const server = await startMockLLMServer();
 * const primary = openai({ baseURL: server.openaiBaseURL, apiKey: 'none', model: 'gpt-4o-mini' });
 * const fallback = anthropic({ baseURL: server.anthropicBaseURL, apiKey: 'none', model: 'claude-haiku-4-5' });
 * server.setMode('down', 'openai');   // OpenAI answers 503, Anthropic still answers
 * await server.close();
 * ```
 *
 * Built on `node:http` only; it logs nothing and keeps per-request work small, so it can serve
 * benchmarks. `close()` destroys open sockets (hanging requests included).
 * @module
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** Which wire format a request used. */
export type MockRoute = 'openai' | 'anthropic';

/**
 * How the server answers:
 * - `ok`: a normal answer (JSON, or a full SSE stream)
 * - `down`: OpenAI 503 `server_error`; Anthropic 529 `overloaded_error`
 * - `error500`: 500 with the provider's `server_error` / `api_error` body
 * - `rate_limit`: 429 with `retry-after` (and `retry-after-ms`)
 * - `auth`: 401; `not_found`: 404 unknown model; `context_length`: 400 prompt too long;
 *   `bad_request`: 400 invalid parameter
 * - `hang`: reads the request and never answers (until `close()`)
 * - `reset`: destroys the connection without an answer
 * - `malformed`: 200 with truncated JSON; for streams, one valid chunk then a chunk of broken JSON
 * - `stream_error`: streams carry an in-band error event before any content (OpenAI
 *   `data: {"error":…}`, Anthropic `event: error` `overloaded_error`); non-streaming requests get `down`
 * - `stream_cut`: streams send the first text chunk, then end without their terminal event;
 *   non-streaming requests get `reset`
 * - `stall`: streams send the first text chunk, then nothing (idle-timeout tests); non-streaming
 *   requests get their headers, then nothing
 */
export type MockMode =
  | 'ok'
  | 'down'
  | 'error500'
  | 'rate_limit'
  | 'auth'
  | 'not_found'
  | 'context_length'
  | 'bad_request'
  | 'hang'
  | 'reset'
  | 'malformed'
  | 'stream_error'
  | 'stream_cut'
  | 'stall';

/** Every mode, for validation and for tests that walk them all. */
export const MOCK_MODES: readonly MockMode[] = Object.freeze([
  'ok',
  'down',
  'error500',
  'rate_limit',
  'auth',
  'not_found',
  'context_length',
  'bad_request',
  'hang',
  'reset',
  'malformed',
  'stream_error',
  'stream_cut',
  'stall',
]);

/** A request as the script sees it. */
export interface MockRequest {
  route: MockRoute;
  /** 1-based number of this request on its route. */
  seq: number;
  stream: boolean;
  /** The `model` of the body (`''` when absent). */
  model: string;
  /** The parsed JSON body. */
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
}

/** One SSE event of a custom streaming reply. */
export interface MockSSEEvent {
  /** The `event:` line (Anthropic uses one on every event; OpenAI none). */
  event?: string;
  /** JSON-serialised, unless a string, which is sent as is (e.g. `'[DONE]'` or broken JSON). */
  data: unknown;
}

/**
 * A scripted answer. With `status`, `body` or `events` it is a raw reply; otherwise the server
 * answers as in `mode` (default: the route's current mode), with `text`/`toolCalls` for `ok`.
 */
export interface MockReply {
  /** Answer as this mode does. @default the route's current mode */
  mode?: MockMode;
  /** Text of an `ok` answer. @default the server's `text` */
  text?: string;
  /** Tool calls of an `ok` answer (its finish reason becomes `tool_calls` / `tool_use`). */
  toolCalls?: Array<{ name: string; arguments: Record<string, unknown> | string; id?: string }>;
  /** Wait before answering, in ms. @default the server's latency */
  delayMs?: number;
  /** Raw reply: HTTP status. @default 200 */
  status?: number;
  /** Raw reply: extra response headers. */
  headers?: Record<string, string>;
  /** Raw reply: JSON body (a string is sent as is). */
  body?: unknown;
  /** Raw reply: SSE events (`content-type: text/event-stream`). */
  events?: MockSSEEvent[];
  /** Raw SSE reply: keep the connection open after the events instead of ending it. @default false */
  hang?: boolean;
}

/** Decides the answer to one request; `undefined` means "the route's current mode". */
export type MockScript = (request: MockRequest) => MockReply | MockMode | undefined | void | Promise<MockReply | MockMode | undefined | void>;

/** Options of {@link startMockLLMServer}. */
export interface MockLLMServerOptions {
  /** Port to listen on; 0 picks a free one. @default 0 */
  port?: number;
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** Initial mode of both routes. @default 'ok' */
  mode?: MockMode;
  /** Text of `ok` answers. @default 'Hello from the mock LLM.' */
  text?: string;
  /** Delay before every answer, in ms. @default 0 */
  latencyMs?: number;
  /** Delay between SSE chunks, in ms (0 writes a whole stream at once). @default 0 */
  chunkDelayMs?: number;
  /** Wait announced by `rate_limit` answers, in ms. @default 1000 */
  retryAfterMs?: number;
}

/** A running mock server. */
export interface MockLLMServer {
  /** `http://host:port`. */
  readonly url: string;
  readonly port: number;
  /** `baseURL` for `openai()`: `${url}/v1`. */
  readonly openaiBaseURL: string;
  /** `baseURL` for `anthropic()`: `url` (the SDK appends `/v1/messages`). */
  readonly anthropicBaseURL: string;
  /** LLM requests received, both routes. */
  readonly requests: number;
  /** LLM requests received per route. */
  readonly requestsByRoute: Readonly<Record<MockRoute, number>>;
  /** Requests being answered right now. */
  readonly activeRequests: number;
  /** Requests whose client went away before the answer was complete (a `break`, an abort). */
  readonly abortedRequests: number;
  /** The last request received. */
  readonly lastRequest: MockRequest | undefined;
  /** Sets the mode of one route, or of both. */
  setMode(mode: MockMode, route?: MockRoute): void;
  getMode(route: MockRoute): MockMode;
  /** Sets the delay before every answer, in ms. */
  setLatency(ms: number): void;
  /** Installs a per-request hook (`undefined` removes it). */
  script(fn: MockScript | undefined): void;
  /** Zeroes the counters, removes the script and restores the initial mode and latency. */
  reset(): void;
  /** Stops listening and destroys every open connection. */
  close(): Promise<void>;
}

const OPENAI_PATH = /\/chat\/completions\/?(?:\?.*)?$/;
const ANTHROPIC_PATH = /\/messages\/?(?:\?.*)?$/;
const INSTANCE = randomBytes(4).toString('hex');
const JSON_HEADERS = { 'content-type': 'application/json' } as const;
const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' } as const;

/** Starts a mock LLM server; resolves once it listens. */
export async function startMockLLMServer(options: MockLLMServerOptions = {}): Promise<MockLLMServer> {
  const initialMode = options.mode ?? 'ok';
  assertMode(initialMode);
  const defaultText = options.text ?? 'Hello from the mock LLM.';
  const chunkDelayMs = options.chunkDelayMs ?? 0;
  const retryAfterMs = options.retryAfterMs ?? 1000;
  let latencyMs = options.latencyMs ?? 0;
  const modes: Record<MockRoute, MockMode> = { openai: initialMode, anthropic: initialMode };
  const counts: Record<MockRoute, number> = { openai: 0, anthropic: 0 };
  let active = 0;
  let aborted = 0;
  let seq = 0;
  let lastRequest: MockRequest | undefined;
  let userScript: MockScript | undefined;
  let closing = false;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const later = (ms: number, fn: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const route: MockRoute | undefined =
      req.method !== 'POST' ? undefined : OPENAI_PATH.test(url) ? 'openai' : ANTHROPIC_PATH.test(url) ? 'anthropic' : undefined;
    if (route === undefined) {
      req.resume();
      sendJSON(res, 404, { error: { message: `Unknown request URL: ${req.method} ${url}`, type: 'invalid_request_error', param: null, code: 'unknown_url' } }, {});
      return;
    }
    counts[route]++;
    active++;
    let done = false;
    res.on('finish', () => {
      done = true;
    });
    res.on('close', () => {
      active--;
      if (!done && !closing && !(res as DestroyMark)[DESTROYED]) aborted++;
    });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
    });
    req.on('end', () => {
      let body: Record<string, unknown>;
      try {
        const parsed: unknown = JSON.parse(Buffer.concat(chunks, size).toString('utf8'));
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
        body = parsed as Record<string, unknown>;
      } catch {
        sendError(res, route, 'bad_request', '', {}, 'Request body is not a valid JSON object.');
        return;
      }
      const request: MockRequest = {
        route,
        seq: counts[route],
        stream: body['stream'] === true,
        model: typeof body['model'] === 'string' ? body['model'] : '',
        body,
        headers: req.headers,
      };
      lastRequest = request;
      const ctx: AnswerContext = { res, request, id: ++seq, inputTokens: Math.max(1, Math.ceil(size / 4)) };
      if (userScript === undefined) {
        schedule(ctx, undefined);
        return;
      }
      let decided: ReturnType<MockScript>;
      try {
        decided = userScript(request);
      } catch (err) {
        sendJSON(res, 500, { error: { message: `mock script failed: ${String(err)}`, type: 'server_error' } }, {});
        return;
      }
      if (decided instanceof Promise) {
        decided.then(
          (reply) => schedule(ctx, reply),
          (err: unknown) => sendJSON(res, 500, { error: { message: `mock script failed: ${String(err)}`, type: 'server_error' } }, {}),
        );
      } else {
        schedule(ctx, decided);
      }
    });
  });

  const schedule = (ctx: AnswerContext, decided: MockReply | MockMode | undefined | void): void => {
    const reply: MockReply | undefined = typeof decided === 'string' ? { mode: decided } : (decided ?? undefined);
    const delay = reply?.delayMs ?? latencyMs;
    if (delay > 0) later(delay, () => answer(ctx, reply));
    else answer(ctx, reply);
  };

  const answer = (ctx: AnswerContext, reply: MockReply | undefined): void => {
    const { res, request } = ctx;
    if (res.destroyed || closing) return;
    if (reply !== undefined && (reply.status !== undefined || reply.body !== undefined || reply.events !== undefined)) {
      rawReply(ctx, reply);
      return;
    }
    const mode = reply?.mode ?? modes[request.route];
    const route = request.route;
    switch (mode) {
      case 'ok':
        if (request.stream) streamOk(ctx, reply?.text ?? defaultText, reply?.toolCalls, 'complete');
        else sendJSON(res, 200, okBody(ctx, reply?.text ?? defaultText, reply?.toolCalls), idHeaders(ctx));
        return;
      case 'hang':
        return; // never answered; close() destroys the socket
      case 'reset':
        destroy(res);
        return;
      case 'stall':
        if (request.stream) streamOk(ctx, reply?.text ?? defaultText, undefined, 'stall');
        else res.writeHead(200, { ...JSON_HEADERS, ...idHeaders(ctx) }).flushHeaders();
        return;
      case 'stream_cut':
        if (request.stream) streamOk(ctx, reply?.text ?? defaultText, undefined, 'cut');
        else destroy(res);
        return;
      case 'stream_error':
        if (request.stream) streamInBandError(ctx);
        else sendError(res, route, 'down', request.model, idHeaders(ctx));
        return;
      case 'malformed':
        if (request.stream) streamMalformed(ctx);
        else {
          const prefix = route === 'openai' ? `{"id":"chatcmpl-${ctx.id}","object":"chat.completion","choices":[{"index":0,` : `{"id":"msg_${ctx.id}","type":"message","content":[{"type":"te`;
          res.writeHead(200, { ...JSON_HEADERS, ...idHeaders(ctx) }).end(prefix);
        }
        return;
      default:
        sendError(res, route, mode, request.model, mode === 'rate_limit' ? { ...idHeaders(ctx), ...retryHeaders(route) } : idHeaders(ctx));
    }
  };

  const rawReply = (ctx: AnswerContext, reply: MockReply): void => {
    const { res } = ctx;
    const status = reply.status ?? 200;
    if (reply.events !== undefined) {
      res.writeHead(status, { ...SSE_HEADERS, ...idHeaders(ctx), ...reply.headers });
      writeEvents(res, reply.events.map(formatEvent), reply.hang !== true);
      return;
    }
    const body = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
    res.writeHead(status, { ...JSON_HEADERS, ...idHeaders(ctx), ...reply.headers }).end(body);
  };

  /** Writes SSE frames, all at once or `chunkDelayMs` apart; then ends unless told to keep it open. */
  const writeEvents = (res: ServerResponse, frames: string[], end: boolean): void => {
    if (chunkDelayMs <= 0 || frames.length <= 1) {
      if (end) res.end(frames.join(''));
      else res.write(frames.join(''));
      return;
    }
    let i = 0;
    const next = (): void => {
      if (res.destroyed || closing) return;
      res.write(frames[i++]!);
      if (i < frames.length) later(chunkDelayMs, next);
      else if (end) res.end();
    };
    next();
  };

  const streamOk = (
    ctx: AnswerContext,
    text: string,
    toolCalls: MockReply['toolCalls'],
    shape: 'complete' | 'cut' | 'stall',
  ): void => {
    const { res, request } = ctx;
    res.writeHead(200, { ...SSE_HEADERS, ...idHeaders(ctx) });
    const pieces = splitText(text);
    const frames = request.route === 'openai' ? openaiFrames(ctx, pieces, toolCalls, shape) : anthropicFrames(ctx, pieces, toolCalls, shape);
    writeEvents(res, frames, shape !== 'stall');
  };

  const streamInBandError = (ctx: AnswerContext): void => {
    const { res, request } = ctx;
    res.writeHead(200, { ...SSE_HEADERS, ...idHeaders(ctx) });
    if (request.route === 'openai') {
      res.end(sse(undefined, { error: { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null } }));
    } else {
      res.end(
        sse('message_start', { type: 'message_start', message: anthropicMessage(ctx, [], null, 1) }) +
          sse('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: requestId(ctx) }),
      );
    }
  };

  const streamMalformed = (ctx: AnswerContext): void => {
    const { res, request } = ctx;
    res.writeHead(200, { ...SSE_HEADERS, ...idHeaders(ctx) });
    if (request.route === 'openai') {
      res.end(openaiFrames(ctx, [], undefined, 'cut')[0]! + 'data: {"id":"chatcmpl-broken","choices":[{"delta":\n\n');
    } else {
      res.end(sse('message_start', { type: 'message_start', message: anthropicMessage(ctx, [], null, 1) }) + 'event: content_block_start\ndata: {"type":"content_block_start","index":0,\n\n');
    }
  };

  const okBody = (ctx: AnswerContext, text: string, toolCalls: MockReply['toolCalls']): unknown => {
    const outputTokens = countTokens(text);
    if (ctx.request.route === 'openai') {
      const calls = toolCalls?.map((c, i) => ({ id: c.id ?? toolId('call_', ctx, i), type: 'function', function: { name: c.name, arguments: args(c.arguments) } }));
      return {
        id: `chatcmpl-${INSTANCE}${ctx.id.toString(36)}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: ctx.request.model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: calls ? null : text, refusal: null, annotations: [], ...(calls && { tool_calls: calls }) },
            logprobs: null,
            finish_reason: calls ? 'tool_calls' : 'stop',
          },
        ],
        usage: openaiUsage(ctx.inputTokens, outputTokens),
        service_tier: 'default',
        system_fingerprint: 'fp_mock',
      };
    }
    const content: unknown[] = text !== '' || !toolCalls ? [{ type: 'text', text, citations: null }] : [];
    toolCalls?.forEach((c, i) => content.push({ type: 'tool_use', id: c.id ?? toolId('toolu_', ctx, i), name: c.name, input: inputObject(c.arguments) }));
    return anthropicMessage(ctx, content, toolCalls ? 'tool_use' : 'end_turn', outputTokens);
  };

  const anthropicMessage = (ctx: AnswerContext, content: unknown[], stopReason: string | null, outputTokens: number): Record<string, unknown> => ({
    id: `msg_01${INSTANCE}${ctx.id.toString(36).padStart(12, '0')}`,
    type: 'message',
    role: 'assistant',
    model: ctx.request.model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: {
      input_tokens: ctx.inputTokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: outputTokens,
      service_tier: 'standard',
    },
  });

  const openaiFrames = (ctx: AnswerContext, pieces: string[], toolCalls: MockReply['toolCalls'], shape: 'complete' | 'cut' | 'stall'): string[] => {
    const head = `{"id":"chatcmpl-${INSTANCE}${ctx.id.toString(36)}","object":"chat.completion.chunk","created":${Math.floor(Date.now() / 1000)},"model":${JSON.stringify(ctx.request.model)},"service_tier":"default","system_fingerprint":"fp_mock","choices":`;
    const chunk = (choices: string, usage = 'null'): string => `data: ${head}${choices},"usage":${usage}}\n\n`;
    const frames = [chunk('[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]')];
    const content = shape === 'complete' ? pieces : pieces.slice(0, 1);
    for (const piece of content) {
      frames.push(chunk(`[{"index":0,"delta":{"content":${JSON.stringify(piece)}},"logprobs":null,"finish_reason":null}]`));
    }
    if (shape !== 'complete') return frames;
    toolCalls?.forEach((c, i) => {
      const id = c.id ?? toolId('call_', ctx, i);
      frames.push(chunk(`[{"index":0,"delta":{"tool_calls":[{"index":${i},"id":"${id}","type":"function","function":{"name":${JSON.stringify(c.name)},"arguments":""}}]},"logprobs":null,"finish_reason":null}]`));
      frames.push(chunk(`[{"index":0,"delta":{"tool_calls":[{"index":${i},"function":{"arguments":${JSON.stringify(args(c.arguments))}}}]},"logprobs":null,"finish_reason":null}]`));
    });
    frames.push(chunk(`[{"index":0,"delta":{},"logprobs":null,"finish_reason":"${toolCalls ? 'tool_calls' : 'stop'}"}]`));
    frames.push(chunk('[]', JSON.stringify(openaiUsage(ctx.inputTokens, countTokens(pieces.join(''))))));
    frames.push('data: [DONE]\n\n');
    return frames;
  };

  const anthropicFrames = (ctx: AnswerContext, pieces: string[], toolCalls: MockReply['toolCalls'], shape: 'complete' | 'cut' | 'stall'): string[] => {
    const frames = [
      sse('message_start', { type: 'message_start', message: anthropicMessage(ctx, [], null, 1) }),
      sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
      sse('ping', { type: 'ping' }),
    ];
    const content = shape === 'complete' ? pieces : pieces.slice(0, 1);
    for (const piece of content) {
      frames.push(sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } }));
    }
    if (shape !== 'complete') return frames;
    frames.push(sse('content_block_stop', { type: 'content_block_stop', index: 0 }));
    toolCalls?.forEach((c, i) => {
      const index = i + 1;
      frames.push(sse('content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: c.id ?? toolId('toolu_', ctx, i), name: c.name, input: {} } }));
      frames.push(sse('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: args(c.arguments) } }));
      frames.push(sse('content_block_stop', { type: 'content_block_stop', index }));
    });
    frames.push(
      sse('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: toolCalls ? 'tool_use' : 'end_turn', stop_sequence: null },
        usage: { output_tokens: countTokens(pieces.join('')) },
      }),
    );
    frames.push(sse('message_stop', { type: 'message_stop' }));
    return frames;
  };

  const sendError = (res: ServerResponse, route: MockRoute, mode: MockMode, model: string, headers: Record<string, string>, message?: string): void => {
    const [status, body] = route === 'openai' ? openaiError(mode, model, message) : anthropicError(mode, model, headers['request-id'], message);
    sendJSON(res, status, body, headers);
  };

  const retryHeaders = (route: MockRoute): Record<string, string> => {
    const headers: Record<string, string> = { 'retry-after': String(Math.max(0, Math.ceil(retryAfterMs / 1000))) };
    if (route === 'openai') {
      headers['retry-after-ms'] = String(retryAfterMs);
      headers['x-ratelimit-limit-requests'] = '3';
      headers['x-ratelimit-remaining-requests'] = '0';
      headers['x-ratelimit-reset-requests'] = `${retryAfterMs / 1000}s`;
    } else {
      headers['anthropic-ratelimit-requests-limit'] = '50';
      headers['anthropic-ratelimit-requests-remaining'] = '0';
      headers['anthropic-ratelimit-requests-reset'] = new Date(Date.now() + retryAfterMs).toISOString();
    }
    return headers;
  };

  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('mock LLM server: no TCP address');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  return {
    url,
    port: address.port,
    openaiBaseURL: `${url}/v1`,
    anthropicBaseURL: url,
    get requests() {
      return counts.openai + counts.anthropic;
    },
    get requestsByRoute() {
      return { openai: counts.openai, anthropic: counts.anthropic };
    },
    get activeRequests() {
      return active;
    },
    get abortedRequests() {
      return aborted;
    },
    get lastRequest() {
      return lastRequest;
    },
    setMode(mode: MockMode, route?: MockRoute) {
      assertMode(mode);
      if (route === undefined || route === 'openai') modes.openai = mode;
      if (route === undefined || route === 'anthropic') modes.anthropic = mode;
    },
    getMode(route: MockRoute) {
      return modes[route];
    },
    setLatency(ms: number) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`mock LLM server: latency must be >= 0, got ${ms}`);
      latencyMs = ms;
    },
    script(fn: MockScript | undefined) {
      userScript = fn;
    },
    reset() {
      counts.openai = 0;
      counts.anthropic = 0;
      aborted = 0;
      lastRequest = undefined;
      userScript = undefined;
      modes.openai = initialMode;
      modes.anthropic = initialMode;
      latencyMs = options.latencyMs ?? 0;
    },
    async close() {
      if (closing) return;
      closing = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      await closed;
    },
  };
}

interface AnswerContext {
  res: ServerResponse;
  request: MockRequest;
  /** Server-wide sequence number, for ids. */
  id: number;
  inputTokens: number;
}

const DESTROYED = Symbol('destroyedByMock');
type DestroyMark = ServerResponse & { [DESTROYED]?: boolean };

/** Destroys the connection on purpose (not counted as a client abort). */
function destroy(res: ServerResponse): void {
  (res as DestroyMark)[DESTROYED] = true;
  res.socket?.destroy();
  res.destroy();
}

function assertMode(mode: string): asserts mode is MockMode {
  if (!(MOCK_MODES as readonly string[]).includes(mode)) {
    throw new RangeError(`mock LLM server: unknown mode "${mode}" (one of ${MOCK_MODES.join(', ')})`);
  }
}

function requestId(ctx: AnswerContext): string {
  return ctx.request.route === 'openai'
    ? `req_${INSTANCE}${ctx.id.toString(16).padStart(24, '0')}`
    : `req_011C${INSTANCE}${ctx.id.toString(36).padStart(12, '0')}`;
}

function idHeaders(ctx: AnswerContext): Record<string, string> {
  return ctx.request.route === 'openai'
    ? { 'x-request-id': requestId(ctx), 'openai-processing-ms': '1', 'openai-version': '2020-10-01' }
    : { 'request-id': requestId(ctx), 'anthropic-organization-id': '00000000-0000-4000-8000-000000000000' };
}

function toolId(prefix: string, ctx: AnswerContext, i: number): string {
  return `${prefix}${INSTANCE}${ctx.id.toString(36)}x${i}`;
}

function inputObject(value: Record<string, unknown> | string): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value || '{}');
  } catch {
    return {};
  }
}

function args(value: Record<string, unknown> | string): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function sendJSON(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  if (res.destroyed) return;
  res.writeHead(status, { ...JSON_HEADERS, ...headers }).end(JSON.stringify(body));
}

function sse(event: string | undefined, data: unknown): string {
  const payload = typeof data === 'string' ? data : JSON.stringify(data);
  return event === undefined ? `data: ${payload}\n\n` : `event: ${event}\ndata: ${payload}\n\n`;
}

function formatEvent(e: MockSSEEvent): string {
  return sse(e.event, e.data);
}

/** Splits text into word-sized deltas, as providers stream it. */
function splitText(text: string): string[] {
  const pieces = text.match(/\S+\s*|\s+/g);
  return pieces ?? (text === '' ? [] : [text]);
}

function countTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function openaiUsage(input: number, output: number): Record<string, unknown> {
  return {
    prompt_tokens: input,
    completion_tokens: output,
    total_tokens: input + output,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

/** OpenAI's real error bodies for each failure mode. */
function openaiError(mode: MockMode, model: string, message?: string): [number, unknown] {
  const err = (status: number, msg: string, type: string, code: string | null, param: string | null = null): [number, unknown] => [
    status,
    { error: { message: message ?? msg, type, param, code } },
  ];
  switch (mode) {
    case 'down':
      return err(503, 'The server is overloaded or not ready yet.', 'server_error', null);
    case 'rate_limit':
      return err(429, `Rate limit reached for ${model} in organization org-mock on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 1s.`, 'requests', 'rate_limit_exceeded');
    case 'auth':
      return err(401, 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.', 'invalid_request_error', 'invalid_api_key');
    case 'not_found':
      return err(404, `The model \`${model}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found');
    case 'context_length':
      return err(400, "This model's maximum context length is 128000 tokens. However, your messages resulted in 130417 tokens. Please reduce the length of the messages.", 'invalid_request_error', 'context_length_exceeded', 'messages');
    case 'bad_request':
      return err(400, "Invalid value for 'temperature': expected a number between 0 and 2.", 'invalid_request_error', 'invalid_value', 'temperature');
    default:
      return err(500, 'The server had an error while processing your request. Sorry about that!', 'server_error', null);
  }
}

/** Anthropic's real error bodies for each failure mode. */
function anthropicError(mode: MockMode, model: string, requestIdValue: string | undefined, message?: string): [number, unknown] {
  const err = (status: number, type: string, msg: string): [number, unknown] => [
    status,
    { type: 'error', error: { type, message: message ?? msg }, request_id: requestIdValue ?? null },
  ];
  switch (mode) {
    case 'down':
      return err(529, 'overloaded_error', 'Overloaded');
    case 'rate_limit':
      return err(429, 'rate_limit_error', 'This request would exceed the rate limit for your organization of 50 requests per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits.');
    case 'auth':
      return err(401, 'authentication_error', 'invalid x-api-key');
    case 'not_found':
      return err(404, 'not_found_error', `model: ${model}`);
    case 'context_length':
      return err(400, 'invalid_request_error', 'prompt is too long: 208932 tokens > 200000 maximum');
    case 'bad_request':
      return err(400, 'invalid_request_error', 'max_tokens: Input should be greater than or equal to 1');
    default:
      return err(500, 'api_error', 'Internal server error');
  }
}
