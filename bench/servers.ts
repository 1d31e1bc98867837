/**
 * Local HTTP servers for the benchmarks, each run in a child process so that the server's CPU is
 * not charged to the client being measured (on 2 cores: the client on one, the server on the other).
 *
 * - `tiny`: `node:http`, answers every request with a small fixed JSON body (the cheapest realistic
 *   round trip: the strictest denominator for a throughput ratio)
 * - `mock`: the project's mock LLM server (`startMockLLMServer` of src/testing/mock-server.ts)
 *
 * As a child: `node --import tsx bench/servers.ts <kind>` prints `{"port":N}` once it listens.
 * @module
 */
import { spawn } from 'node:child_process';
import { Agent, createServer, request } from 'node:http';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

export type ServerKind = 'tiny' | 'mock';

export interface ChildServer {
  port: number;
  url: string;
  stop(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));

/** Starts a server child process; rejects with the reason when it cannot start. */
export function startChildServer(kind: ServerKind): Promise<ChildServer> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'servers.ts'), kind], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const rl = createInterface({ input: child.stdout });
    const fail = (why: string): void => reject(new Error(`${kind} server: ${why}${stderr ? `: ${stderr.trim().split('\n')[0]}` : ''}`));
    child.on('error', (e) => fail(e.message));
    child.on('exit', (code) => fail(`exited with code ${code}`));
    rl.once('line', (line) => {
      try {
        const { port, error } = JSON.parse(line) as { port?: number; error?: string };
        if (error !== undefined || port === undefined) return fail(error ?? 'no port');
        resolve({
          port,
          url: `http://127.0.0.1:${port}`,
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done();
              child.removeAllListeners('exit');
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      } catch {
        fail(`unexpected output ${line}`);
      }
    });
  });
}

/** A keep-alive HTTP client for the `tiny` server: one POST, body read and parsed. */
export function tinyClient(url: string, maxSockets: number): { call: () => Promise<unknown>; close: () => void } {
  const agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  const u = new URL(url);
  const body = '{"messages":[{"role":"user","content":"Hello"}]}';
  const call = (): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const req = request(
        { host: u.hostname, port: u.port, path: '/v1/tiny', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } },
        (res) => {
          let data = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (data += c));
          res.on('end', () => {
            try {
              resolve(JSON.parse(data));
            } catch (e) {
              reject(e);
            }
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return { call, close: () => agent.destroy() };
}

// ------------------------------------------------------------------ child side

async function serve(kind: string): Promise<void> {
  if (kind === 'tiny') {
    const reply = JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from tiny.' }, finish_reason: 'stop' }] });
    const srv = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(reply) });
        res.end(reply);
      });
    });
    srv.keepAliveTimeout = 60_000;
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      console.log(JSON.stringify({ port: typeof a === 'object' && a ? a.port : 0 }));
    });
    return;
  }
  if (kind === 'mock') {
    try {
      const { startMockLLMServer } = await import('../src/testing/mock-server.js');
      const s = await startMockLLMServer();
      console.log(JSON.stringify({ port: s.port }));
    } catch (err) {
      console.log(JSON.stringify({ error: `src/testing/mock-server.ts not available (${(err as Error).message.split('\n')[0]})` }));
      process.exit(1);
    }
    return;
  }
  console.log(JSON.stringify({ error: `unknown server kind ${kind}` }));
  process.exit(1);
}

if (process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === import.meta.url) {
  process.on('SIGTERM', () => process.exit(0));
  void serve(process.argv[2] ?? 'tiny');
}
