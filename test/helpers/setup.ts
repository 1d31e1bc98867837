import { afterEach } from 'vitest';

// Runs before every test file. Vitest already fails the run on unhandled rejections and uncaught
// exceptions (reported as "Unhandled Errors"); we make sure nothing disables that.
process.env.LLM_BREAKER_TEST = '1';

// An unhandled rejection is recorded and rethrown (as an uncaught exception, which Vitest reports
// and which fails the run), so none is ever silently swallowed — even if a listener added elsewhere
// would otherwise absorb it. test/robustness/unhandled-rejections.test.ts checks this wiring.
const UNHANDLED = Symbol.for('llm-breaker.test.unhandledRejections');
const g = globalThis as unknown as Record<symbol, unknown[] | undefined>;
if (!g[UNHANDLED]) {
  const seen: unknown[] = [];
  g[UNHANDLED] = seen;
  process.on('unhandledRejection', function llmBreakerTestUnhandledRejection(reason: unknown) {
    seen.push(reason);
    throw reason instanceof Error ? reason : new Error(`unhandled rejection: ${String(reason)}`);
  });
}

// Quiet tests: a deprecation warning printed while a test runs (e.g. the Anthropic SDK's "The model
// '…' is deprecated" when a test sends a retired model name, or a Node DeprecationWarning) fails
// that test, so `npm test` stays free of noise a user would take for a problem.
// test/readme/quiet.test.ts checks this wiring.
const DEPRECATIONS = Symbol.for('llm-breaker.test.deprecations');
const d = globalThis as unknown as Record<symbol, string[] | undefined>;
if (!d[DEPRECATIONS]) {
  const printed: string[] = [];
  d[DEPRECATIONS] = printed;
  const warn = console.warn.bind(console);
  console.warn = function llmBreakerTestWarn(...args: unknown[]) {
    const text = args.map(String).join(' ');
    if (/\bdeprecated\b/i.test(text)) printed.push(text);
    warn(...args);
  };
  process.on('warning', function llmBreakerTestDeprecation(w: Error) {
    if (w.name === 'DeprecationWarning') printed.push(`${w.name}: ${w.message}`);
  });
}
afterEach(() => {
  const printed = d[DEPRECATIONS]!.splice(0);
  if (printed.length > 0) throw new Error(`a deprecation warning was printed during this test:\n${printed.join('\n')}`);
});
