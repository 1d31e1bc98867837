/**
 * Connecting to Redis for the CLI: the URL is validated first, the connection attempt is bounded,
 * and nothing retries forever. Passwords never appear in messages.
 * @module
 */
import type * as IORedis from 'ioredis';
import type { Cluster, Redis } from 'ioredis';
import { CliError } from './errors.js';
import { displayUrl, UNPARSED_URL } from './redact-url.js';

/** Validates a Redis URL. @throws CliError (exit 2) naming what is wrong, never repeating a password */
export function parseRedisUrl(raw: string): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new CliError(
      `invalid Redis URL ${UNPARSED_URL}: expected redis://[user:password@]host[:port][/db]; percent-encode @ / ? # % in a password (%40 %2F %3F %23 %25)`,
    );
  }
  const shown = displayUrl(u);
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new CliError(`invalid Redis URL "${shown}": the scheme must be redis:// or rediss://, got ${u.protocol}//`);
  }
  if (u.hostname === '') throw new CliError(`invalid Redis URL "${shown}": no host`);
  if (u.pathname !== '' && u.pathname !== '/' && !/^\/\d+$/.test(u.pathname)) {
    // the path is not repeated: with a raw "/" in a password, it holds the rest of the password
    throw new CliError(`invalid Redis URL "${u.protocol}//${u.host}/…": the path must be a database number (/0, /1, …); percent-encode / in a password (%2F)`);
  }
  return u;
}

function reason(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return reason(err.errors[0]);
  const e = err as { code?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' && e.message ? e.message : String(err);
  return typeof e?.code === 'string' && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}

async function loadIoredis(): Promise<typeof IORedis> {
  try {
    return await import('ioredis');
  } catch {
    throw new CliError('the llm-breaker CLI needs the ioredis package: npm i ioredis');
  }
}

/**
 * Connects to `url` (a single Redis, or with `cluster` a seed node of a Redis Cluster), resolving
 * once it is ready. Fails (exit 2) within about `timeoutMs` when Redis is unreachable, refuses the
 * connection or rejects the credentials. The client does not reconnect and does not queue commands
 * while disconnected.
 */
export async function connectRedis(url: URL, timeoutMs: number, cluster = false): Promise<Redis | Cluster> {
  const ioredis = await loadIoredis();
  const nodeOptions = {
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    connectionName: 'llm-breaker-cli',
  };
  let client: Redis | Cluster;
  if (cluster) {
    client = new ioredis.Cluster([{ host: url.hostname, port: Number(url.port || 6379) }], {
      lazyConnect: true,
      enableOfflineQueue: false,
      clusterRetryStrategy: () => null,
      slotsRefreshTimeout: timeoutMs,
      redisOptions: {
        ...nodeOptions,
        ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
        ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
        ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
      },
    });
  } else {
    client = new ioredis.Redis(url.href, { ...nodeOptions, lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null });
  }
  let lastError: unknown;
  client.on('error', (err: unknown) => {
    lastError = err;
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs + 250);
      }),
    ]);
  } catch (err) {
    client.disconnect();
    const raw = reason(lastError ?? err);
    const why = /timed? ?out|no answer/i.test(raw) ? `no answer within ${timeoutMs} ms` : raw;
    throw new CliError(`cannot connect to Redis${cluster ? ' Cluster' : ''} at ${displayUrl(url)}: ${why}`);
  } finally {
    clearTimeout(timer);
  }
  return client;
}
