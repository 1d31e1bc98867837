/** Settings shared by the cold-start proof (cold-start.test.ts) and its child process (cold-start.ts). */
import { DEFAULT_CONFIG } from './fleet.js';

/** The primary's breaker settings of the fleet proofs, with a reset timeout longer than the test. */
export const COLD_START_BREAKER = { ...DEFAULT_CONFIG.breaker, resetTimeoutMs: 60_000 };
