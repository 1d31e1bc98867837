/**
 * The `llm-breaker` CLI, as a function of its arguments and streams (so tests can run it in process).
 * @module
 */
import { redisStore, type RedisStore } from '../breaker/redis-store.js';
import { isConfigError } from '../errors/config-error.js';
import { VERSION } from '../version.js';
import { parseCommandLine, USAGE, type CliCommand } from './args.js';
import { breakerExists, controlBreaker, forgetBreaker, listBreakers, redisNow, scanBreakerNames, type RedisClient } from './breakers.js';
import { connectRedis, parseRedisUrl } from './connect.js';
import { CliError, EXIT } from './errors.js';
import { escapeMessage, escapeTerminal, safeJson } from './escape.js';
import { describeControl, describeForget, isoOrNull, renderTable, rowJson, statusJson } from './format.js';
import { redactUrl, scrub, urlSecrets } from './redact-url.js';
import { closest } from './suggest.js';

/** Where the CLI writes, and what stops `--watch`. */
export interface CliIO {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
  env?: NodeJS.ProcessEnv;
  /** Aborting it ends `status --watch` (the bin wires SIGINT / SIGTERM to it). */
  signal?: AbortSignal;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

interface Connection {
  client: RedisClient;
  store: RedisStore;
}

async function open(url: URL, cmd: CliCommand): Promise<Connection> {
  const client = await connectRedis(url, cmd.timeoutMs, cmd.cluster);
  return { client, store: redisStore(client, { prefix: cmd.prefix, timeoutMs: cmd.timeoutMs }) };
}

async function close(conn: Connection): Promise<void> {
  await conn.store.close();
  conn.client.disconnect();
}

async function withRedis<T>(cmd: CliCommand, fn: (client: RedisClient, store: RedisStore) => Promise<T>): Promise<T> {
  const conn = await open(parseRedisUrl(cmd.redis ?? ''), cmd);
  try {
    return await fn(conn.client, conn.store);
  } finally {
    await close(conn);
  }
}

async function statusFrame(cmd: CliCommand, client: RedisClient, store: RedisStore, io: CliIO, frame: number): Promise<void> {
  const [rows, now] = await Promise.all([listBreakers(client, store, cmd.resetTimeoutMs), redisNow(client)]);
  const shownUrl = redactUrl(cmd.redis ?? '');
  if (cmd.json) {
    io.stdout.write(`${statusJson(rows, { redis: shownUrl, prefix: cmd.prefix, now })}\n`);
    return;
  }
  const redis = escapeTerminal(shownUrl);
  const prefix = escapeTerminal(cmd.prefix);
  let out = '';
  if (cmd.watch && io.stdout.isTTY) out += '\x1b[2J\x1b[H';
  else if (frame > 0) out += '\n';
  if (cmd.watch) out += `${redis}  prefix ${prefix}  ${isoOrNull(now) ?? now}  (every ${cmd.intervalMs} ms, Ctrl-C to stop)\n\n`;
  out += rows.length === 0 ? `no breakers under prefix "${prefix}" in ${redis}\n` : `${renderTable(rows, now)}\n`;
  io.stdout.write(out);
}

async function status(cmd: CliCommand, io: CliIO): Promise<number> {
  if (cmd.watch) return watch(cmd, io);
  return withRedis(cmd, async (client, store) => {
    await statusFrame(cmd, client, store, io, 0);
    return EXIT.OK;
  });
}

/**
 * `status --watch`: a frame every interval until the signal aborts. The first connection must
 * succeed (exit 2 otherwise); later, when Redis goes away, the error is reported once and the
 * connection is reopened at each interval until Redis answers again.
 */
async function watch(cmd: CliCommand, io: CliIO): Promise<number> {
  const url = parseRedisUrl(cmd.redis ?? '');
  let conn: Connection | undefined = await open(url, cmd);
  let failing: string | undefined;
  try {
    for (let frame = 0; !io.signal?.aborted; frame++) {
      try {
        conn ??= await open(url, cmd);
        await statusFrame(cmd, conn.client, conn.store, io, frame);
        if (failing !== undefined) io.stderr.write('llm-breaker: Redis answers again\n');
        failing = undefined;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (failing === undefined) io.stderr.write(`llm-breaker: ${escapeMessage(message)}; retrying every ${cmd.intervalMs} ms\n`);
        failing = message;
        if (conn !== undefined) await close(conn).catch(() => undefined);
        conn = undefined;
      }
      await sleep(cmd.intervalMs, io.signal);
    }
    return EXIT.OK;
  } finally {
    if (conn !== undefined) await close(conn);
  }
}

/** The error for an operator command on a breaker that has no state: a typo, most likely. */
async function noSuchBreaker(cmd: CliCommand & { name: string }, client: RedisClient, hint: string): Promise<CliError> {
  const guess = closest(cmd.name, await scanBreakerNames(client, cmd.prefix));
  const mean = guess === undefined ? '' : `; did you mean "${escapeTerminal(guess)}"?`;
  return new CliError(`no breaker "${escapeTerminal(cmd.name)}" under prefix "${escapeTerminal(cmd.prefix)}"${mean} (${hint})`, EXIT.FAILED);
}

async function control(cmd: CliCommand & { command: 'open' | 'close' | 'reset'; name: string }, io: CliIO): Promise<number> {
  return withRedis(cmd, async (client, store) => {
    if (!cmd.create && !(await breakerExists(client, store, cmd.name))) {
      throw await noSuchBreaker(cmd, client, `nothing was changed; a breaker that never failed has no state yet: add --create to ${cmd.command} it anyway`);
    }
    const result = await controlBreaker(client, store, cmd.command, cmd.name, cmd.resetTimeoutMs);
    if (cmd.json) {
      io.stdout.write(`${safeJson({ command: result.command, name: result.name, existed: result.existed, before: rowJson(result.before), after: rowJson(result.after) })}\n`);
    } else {
      io.stdout.write(`${describeControl(result)}\n`);
    }
    return EXIT.OK;
  });
}

async function forget(cmd: CliCommand & { name: string }, io: CliIO): Promise<number> {
  return withRedis(cmd, async (client, store) => {
    const result = await forgetBreaker(client, store, cmd.name, cmd.resetTimeoutMs);
    if (result.deleted === 0) throw await noSuchBreaker(cmd, client, 'nothing to forget');
    const before = result.before === null ? null : rowJson(result.before);
    io.stdout.write(cmd.json ? `${safeJson({ command: 'forget', name: result.name, deleted: result.deleted, before })}\n` : `${describeForget(result)}\n`);
    return EXIT.OK;
  });
}

/** Runs the CLI. Resolves with the exit code; never rejects. */
export async function runCli(argv: readonly string[], given: CliIO): Promise<number> {
  let secrets: string[] = [];
  // whatever wrote it (ioredis included), no stderr line repeats a password of the URL
  const io: CliIO = { ...given, stderr: { write: (text: string) => given.stderr.write(scrub(text, secrets)) } };
  const fail = (message: string): void => {
    io.stderr.write(`llm-breaker: ${escapeMessage(message)}\n`);
  };
  try {
    const cmd = parseCommandLine(argv, io.env ?? process.env);
    secrets = urlSecrets(cmd.redis ?? '');
    switch (cmd.command) {
      case 'help':
        io.stdout.write(USAGE);
        return EXIT.OK;
      case 'version':
        io.stdout.write(`${VERSION}\n`);
        return EXIT.OK;
      case 'status':
        return await status(cmd, io);
      case 'forget':
        return await forget({ ...cmd, name: cmd.name ?? '' }, io);
      default:
        return await control({ ...cmd, command: cmd.command, name: cmd.name ?? '' }, io);
    }
  } catch (err) {
    if (err instanceof CliError || isConfigError(err)) {
      fail(err.message);
      return err instanceof CliError ? err.exitCode : EXIT.USAGE; // e.g. an invalid --prefix
    }
    fail(err instanceof Error ? err.message : String(err));
    return EXIT.FAILED;
  }
}
