/**
 * Unhandled rejections fail the tests (issue 5, part 5.4). A deliberate unhandled rejection cannot
 * be tested inside the run it would fail, so this checks the wiring instead:
 *   - no Vitest configuration (root or project), npm script or CI script sets
 *     `dangerouslyIgnoreUnhandledErrors` (which would turn reported unhandled errors into a pass);
 *   - test/helpers/setup.ts is a setup file of every project, and it installed its
 *     `unhandledRejection` listener in this worker; the listener records the reason and rethrows
 *     it, so Vitest reports it as an unhandled error (which fails the run).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import config from '../../vitest.config.js';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const UNHANDLED = Symbol.for('llm-breaker.test.unhandledRejections');

interface TestConfig {
  dangerouslyIgnoreUnhandledErrors?: boolean;
  setupFiles?: string | string[];
  projects?: Array<{ extends?: boolean; test?: TestConfig }>;
}

describe('unhandled rejections fail the run', () => {
  it('nothing sets dangerouslyIgnoreUnhandledErrors', () => {
    const test = (config as { test?: TestConfig }).test ?? {};
    expect(test.dangerouslyIgnoreUnhandledErrors).not.toBe(true);
    for (const p of test.projects ?? []) expect(p.test?.dangerouslyIgnoreUnhandledErrors).not.toBe(true);
    for (const file of ['vitest.config.ts', 'package.json', '.ci/run']) {
      let text = '';
      try {
        text = read(file);
      } catch {
        continue; // absent: nothing to check
      }
      expect(text, file).not.toMatch(/dangerouslyIgnoreUnhandledErrors/);
    }
  });

  it('every project runs test/helpers/setup.ts', () => {
    const test = (config as { test?: TestConfig }).test ?? {};
    const files = (t: TestConfig | undefined) => [t?.setupFiles ?? []].flat();
    expect(files(test)).toContain('test/helpers/setup.ts');
    for (const p of test.projects ?? []) {
      // a project inherits the root's setup files only when it `extends` the root config
      const own = files(p.test);
      expect(p.extends === true || own.includes('test/helpers/setup.ts'), JSON.stringify(p.test)).toBe(true);
    }
  });

  it('the setup file installed a listener that records and rethrows', () => {
    const seen = (globalThis as unknown as Record<symbol, unknown[] | undefined>)[UNHANDLED];
    expect(Array.isArray(seen), 'setup.ts ran in this worker').toBe(true);
    const ours = process.listeners('unhandledRejection').filter((l) => l.name === 'llmBreakerTestUnhandledRejection');
    expect(ours).toHaveLength(1);
    const listener = ours[0] as (reason: unknown, promise: Promise<unknown>) => void;
    const before = seen!.length;
    const reason = new Error('deliberate (called directly, never really unhandled)');
    const settled = Promise.resolve();
    expect(() => listener(reason, settled)).toThrow(reason);
    expect(() => listener('a string reason', settled)).toThrow(/unhandled rejection: a string reason/);
    expect(seen!.slice(before)).toEqual([reason, 'a string reason']);
    seen!.splice(before); // these were not real unhandled rejections
  });

  it('no real unhandled rejection has been recorded in this worker so far', () => {
    const seen = (globalThis as unknown as Record<symbol, unknown[] | undefined>)[UNHANDLED];
    expect(seen).toEqual([]);
  });
});
