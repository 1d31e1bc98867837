/**
 * A skill engine: one LLM client per skill, each with its own per-provider breaker settings, all
 * sharing one breaker store (Redis when REDIS_URL is set — shared by every process of the fleet —
 * else one in-memory store for this process).
 *
 * Breakers are named by provider, so the skills share each provider's health: when `summarize`
 * (strict: opens after 2 failures) detects that OpenAI is down, `extract` and `classify` stop
 * sending it requests at once, each still applying its own rules — `summarize` probes after 0.8 s,
 * `extract` would wait 30 s — and the first skill whose probe succeeds closes it for all.
 *
 *   npx tsx examples/skill-engine.ts
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/skill-engine.ts
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createLLMClient, type CircuitState, type CompletionRequest, type LLMClient, type ProviderAdapter } from '../src/index.js';
import { available, exampleLLM, exampleStore, isMain, type ExampleLLM, type ExampleRunOptions } from './support/llm.js';
import { skillModel } from './support/mock-models.js';

type SkillName = 'summarize' | 'extract' | 'classify';

interface SkillSpec {
  system: string;
  providers(env: ExampleLLM): ProviderAdapter[];
  request?: Partial<CompletionRequest>;
  timeoutMs: number;
  retries: number;
}

/** Each skill's latency budget and tolerance, as breaker, retry and timeout settings. */
const SKILLS: Record<SkillName, SkillSpec> = {
  // interactive: fail fast, probe soon, trust one good probe
  summarize: {
    system: 'Summarize the text in one sentence.',
    providers: (env) =>
      available(
        env,
        ['openai', () => env.openai({ failureThreshold: 2, resetTimeoutMs: 800, successThreshold: 1 })],
        ['anthropic', () => env.anthropic({ failureThreshold: 2, resetTimeoutMs: 800, successThreshold: 1 })],
      ),
    timeoutMs: 10_000,
    retries: 0,
  },
  // batch extraction: tolerant of blips, cautious about recovery
  extract: {
    system: 'Extract the email address and the word count as JSON.',
    providers: (env) =>
      available(env, ['openai', () => env.openai({ failureThreshold: 5, resetTimeoutMs: 30_000 })], ['anthropic', () => env.anthropic({ failureThreshold: 5 })]),
    request: { responseFormat: { type: 'json' } },
    timeoutMs: 30_000,
    retries: 2,
  },
  // routing: Anthropic first
  classify: {
    system: 'Classify the message as "question" or "complaint". Answer with the label only.',
    providers: (env) => available(env, ['anthropic', () => env.anthropic({ failureThreshold: 3 })], ['openai', () => env.openai({ failureThreshold: 3 })]),
    timeoutMs: 10_000,
    retries: 1,
  },
};

const INPUT: Record<SkillName, string> = {
  summarize: 'The breaker opened at noon. Traffic moved to the fallback within a second.',
  extract: 'Please write to ops@example.com about the outage.',
  classify: 'My order arrived broken and late, I want a refund.',
};

export interface SkillCall {
  phase: string;
  skill: SkillName;
  provider: string;
  text: string;
}

export interface SkillEngineResult {
  calls: SkillCall[];
  /** Every skill's view of every provider's breaker right after the outage was detected. */
  viewsDuringOutage: Record<SkillName, Record<string, CircuitState>>;
  /** Requests that reached OpenAI from the other skills while its circuit was open. */
  openaiRequestsWhileOpen: number;
  storeLabel: string;
}

export type SkillEngineOptions = ExampleRunOptions;

export async function main(options: SkillEngineOptions = {}): Promise<SkillEngineResult> {
  const out = options.out ?? ((line: string) => console.log(line));
  const env = await exampleLLM({ ...(options.mock !== undefined ? { mock: options.mock } : {}), script: skillModel });
  const shared = await exampleStore('redisUrl' in options ? options.redisUrl : process.env.REDIS_URL, 'skill-engine-example');
  const skills = Object.keys(SKILLS) as SkillName[];
  const clients = {} as Record<SkillName, LLMClient>;
  for (const name of skills) {
    const spec = SKILLS[name];
    clients[name] = createLLMClient({ providers: spec.providers(env), store: shared.store, timeoutMs: spec.timeoutMs, retry: { retries: spec.retries, minDelayMs: 20, maxDelayMs: 100 } });
  }
  // a fresh start for the example (with Redis, the state outlives the process)
  await Promise.all(clients.summarize.providers.map((p) => clients.summarize.breaker(p).reset()));

  const calls: SkillCall[] = [];
  const run = async (phase: string, skill: SkillName): Promise<void> => {
    const res = await clients[skill].complete({ system: SKILLS[skill].system, messages: [{ role: 'user', content: INPUT[skill] }], maxTokens: 100, ...SKILLS[skill].request });
    calls.push({ phase, skill, provider: res.provider, text: res.text });
    out(`  ${skill.padEnd(9)} → ${res.provider.padEnd(9)} ${res.text}`);
  };
  const views = async (): Promise<Record<SkillName, Record<string, CircuitState>>> => {
    const v = {} as Record<SkillName, Record<string, CircuitState>>;
    for (const skill of skills) v[skill] = Object.fromEntries((await clients[skill].health()).map((h) => [h.provider, h.state]));
    return v;
  };

  try {
    out(`breaker store: ${shared.label}; ${env.mock ? 'local mock provider' : 'real providers'}`);
    out('\nall providers up:');
    for (const skill of skills) await run('up', skill);

    let viewsDuringOutage = await views();
    let openaiRequestsWhileOpen = 0;
    if (env.server) {
      const server = env.server;
      out('\nOpenAI goes down; summarize (opens after 2 failures) detects it:');
      server.setMode('down', 'openai');
      await run('outage', 'summarize');
      await run('outage', 'summarize');
      viewsDuringOutage = await views();
      for (const skill of skills) out(`  ${skill.padEnd(9)} sees ${Object.entries(viewsDuringOutage[skill]).map(([p, s]) => `${p}=${s}`).join(' ')}`);

      out('\nthe other skills skip OpenAI without sending it a request:');
      const before = server.requestsByRoute.openai;
      await run('outage', 'extract');
      await run('outage', 'classify');
      openaiRequestsWhileOpen = server.requestsByRoute.openai - before;
      out(`  requests that reached OpenAI meanwhile: ${openaiRequestsWhileOpen}`);

      out('\nOpenAI is back; summarize probes first (0.8 s reset timeout) and closes it for every skill:');
      server.setMode('ok', 'openai');
      await sleep(900);
      await run('recovered', 'summarize');
      await run('recovered', 'extract');
    }
    return { calls, viewsDuringOutage, openaiRequestsWhileOpen, storeLabel: shared.label };
  } finally {
    await Promise.all(skills.map((s) => clients[s].close()));
    await shared.close();
    await env.close();
  }
}

if (isMain(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
