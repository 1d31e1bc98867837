/**
 * A skill engine: one LLM client per skill, each with its own per-provider breaker settings, all
 * sharing one breaker store (Redis when REDIS_URL is set — shared by every process of the fleet —
 * else one in-memory store for this process).
 *
 * Each skill's client has its own `namespace`, so each skill runs its own circuit per provider
 * (`summarize:openai`, `extract:openai`, …) with its own settings. Every process running a skill
 * shares that skill's circuits (through Redis), but one skill's strict rules never cut another off:
 * when OpenAI goes down, `summarize` (opens after 2 failures) stops calling it at once, while
 * `extract` (tolerant: 5 failures, 2 retries) keeps judging OpenAI by its own rules and its circuit
 * stays closed. Without namespaces the skills would share one `openai` circuit, the tolerant skill
 * would inherit the strict one's trips, and the client would warn (LLM_BREAKER_CIRCUIT_SETTINGS).
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
  /** Every skill's view of its own provider circuits right after summarize detected the outage. */
  viewsDuringOutage: Record<SkillName, Record<string, CircuitState>>;
  /** Requests that reached OpenAI from summarize while its own circuit was open. */
  summarizeRequestsWhileOpen: number;
  /** Requests that reached OpenAI from extract meanwhile: it judges OpenAI by its own rules. */
  extractRequestsMeanwhile: number;
  /** The breaker names of each skill's providers (`<skill>:<provider>`). */
  breakerNames: Record<SkillName, string[]>;
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
    // namespace: this skill's own circuits, with its own settings (see the module comment)
    clients[name] = createLLMClient({ namespace: name, providers: spec.providers(env), store: shared.store, timeoutMs: spec.timeoutMs, retry: { retries: spec.retries, minDelayMs: 20, maxDelayMs: 100 } });
  }
  // a fresh start for the example (with Redis, the state outlives the process)
  await Promise.all(skills.flatMap((s) => clients[s].providers.map((p) => clients[s].breaker(p).reset())));
  const breakerNames = Object.fromEntries(skills.map((s) => [s, clients[s].providers.map((p) => clients[s].breaker(p).name)])) as Record<SkillName, string[]>;

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
    let summarizeRequestsWhileOpen = 0;
    let extractRequestsMeanwhile = 0;
    if (env.server) {
      const server = env.server;
      out('\nOpenAI goes down; summarize (opens after 2 failures) detects it:');
      server.setMode('down', 'openai');
      await run('outage', 'summarize');
      await run('outage', 'summarize');
      viewsDuringOutage = await views();
      for (const skill of skills) out(`  ${skill.padEnd(9)} sees ${Object.entries(viewsDuringOutage[skill]).map(([p, s]) => `${p}=${s}`).join(' ')}`);

      out("\nsummarize's circuit is open: it skips OpenAI without a request");
      let before = server.requestsByRoute.openai;
      await run('outage', 'summarize');
      summarizeRequestsWhileOpen = server.requestsByRoute.openai - before;
      out(`  requests that reached OpenAI from summarize: ${summarizeRequestsWhileOpen}`);

      out('\nextract and classify judge OpenAI by their own rules (their circuits are their own):');
      before = server.requestsByRoute.openai;
      await run('outage', 'extract');
      extractRequestsMeanwhile = server.requestsByRoute.openai - before;
      await run('outage', 'classify');
      const extractView = (await clients.extract.health()).find((h) => h.provider === 'openai');
      out(`  extract tried OpenAI ${extractRequestsMeanwhile} times (1 + 2 retries); its circuit: ${extractView?.state}, ${extractView?.failures} of 5 failures`);

      out('\nOpenAI is back; summarize probes (0.8 s reset timeout) and closes its own circuit:');
      server.setMode('ok', 'openai');
      await sleep(900);
      await run('recovered', 'summarize');
      await run('recovered', 'extract');
    }
    return { calls, viewsDuringOutage, summarizeRequestsWhileOpen, extractRequestsMeanwhile, breakerNames, storeLabel: shared.label };
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
