// Runs before every test file. Vitest already fails the run on unhandled rejections and uncaught
// exceptions (reported as "Unhandled Errors"); we make sure nothing disables that.
process.env.LLM_BREAKER_TEST = '1';
