/**
 * Command-line parsing (node:util parseArgs): `status`, `open NAME`, `close NAME`, `reset NAME`,
 * `forget NAME`.
 * @module
 */
import { parseArgs } from 'node:util';
import { CliError } from './errors.js';
import { escapeTerminal } from './escape.js';
import { closest } from './suggest.js';

export type CommandName = 'status' | 'open' | 'close' | 'reset' | 'forget';

const COMMANDS: readonly CommandName[] = ['status', 'open', 'close', 'reset', 'forget'];

/** The largest duration a Node timer can wait (2³¹−1 ms, about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A parsed command line. */
export interface CliCommand {
  command: CommandName | 'help' | 'version';
  /** The breaker name (open / close / reset). */
  name?: string;
  /** Redis URL. @default process.env.REDIS_URL */
  redis?: string;
  /** Key prefix of the breakers. @default 'circuit_breaker' */
  prefix: string;
  json: boolean;
  watch: boolean;
  /** Refresh interval of `--watch`, in ms. @default 2000 */
  intervalMs: number;
  /**
   * The `resetTimeoutMs` assumed for a breaker whose state hash does not hold a valid one of its
   * own (shown as "default"). @default 30000
   */
  resetTimeoutMs: number;
  /** Bound on connecting and on every command, in ms. @default 3000 */
  timeoutMs: number;
  /** `--redis` is a seed node of a Redis Cluster. @default false */
  cluster: boolean;
  /** `open` / `close` / `reset` may create the state of a breaker that has none. @default false */
  create: boolean;
}

export const USAGE = `Usage: llm-breaker <command> [options]

Inspect and control the circuit breakers that llm-breaker keeps in Redis.

Commands:
  status               list every breaker: state, consecutive failures, opened at,
                       reset timeout, time until the next probe, probes in flight
  open NAME            hold breaker NAME open (every instance rejects its calls)
                       until \`close\` or \`reset\`
  close NAME           close breaker NAME and clear its counters
  reset NAME           forget breaker NAME's state (closed, no failures, no probes)
  forget NAME          delete breaker NAME's keys from Redis entirely

  open, close and reset fail (exit 1) on a breaker that has no state in Redis (a
  typo, or a breaker that never failed), unless --create is given. forget fails
  when there is nothing to delete.

Options:
  --redis URL          redis:// or rediss:// URL (default: $REDIS_URL)
  --cluster            the URL is a seed node of a Redis Cluster (every master is scanned)
  --prefix P           key prefix of the breakers (default: circuit_breaker)
  --json               print JSON instead of a table
  --watch              status: refresh until interrupted (Ctrl-C)
  --interval MS        status --watch: refresh interval in ms (default: 2000)
  --reset-timeout MS   the resetTimeoutMs assumed for a breaker whose state does not
                       store its own (shown as "default"; default: 30000)
  --timeout MS         bound on connecting and on each Redis command (default: 3000)
  --create             open / close / reset: create the breaker's state if it has none
  -h, --help           show this help
  -v, --version        show the version

Exit codes: 0 ok, 1 the command failed, 2 bad usage or Redis unreachable.
`;

const OPTIONS = {
  redis: { type: 'string' },
  prefix: { type: 'string' },
  json: { type: 'boolean' },
  watch: { type: 'boolean' },
  cluster: { type: 'boolean' },
  create: { type: 'boolean' },
  interval: { type: 'string' },
  'reset-timeout': { type: 'string' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

/** Every spelling of the flags: `--redis`, …, `-h`, `-v`. */
const FLAGS: readonly string[] = Object.entries(OPTIONS).flatMap(([long, o]) => [`--${long}`, ...('short' in o ? [`-${o.short}`] : [])]);

/** The message for an unknown flag, with the closest known one. */
function unknownFlag(flag: string): string {
  const guess = flag.startsWith('--') ? closest(flag.replace(/=.*$/, ''), FLAGS) : undefined; // (no guess for -x)
  return `unknown option ${escapeTerminal(flag)}${guess ? `; did you mean ${guess}?` : `; options: ${FLAGS.filter((f) => f.startsWith('--')).join(', ')}`}`;
}

function parse(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: OPTIONS });
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    const flag = e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && typeof e.message === 'string' ? /'([^']*)'/.exec(e.message)?.[1] : undefined;
    const message = flag !== undefined ? unknownFlag(flag) : err instanceof Error ? err.message : String(err);
    throw new CliError(`${message}\nRun "llm-breaker --help" for usage.`);
  }
}

/** An integer number of ms from `min` to {@link MAX_TIMER_MS} (a longer timer would fire at once). */
function positiveInt(flag: string, v: string | undefined, fallback: number, min: number): number {
  if (v === undefined) return fallback;
  const n = /^\s*\d+\s*$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > MAX_TIMER_MS) {
    throw new CliError(`${flag} must be an integer from ${min} to ${MAX_TIMER_MS} (ms), got "${escapeTerminal(v.length > 40 ? `${v.slice(0, 40)}…` : v)}"`);
  }
  return n;
}

/** Parses `argv` (without node and the script). @throws CliError on bad usage */
export function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CliCommand {
  const { values: o, positionals } = parse(argv);
  const base = {
    prefix: o.prefix ?? 'circuit_breaker',
    json: o.json ?? false,
    watch: o.watch ?? false,
    cluster: o.cluster ?? false,
    create: o.create ?? false,
    intervalMs: positiveInt('--interval', o.interval, 2000, 100),
    resetTimeoutMs: positiveInt('--reset-timeout', o['reset-timeout'], 30_000, 1),
    timeoutMs: positiveInt('--timeout', o.timeout, 3000, 1),
    ...(o.redis !== undefined ? { redis: o.redis } : env.REDIS_URL ? { redis: env.REDIS_URL } : {}),
  };
  if (o.help) return { command: 'help', ...base };
  if (o.version) return { command: 'version', ...base };
  const [command, name, ...rest] = positionals;
  if (command === undefined) throw new CliError(`a command is required\n\n${USAGE}`);
  if (command === 'help') return { command: 'help', ...base };
  if (!isCommand(command)) {
    const guess = closest(command, COMMANDS);
    throw new CliError(`unknown command "${escapeTerminal(command)}"; ${guess ? `did you mean "${guess}"? ` : ''}commands: ${COMMANDS.join(', ')}`);
  }
  if (base.redis === undefined) throw new CliError('--redis URL is required (or set REDIS_URL)');
  if (command === 'status') {
    if (name !== undefined) throw new CliError(`status takes no argument, got "${escapeTerminal(name)}"`);
    if (base.create) throw new CliError('--create only applies to open, close and reset');
    return { command, ...base };
  }
  if (base.watch) throw new CliError(`--watch only applies to status`);
  if (base.create && command === 'forget') throw new CliError('--create only applies to open, close and reset');
  if (name === undefined) throw new CliError(`${command} needs a breaker name: llm-breaker ${command} NAME --redis URL`);
  if (rest.length > 0) throw new CliError(`${command} takes one breaker name, got ${rest.length + 1}`);
  if (name.length > 200 || /[{}\s]/.test(name)) {
    throw new CliError(`invalid breaker name "${escapeTerminal(name)}": at most 200 characters, no braces, no whitespace`);
  }
  return { command, name, ...base };
}

function isCommand(word: string): word is CommandName {
  return (COMMANDS as readonly string[]).includes(word);
}
