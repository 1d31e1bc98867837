/**
 * Private redis-servers with security options (AUTH, ACL users, TLS) for the security tests, and a
 * throwaway self-signed certificate. Like test/helpers/redis-server.ts: free ports, a temp dir, no
 * persistence, killed (and the temp dir removed) by `close()`; a missing binary is an error, never
 * a skip.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REDIS_SERVER = process.env.REDIS_SERVER_BIN ?? 'redis-server';

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

/** Resolves when something accepts TCP connections on `port`. */
async function listening(port: number, proc: ChildProcess, output: () => string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`redis-server exited before listening on ${port}:\n${output()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ port, host: '127.0.0.1' });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`redis-server did not listen on ${port} within ${timeoutMs} ms:\n${output()}`);
}

export interface SecureRedis {
  readonly port: number;
  readonly dir: string;
  close(): Promise<void>;
}

/**
 * Starts redis-server with `extraArgs` (e.g. `--requirepass x`). With `tls`, `--port 0` and
 * `--tls-port <port>` are used, so it only speaks TLS.
 */
export async function startSecureRedis(extraArgs: (dir: string) => string[], tls = false): Promise<SecureRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'llmb-secure-'));
  try {
    const port = await freePort();
    const ports = tls ? ['--port', '0', '--tls-port', String(port)] : ['--port', String(port)];
    const args = [...ports, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', ...extraArgs(dir)];
    let out = '';
    const proc = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
    proc.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
    const spawnError = new Promise<never>((_, reject) =>
      proc.once('error', (err: NodeJS.ErrnoException) => reject(new Error(err.code === 'ENOENT' ? `redis-server not found ("${REDIS_SERVER}")` : err.message))),
    );
    spawnError.catch(() => undefined);
    live.add(proc);
    proc.once('exit', () => live.delete(proc));
    await Promise.race([spawnError, listening(port, proc, () => out)]);
    return {
      port,
      dir,
      async close() {
        if (proc.exitCode === null && proc.signalCode === null) {
          proc.kill('SIGKILL');
          await new Promise((r) => proc.once('exit', r));
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * True when this redis-server binary knows `--tls-port` (built with TLS). An invalid value makes a
 * TLS build complain about the value and exit; a build without TLS says "Bad directive".
 */
export function redisHasTls(): boolean {
  const r = spawnSync(REDIS_SERVER, ['--tls-port', 'not-a-port'], { timeout: 3000, encoding: 'utf8' });
  if (r.error) throw new Error(`cannot run ${REDIS_SERVER}: ${r.error.message}`);
  return !/Bad directive/i.test(`${r.stdout}${r.stderr}`);
}

export interface SelfSignedCert {
  /** PEM text of the certificate (also its own CA). */
  readonly cert: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/** A self-signed certificate for 127.0.0.1 (EC P-256), written into `dir`. */
export function selfSignedCert(dir: string): Promise<SelfSignedCert> {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  return new Promise((resolve, reject) => {
    execFile(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
      { timeout: 10_000 },
      (err, _stdout, stderr) => {
        if (err) reject(new Error(`openssl could not make a test certificate: ${err.message}\n${stderr}`));
        else resolve({ cert: readFileSync(certFile, 'utf8'), certFile, keyFile });
      },
    );
  });
}
