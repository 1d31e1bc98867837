/**
 * The replay harness: a local HTTP server (127.0.0.1) that answers with one recorded response,
 * byte for byte, whole or in 3-byte writes, and the recorded cases of test/fixtures/recorded.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ErrorKind } from '../../src/errors/error-kind.js';
import type { FinishReason, ToolCall, Usage } from '../../src/types.js';

const DIR = new URL('../fixtures/recorded/', import.meta.url);

/** Where a recorded response comes from. */
export interface CaseSource {
  repo?: string;
  path?: string;
  commit?: string;
  url?: string;
  license: string;
  recordedFrom: string;
  framing?: string;
}

/** What the bytes say, written down per fixture (never computed by the code under test). */
export type CaseExpectation =
  | { text: string; toolCalls: ToolCall[]; finishReason: FinishReason; model: string; usage: Usage }
  | { error: { kind: ErrorKind; status?: number; retryAfterMs?: number; retryable?: boolean; providerCode?: string }; textBefore?: string };

/** One recorded response and what it must normalise to. */
export interface RecordedCase {
  name: string;
  adapter: 'openai' | 'anthropic';
  mode: 'complete' | 'stream';
  status: number;
  headers: Record<string, string>;
  body: string;
  covers: string[];
  source: CaseSource;
  expect: CaseExpectation;
}

/** Every `*.case.json` of test/fixtures/recorded, by name. */
export function recordedCases(): RecordedCase[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.case.json'))
    .sort()
    .map((f) => ({ name: f.slice(0, -'.case.json'.length), ...(JSON.parse(readFileSync(new URL(f, DIR), 'utf8')) as Omit<RecordedCase, 'name'>) }));
}

/** A case's body, as recorded. */
export function recordedBody(c: RecordedCase): Buffer {
  return readFileSync(new URL(c.body, DIR));
}

/** Headers a replay does not repeat: they describe the recorded transfer, not the response. */
const TRANSFER_HEADERS = new Set(['content-length', 'content-encoding', 'transfer-encoding', 'connection', 'keep-alive']);

/** A server that replays one response per request: `play(case, writeSize)` sets the next one. */
export interface ReplayServer {
  readonly url: string;
  play(c: RecordedCase, writeSize: number | 'whole'): void;
  close(): Promise<void>;
}

export async function startReplayServer(): Promise<ReplayServer> {
  let next: { c: RecordedCase; body: Buffer; writeSize: number | 'whole' } | undefined;
  const server: Server = createServer((req, res) => {
    req.resume();
    const current = next;
    if (!current) {
      res.writeHead(500).end('no case');
      return;
    }
    res.socket?.setNoDelay(true);
    const headers = Object.fromEntries(Object.entries(current.c.headers).filter(([k]) => !TRANSFER_HEADERS.has(k.toLowerCase())));
    res.writeHead(current.c.status, headers);
    void write(res, current.body, current.writeSize);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    play(c, writeSize) {
      next = { c, body: recordedBody(c), writeSize };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Writes `body` whole, or `size` bytes at a time (each its own chunk on the wire). */
async function write(res: ServerResponse, body: Buffer, size: number | 'whole'): Promise<void> {
  if (size === 'whole') {
    res.end(body);
    return;
  }
  for (let at = 0; at < body.length; at += size) {
    if (res.destroyed) return;
    // Wait until each piece has left, so that the client reads it on its own.
    await new Promise<void>((resolve) => res.write(body.subarray(at, at + size), () => setImmediate(resolve)));
  }
  res.end();
}
