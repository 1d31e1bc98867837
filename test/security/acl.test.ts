/**
 * The README's "What must be trusted" ACL line works as written (issue 20, Done when), on a private
 * redis-server 7:
 *
 * - the line is taken from the README itself and run as is (`ACL SETUSER …`);
 * - a redisStore with its default prefix and channel, connected as that user, shares a breaker
 *   between two instances (state and pub/sub), the operator commands work, and Redis denied
 *   nothing (`ACL LOG` stays empty) and ioredis warned about nothing;
 * - another tenant's user (`~tenant2:* &tenant2:*`) can neither write the breakers' keys, nor run
 *   a script on them, nor publish on their channel — and its own store still works;
 * - the application's user cannot read the other tenant's keys.
 */
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CircuitBreaker } from '../../src/breaker/circuit-breaker.js';
import { startSecureRedis, type SecureRedis } from './_servers.js';
import { Opened, sharedStateWorks } from './_shared-state.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The `ACL SETUSER` line of the README's "What must be trusted" subsection, as tokens. */
function readmeAclLine(): string[] {
  const section = README.split(/^### What must be trusted$/m)[1]?.split(/^#{2,3} /m)[0];
  expect(section, 'the README has a "### What must be trusted" subsection').toBeDefined();
  const line = section!.split('\n').find((l) => l.startsWith('ACL SETUSER '));
  expect(line, 'the subsection shows an ACL SETUSER line').toBeDefined();
  return line!.trim().split(/\s+/);
}

const opened = new Opened();
let server: SecureRedis;
let admin: Redis;
/** The store's own defaults (read from a store built without options, not copied here). */
let DEFAULTS: { prefix: string; channel: string };
beforeAll(async () => {
  server = opened.track(await startSecureRedis(() => []));
  admin = await opened.client({ port: server.port });
  const { prefix, channel } = opened.store(admin);
  DEFAULTS = { prefix, channel };
});
afterAll(() => opened.closeAll());

describe("the README's ACL line", () => {
  it('restricts exactly the default prefix and channel of the store', () => {
    const tokens = readmeAclLine();
    expect(tokens).toContain(`~${DEFAULTS.prefix}:*`);
    expect(tokens).toContain(`&${DEFAULTS.channel}`);
  });

  it('is all a store with the default prefix and channel needs: shared state, pub/sub, operator commands; nothing denied', async () => {
    const tokens = readmeAclLine();
    const [, , username, ...rules] = tokens;
    const password = rules.find((r) => r.startsWith('>'))!.slice(1);
    expect(await admin.call('ACL', 'SETUSER', username!, ...rules)).toBe('OK');
    await admin.call('ACL', 'LOG', 'RESET');

    const warn = vi.spyOn(console, 'warn');
    try {
      const a = opened.store(await opened.client({ port: server.port, username, password }));
      const b = opened.store(await opened.client({ port: server.port, username, password }));
      expect(a.prefix).toBe(DEFAULTS.prefix);
      expect(a.channel).toBe(DEFAULTS.channel);
      await sharedStateWorks(a, b, 'acl-readme');
      // the operator commands, through the same user
      const operator = new CircuitBreaker('acl-readme', { store: a });
      const errors: unknown[] = [];
      operator.on('storeError', (e) => errors.push(e.error));
      try {
        await operator.forceOpen();
        expect((await operator.snapshot()).forced).toBe(true);
        await operator.forceClose();
        await operator.reset();
        expect(await operator.getState()).toBe('closed');
      } finally {
        await operator.close();
      }
      expect(errors).toEqual([]);
      expect(await admin.call('ACL', 'LOG')).toEqual([]);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it("keeps another tenant out of the breakers' keys and channel, and the app out of the tenant's keys", async () => {
    const tokens = readmeAclLine();
    const [, , username, ...rules] = tokens;
    const password = rules.find((r) => r.startsWith('>'))!.slice(1);
    await admin.call('ACL', 'SETUSER', username!, ...rules);
    await admin.call('ACL', 'SETUSER', 'tenant2', 'on', '>tenant2-password', '~tenant2:*', '&tenant2:*', '+@all', '-@dangerous', '+info');
    await admin.set('tenant2:secret', 'x');
    const { prefix, channel } = DEFAULTS;
    const tenant = await opened.client({ port: server.port, username: 'tenant2', password: 'tenant2-password' });

    await expect(tenant.hset(`${prefix}:{victim}`, 'state', 'forced_open')).rejects.toThrow(/NOPERM/);
    await expect(tenant.del(`${prefix}:{victim}`)).rejects.toThrow(/NOPERM/);
    await expect(tenant.eval("return redis.call('HSET', KEYS[1], 'state', 'forced_open')", 1, `${prefix}:{victim}`)).rejects.toThrow(/NOPERM|permission/i);
    await expect(tenant.publish(channel, '{"name":"victim","state":"forced_open","version":1e300}')).rejects.toThrow(/NOPERM/);
    expect(await admin.exists(`${prefix}:{victim}`)).toBe(0);

    const app = await opened.client({ port: server.port, username, password });
    await expect(app.get('tenant2:secret')).rejects.toThrow(/NOPERM/);

    // the tenant's own store, on its own prefix, still works
    const t1 = opened.store(tenant, 'tenant2');
    const t2 = opened.store(await opened.client({ port: server.port, username: 'tenant2', password: 'tenant2-password' }), 'tenant2');
    await sharedStateWorks(t1, t2, 'tenant-own');
  });
});
