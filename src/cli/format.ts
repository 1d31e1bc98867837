/**
 * Rendering for the CLI: the status table, JSON, durations.
 * @module
 */
import type { BreakerRow, ControlResult } from './breakers.js';

/** `850ms`, `12.3s`, `4m 05s`, `2h 10m`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '∞';
  const v = Math.max(0, ms);
  if (v < 1000) return `${Math.round(v)}ms`;
  if (v < 60_000) return `${(v / 1000).toFixed(1)}s`;
  const s = Math.floor(v / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  const m = Math.floor(s / 60);
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

function stateLabel(r: BreakerRow): string {
  return r.forced ? `${r.state} (forced)` : r.state;
}

function nextProbe(r: BreakerRow): string {
  if (r.state === 'closed') return '-';
  if (r.forced) return 'held open by operator';
  if (r.nextProbeInMs === null) return '-';
  if (r.nextProbeInMs === 0) return 'now';
  return `in ${formatDuration(r.nextProbeInMs)}`;
}

function openedAt(r: BreakerRow, now: number): string {
  if (r.openedAt === null) return '-';
  return `${new Date(r.openedAt).toISOString().replace(/\.\d{3}Z$/, 'Z')} (${formatDuration(now - r.openedAt)} ago)`;
}

/** Renders rows as an aligned text table. */
export function renderTable(rows: readonly BreakerRow[], now: number): string {
  const header = ['NAME', 'STATE', 'FAILURES', 'OPENED AT', 'NEXT PROBE', 'PROBES'];
  const body = rows.map((r) => [r.name, stateLabel(r), String(r.failures), openedAt(r, now), nextProbe(r), String(r.probesInFlight)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...body.map(line)].join('\n');
}

/** A row as JSON-safe data (times as ISO strings next to their ms values). */
export function rowJson(r: BreakerRow): Record<string, unknown> {
  return {
    name: r.name,
    state: r.state,
    forced: r.forced,
    failures: r.failures,
    successes: r.successes,
    openedAt: r.openedAt === null ? null : new Date(r.openedAt).toISOString(),
    openedAtMs: r.openedAt,
    nextProbeInMs: r.nextProbeInMs,
    probesInFlight: r.probesInFlight,
    windowCalls: r.windowCalls,
    windowFailures: r.windowFailures,
  };
}

/** The `status` report. */
export function statusJson(rows: readonly BreakerRow[], meta: { redis: string; prefix: string; now: number }): string {
  return JSON.stringify({ redis: meta.redis, prefix: meta.prefix, at: new Date(meta.now).toISOString(), breakers: rows.map(rowJson) });
}

const VERB = { open: 'held open', close: 'closed', reset: 'reset' } as const;

/** One line describing what an operator command did. */
export function describeControl(r: ControlResult): string {
  const change = r.before.state === r.after.state && r.before.forced === r.after.forced ? `still ${stateLabel(r.after)}` : `${stateLabel(r.before)} → ${stateLabel(r.after)}`;
  const tail = r.command === 'open' ? `; every instance rejects its calls until "llm-breaker close ${r.name}"` : '';
  return `breaker "${r.name}" ${VERB[r.command]}: ${change}${tail}`;
}
