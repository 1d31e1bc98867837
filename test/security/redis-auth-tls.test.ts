/**
 * TLS and AUTH pass through (issue 5, part 6): the store uses the caller's ioredis client as it is,
 * so whatever that client was configured with — `password`, `username` (ACL), `tls` — also applies
 * to the store's own subscriber connection (made with `client.duplicate()`).
 *
 * - `--requirepass`: a client with the password works (state shared between two instances, pub/sub
 *   included); a client without it gets storeError and the breaker keeps serving calls.
 * - an ACL user limited to the store's prefix (`~prefix:*`, `&prefix:*`): the store needs no other
 *   key or channel (least privilege works).
 * - TLS (`--tls-port`, a throwaway self-signed certificate): a client with `tls: { ca }` works.
 *   Debian's redis-server is built with TLS; one built without it fails this test (never a skip).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/breaker/circuit-breaker.js';
import type { RedisStore } from '../../src/breaker/redis-store.js';
import { isStoreError } from '../../src/errors/store-error.js';
import { waitFor } from '../helpers/wait.js';
import { redisHasTls, selfSignedCert, startSecureRedis, type SecureRedis } from './_servers.js';
import { Opened, sharedStateWorks } from './_shared-state.js';

const PASSWORD = 'test-only-redis-password-3c9f';
const APP_PASSWORD = 'test-only-acl-password-7a1d';

const opened = new Opened();
afterAll(() => opened.closeAll());
const client = (options: RedisOptions): Promise<Redis> => opened.client(options);
const store = (c: Redis, prefix: string): RedisStore => opened.store(c, prefix);

describe('AUTH (--requirepass) and ACL users', () => {
  let server: SecureRedis;
  beforeAll(async () => {
    server = await startSecureRedis(() => [
      '--requirepass', PASSWORD,
      // an application user that may touch only its own prefix: keys, channel, and what scripts need
      '--user', 'app', 'on', `>${APP_PASSWORD}`, '~app:*', '&app:*', '+@all', '-@dangerous', '+info',
    ]);
    opened.track(server);
  });

  it('a client with `password` works: shared state and pub/sub between two instances', async () => {
    const a = store(await client({ port: server.port, password: PASSWORD }), 'authed');
    const b = store(await client({ port: server.port, password: PASSWORD }), 'authed');
    await sharedStateWorks(a, b, 'with-password');
  });

  it('an ACL user limited to `~app:*` and `&app:*` (username + password) is all the store needs', async () => {
    const a = store(await client({ port: server.port, username: 'app', password: APP_PASSWORD }), 'app');
    const b = store(await client({ port: server.port, username: 'app', password: APP_PASSWORD }), 'app');
    await sharedStateWorks(a, b, 'least-privilege');
  });

  it('the same ACL user with another prefix is refused: storeError, and calls are still served', async () => {
    const c = await client({ port: server.port, username: 'app', password: APP_PASSWORD });
    const s = store(c, 'other_app');
    const b = new CircuitBreaker('refused', { store: s, failureThreshold: 2 });
    const errors: unknown[] = [];
    b.on('storeError', (e) => errors.push(e.error));
    try {
      await expect(b.execute(() => Promise.reject(new Error('down')))).rejects.toThrow('down');
      await expect(b.execute(() => 'served')).resolves.toBe('served');
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.every(isStoreError)).toBe(true);
      expect(String((errors[0] as Error).message)).toMatch(/NOPERM|no permissions/i);
    } finally {
      await b.close();
    }
  });

  it('a client without the password: storeError, the breaker keeps serving calls locally', async () => {
    // the server refuses the connection's handshake (NOAUTH): it never becomes ready
    const c = new Redis({ host: '127.0.0.1', port: server.port, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => 50 });
    const connectionErrors: string[] = [];
    c.on('error', (e: Error) => connectionErrors.push(e.message));
    opened.track(c);
    await waitFor(() => connectionErrors.length > 0, 2000, 'the server to refuse the connection', 10);
    expect(connectionErrors[0]).toMatch(/NOAUTH/);
    const s = store(c, 'noauth');
    const b = new CircuitBreaker('no-password', { store: s, failureThreshold: 2 });
    const errors: unknown[] = [];
    b.on('storeError', (e) => errors.push(e.error));
    try {
      for (let i = 0; i < 3; i++) await expect(b.execute(() => 'served')).resolves.toBe('served');
      await expect(b.execute(() => Promise.reject(new Error('down')))).rejects.toThrow('down');
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.every(isStoreError)).toBe(true);
      expect(String((errors[0] as Error).message)).toMatch(/not connected|NOAUTH/i);
      expect((await b.snapshot()).degraded).toBe(true);
    } finally {
      await b.close();
    }
  });
});

const TLS = redisHasTls();

describe('TLS', () => {
  it('a client with `tls: { ca }` (self-signed certificate) works, and its subscriber connection too', async () => {
    expect(TLS, 'this redis-server was built without TLS support (Debian\'s redis-server has it)').toBe(true);
    const certDir = mkdtempSync(join(tmpdir(), 'llmb-cert-'));
    opened.track({ close: async () => rmSync(certDir, { recursive: true, force: true }) });
    const cert = await selfSignedCert(certDir);
    const srv = await startSecureRedis(
      () => ['--tls-cert-file', cert.certFile, '--tls-key-file', cert.keyFile, '--tls-ca-cert-file', cert.certFile, '--tls-auth-clients', 'no'],
      true,
    );
    opened.track(srv);
    // a plain-text client cannot talk to it …
    const plain = new Redis({ host: '127.0.0.1', port: srv.port, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 500, retryStrategy: () => null });
    plain.on('error', () => undefined);
    const plainReady = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 1000);
      plain.once('ready', () => (clearTimeout(timer), resolve(true)));
      plain.once('end', () => (clearTimeout(timer), resolve(false)));
    });
    plain.disconnect();
    expect(plainReady).toBe(false);
    // … a TLS client that trusts the certificate can, and so can the store's subscriber connection
    const tls = { ca: cert.cert };
    const a = store(await client({ port: srv.port, tls }), 'tls');
    const b = store(await client({ port: srv.port, tls }), 'tls');
    await sharedStateWorks(a, b, 'over-tls');
  });
});
