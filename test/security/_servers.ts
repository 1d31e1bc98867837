/**
 * Private redis-servers with security options (AUTH, ACL users, TLS) for the security tests, and a
 * throwaway self-signed certificate. Like test/helpers/redis-server.ts: free ports, a temp dir, no
 * persistence, killed (and the temp dir removed) by `close()`; a missing binary is an error, never
 * a skip.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REDIS_SERVER, freePort, isRunning, spawnRedisServer, waitExit } from '../helpers/processes.js';

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
    // Ready once it accepts connections: a PING gets -NOAUTH with a password, and no answer over plain TCP with TLS.
    const proc = await spawnRedisServer([...ports, ...extraArgs(dir)], { port, dir, until: 'listening' });
    return {
      port,
      dir,
      async close() {
        if (isRunning(proc)) {
          proc.kill('SIGKILL');
          await waitExit(proc);
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
