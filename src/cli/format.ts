/**
 * Rendering for the CLI: the status table, JSON, durations and instants. Every name and value that
 * came from Redis or the command line is escaped (escape.ts), and no value, however far out of
 * range, makes rendering throw.
 * @module
 */
import type { BreakerRow, ControlResult, ForgetResult } from './breakers.js';
import { escapeTerminal, safeJson } from './escape.js';

/** `850ms`, `12.3s`, `4m 05s`, `2h 10m`; `∞` for Infinity, `?` for NaN. */
export function formatDuration(ms: number): string {
  if (Number.isNaN(ms)) return '?';
  if (!Number.isFinite(ms)) return '∞';
  const v = Math.max(0, ms);
  if (v < 1000) return `${Math.round(v)}ms`;
  if (v < 60_000) return `${(v / 1000).toFixed(1)}s`;
  const s = Math.floor(v / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  const m = Math.floor(s / 60);
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** The largest |ms| a Date can hold (±100,000,000 days from the epoch). */
const MAX_DATE_MS = 8.64e15;

/** `ms` as an ISO instant, or null when no Date can hold it. */
export function isoOrNull(ms: number): string | null {
  return Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS ? new Date(ms).toISOString() : null;
}

/** `2026-12-01T20:00:00Z`, or `<ms> ms (out of range)` for a value no Date can hold. */
export function formatInstant(ms: number): string {
  const iso = isoOrNull(ms);
  return iso === null ? `${String(ms)} ms (out of range)` : iso.replace(/\.\d{3}Z$/, 'Z');
}

function count(n: number): string {
  return Number.isFinite(n) ? String(n) : '?';
}

function stateLabel(r: Pick<BreakerRow, 'state' | 'forced'>): string {
  return r.forced ? `${r.state} (forced)` : r.state;
}

function nextProbe(r: BreakerRow): string {
  if (r.state === 'closed') return '-';
  if (r.forced) return 'held open by operator';
  if (r.nextProbeInMs === null) return '-';
  if (r.nextProbeInMs === 0) return 'now';
  if (r.nextProbeInMs === Number.POSITIVE_INFINITY) return 'never (a probe lease never expires)';
  return `in ${formatDuration(r.nextProbeInMs)}`;
}

function openedAt(r: BreakerRow, now: number): string {
  if (r.openedAt === null) return '-';
  const at = formatInstant(r.openedAt);
  if (isoOrNull(r.openedAt) === null) return at;
  return r.openedAt > now ? `${at} (ahead of the Redis clock)` : `${at} (${formatDuration(now - r.openedAt)} ago)`;
}

function resetTimeout(r: BreakerRow): string {
  return r.resetTimeoutSource === 'stored' ? formatDuration(r.resetTimeoutMs) : `${formatDuration(r.resetTimeoutMs)} (default)`;
}

/** Renders rows as an aligned text table (a NOTE column when a breaker could not be read as stored). */
export function renderTable(rows: readonly BreakerRow[], now: number): string {
  const notes = rows.some((r) => r.problem !== null);
  const header = ['NAME', 'STATE', 'FAILURES', 'OPENED AT', 'RESET TIMEOUT', 'NEXT PROBE', 'PROBES', ...(notes ? ['NOTE'] : [])];
  const body = rows.map((r) =>
    [r.name, stateLabel(r), count(r.failures), openedAt(r, now), resetTimeout(r), nextProbe(r), count(r.probesInFlight), ...(notes ? [r.problem ?? ''] : [])].map(escapeTerminal),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...body.map(line)].join('\n');
}

/** A finite number, else null (JSON has no NaN or Infinity). */
function finite(n: number | null): number | null {
  return n !== null && Number.isFinite(n) ? n : null;
}

/** When the next probe is (or was) due: `openedAt + resetTimeoutMs` while OPEN, else from `now`. */
function nextProbeAt(r: BreakerRow, now: number): string | null {
  if (r.nextProbeInMs === null) return null;
  if (r.state === 'open' && r.openedAt !== null) return isoOrNull(r.openedAt + r.resetTimeoutMs);
  return isoOrNull(now + r.nextProbeInMs);
}

/** A row as JSON-safe data (times as ISO strings next to their ms values; null when out of range). */
export function rowJson(r: BreakerRow, now?: number): Record<string, unknown> {
  return {
    name: r.name,
    state: r.state,
    forced: r.forced,
    failures: finite(r.failures),
    successes: finite(r.successes),
    openedAt: r.openedAt === null ? null : isoOrNull(r.openedAt),
    openedAtMs: finite(r.openedAt),
    resetTimeoutMs: r.resetTimeoutMs,
    resetTimeoutSource: r.resetTimeoutSource,
    nextProbeInMs: finite(r.nextProbeInMs),
    ...(now === undefined ? {} : { nextProbeAt: nextProbeAt(r, now) }),
    probesInFlight: finite(r.probesInFlight),
    windowCalls: r.windowCalls,
    windowFailures: r.windowFailures,
    problem: r.problem,
  };
}

/** The `status` report (`redis` must already be redacted). */
export function statusJson(rows: readonly BreakerRow[], meta: { redis: string; prefix: string; now: number }): string {
  return safeJson({ redis: meta.redis, prefix: meta.prefix, at: isoOrNull(meta.now), breakers: rows.map((r) => rowJson(r, meta.now)) });
}

const VERB = { open: 'held open', close: 'closed', reset: 'reset' } as const;

/** One line describing what an operator command did. */
export function describeControl(r: ControlResult): string {
  const change = r.before.state === r.after.state && r.before.forced === r.after.forced ? `still ${stateLabel(r.after)}` : `${stateLabel(r.before)} → ${stateLabel(r.after)}`;
  const name = escapeTerminal(r.name);
  const tail = r.command === 'open' ? `; every instance rejects its calls until "llm-breaker close ${name}"` : '';
  const created = r.existed ? '' : ' (created: it had no state)';
  return `breaker "${name}" ${VERB[r.command]}${created}: ${change}${tail}`;
}

/** One line describing what `forget` did. */
export function describeForget(r: ForgetResult): string {
  const was = r.before === null ? '' : ` (it was ${stateLabel(r.before)})`;
  return `breaker "${escapeTerminal(r.name)}" forgotten: ${r.deleted} key${r.deleted === 1 ? '' : 's'} deleted${was}`;
}
