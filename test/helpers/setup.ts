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
