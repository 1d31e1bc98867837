/**
 * A new user's first commands print nothing they would take for an error:
 * - `npm install`: every dependency with an install script is approved or denied in the
 *   package.json `allowScripts` field, so npm (11.x) does not end the install with an
 *   "install scripts not yet covered by allowScripts" warning. (esbuild's postinstall only checks its
 *   binary, which comes from its optional platform package: skipping it changes nothing.)
 * - `npm run demo`: nothing on stderr, no error-looking line on stdout, exit code 0.
 * - `npm test`: test/helpers/setup.ts (a setup file of every project, see
 *   test/robustness/unhandled-rejections.test.ts) records every deprecation warning printed during a
 *   test and fails that test; this checks that the recorder is installed in this worker (it cannot
 *   print a warning itself without adding the noise it forbids).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { node, ROOT } from '../package/packed.js';

const DEPRECATIONS = Symbol.for('llm-breaker.test.deprecations');
const readJson = <T>(file: string) => JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as T;

describe('npm install', () => {
  it('every dependency with an install script is covered by allowScripts', () => {
    const lock = readJson<{ packages: Record<string, { hasInstallScript?: boolean }> }>('package-lock.json');
    const pkg = readJson<{ allowScripts?: Record<string, boolean> }>('package.json');
    const withScripts = Object.entries(lock.packages)
      .filter(([path, p]) => path !== '' && p.hasInstallScript === true)
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(withScripts.length).toBeGreaterThan(0); // esbuild, for tsx / tsup / vite
    const uncovered = [...new Set(withScripts)].filter((name) => typeof pkg.allowScripts?.[name] !== 'boolean');
    expect(uncovered).toEqual([]);
  });
});

describe('npm run demo', () => {
  it('exits 0 with nothing on stderr and no error-looking line', async () => {
    const scripts = readJson<{ scripts: Record<string, string> }>('package.json').scripts;
    expect(scripts['demo']).toBe('tsx examples/demo.ts');
    const run = await node(ROOT, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'examples/demo.ts'], { timeoutMs: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('summary: 36 calls, 0 failed');
    expect(run.stdout.split('\n').filter((l) => /\berror\b|warn|deprecat|unhandled|exception/i.test(l))).toEqual([]);
  }, 90_000);
});

describe('npm test: deprecation warnings fail the test that prints them', () => {
  it('the setup file wrapped console.warn and keeps a record', () => {
    const printed = (globalThis as unknown as Record<symbol, string[] | undefined>)[DEPRECATIONS];
    expect(Array.isArray(printed), 'setup.ts ran in this worker').toBe(true);
    expect(console.warn.name).toBe('llmBreakerTestWarn');
  });

  it('the setup file listens for Node DeprecationWarnings', () => {
    expect(process.listeners('warning').filter((l) => l.name === 'llmBreakerTestDeprecation')).toHaveLength(1);
  });
});
