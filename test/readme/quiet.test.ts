/**
 * Quiet tests: test/helpers/setup.ts (a setup file of every project, see
 * test/robustness/unhandled-rejections.test.ts) records every deprecation warning printed during a
 * test, and fails that test. This checks that the recorder is installed in this worker (it cannot
 * print a warning itself without adding the noise it forbids).
 */
import { describe, expect, it } from 'vitest';

const DEPRECATIONS = Symbol.for('llm-breaker.test.deprecations');

describe('deprecation warnings fail the test that prints them', () => {
  it('the setup file wrapped console.warn and keeps a record', () => {
    const printed = (globalThis as unknown as Record<symbol, string[] | undefined>)[DEPRECATIONS];
    expect(Array.isArray(printed), 'setup.ts ran in this worker').toBe(true);
    expect(console.warn.name).toBe('llmBreakerTestWarn');
  });

  it('the setup file listens for Node DeprecationWarnings', () => {
    expect(process.listeners('warning').filter((l) => l.name === 'llmBreakerTestDeprecation')).toHaveLength(1);
  });
});
