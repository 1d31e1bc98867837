/**
 * Figures measured by the fleet tests. Each test writes its figure to `<dir>/<key>.json`;
 * `report.ts` renders docs/reliability.md from them. The directory is `FLEET_RESULTS_DIR`, or a
 * temp directory (so a plain `npm test` never touches the source tree).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function resultsDir(): string {
  return process.env.FLEET_RESULTS_DIR ?? join(tmpdir(), 'llm-breaker-fleet-results');
}

export function recordFigure(key: string, figure: Record<string, unknown>): void {
  const dir = resultsDir();
  mkdirSync(dir, { recursive: true });
  const round = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 10) / 10 : v);
  writeFileSync(join(dir, `${key}.json`), `${JSON.stringify({ key, recordedAt: new Date().toISOString(), ...figure }, round, 2)}\n`);
}

export function readFigures(dir = resultsDir()): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return out;
  }
  for (const f of files) out[f.slice(0, -5)] = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>;
  return out;
}
