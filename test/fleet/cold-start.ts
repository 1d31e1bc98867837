/**
 * A process that has just started, as a serverless cold start or a new pod runs: `new Redis(url)` at
 * the top of the module, an LLM client built on it, and a call at once — while the client is still
 * connecting. Run by test/fleet/cold-start.test.ts as a real child process; it prints one JSON line
 * (who served the call, the Redis status when the call was made, store errors), closes its Redis
 * client and exits (without closing the LLM client).
 * Env: REDIS_PORT, PREFIX, OPENAI_URL, ANTHROPIC_URL, WORKER.
 */
import { Redis } from 'ioredis';
import { createLLMClient, redisStore } from '../../src/index.js';
import { openai } from '../../providers/openai/index.js';
import { anthropic } from '../../providers/anthropic/index.js';
import { COLD_START_BREAKER } from './cold-start-config.js';

const redis = new Redis({ host: '127.0.0.1', port: Number(process.env.REDIS_PORT), enableOfflineQueue: false, maxRetriesPerRequest: 1 });
redis.on('error', () => undefined);
const headers = { 'x-fleet-worker': process.env.WORKER ?? '-1' };
const llm = createLLMClient({
  providers: [
    openai({ model: 'gpt-4o-mini', baseURL: process.env.OPENAI_URL, apiKey: 'sk-fleet-test', defaultHeaders: headers, breaker: COLD_START_BREAKER }),
    anthropic({ model: 'claude-haiku-4-5', baseURL: process.env.ANTHROPIC_URL, apiKey: 'sk-ant-fleet-test', defaultHeaders: headers }),
  ],
  store: redisStore(redis, { prefix: process.env.PREFIX ?? 'circuit_breaker' }),
  retry: { retries: 1, minDelayMs: 10, maxDelayMs: 20 },
  telemetry: false,
});
let storeErrors = 0;
llm.breaker('openai').on('storeError', () => storeErrors++);

const statusAtCall = redis.status;
const res = await llm.complete({ messages: [{ role: 'user', content: 'cold start' }], maxTokens: 16 });
process.stdout.write(`${JSON.stringify({ provider: res.provider, statusAtCall, storeErrors })}\n`);
await redis.quit();
