/**
 * A hybrid-search service: the question is rewritten into a search query through `llm.complete()`
 * (with provider failover), candidates come from a vector store, and a reranker orders them. The
 * two non-LLM dependencies are guarded by `getCircuitBreaker`, in the same store as the LLM
 * breakers, and each has a degraded path:
 *
 * - LLM chain exhausted → search with the question as typed
 * - vector store failing or its circuit open → local keyword search
 * - reranker failing or its circuit open → candidates in retrieval order
 *
 * When the reranker goes down, its breaker opens after two failures; from then on searches skip it
 * at once instead of waiting for its timeout on every request.
 *
 *   npx tsx examples/hybrid-search.ts
 *   REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/hybrid-search.ts
 */
import {
  createLLMClient,
  getCircuitBreaker,
  isAllProvidersFailedError,
  isCircuitOpenError,
  type CircuitBreaker,
  type CircuitState,
  type LLMClient,
} from '../src/index.js';
import { available, exampleLLM, exampleStore, isMain, type ExampleRunOptions } from './support/llm.js';
import { queryRewriterModel } from './support/mock-models.js';
import { FakeReranker, FakeVectorStore, keywordSearch, type Doc } from './support/search-backends.js';

/** A search's outcome, with the dependencies it had to do without. */
export interface SearchResult {
  question: string;
  query: string;
  results: string[];
  degraded: Array<'rewrite' | 'vector-store' | 'reranker'>;
  /** Why each degraded step was skipped. */
  notes: string[];
}

interface Deps {
  llm: LLMClient;
  vectors: FakeVectorStore;
  reranker: FakeReranker;
  vectorBreaker: CircuitBreaker;
  rerankerBreaker: CircuitBreaker;
}

const TOP_K = 3;
const RERANK_TIMEOUT_MS = 300;

function why(err: unknown): string {
  if (isCircuitOpenError(err)) return `circuit open, skipped (next try in ${(err.retryAfterMs / 1000).toFixed(1)} s)`;
  return err instanceof Error ? err.message : String(err);
}

/** One search through the three dependencies, degrading instead of failing. */
async function search(question: string, d: Deps): Promise<SearchResult> {
  const degraded: SearchResult['degraded'] = [];
  const notes: string[] = [];

  let query = question;
  try {
    const res = await d.llm.complete(
      {
        system: 'Rewrite the question as a short keyword search query. Answer with the query only.',
        messages: [{ role: 'user', content: question }],
        maxTokens: 30,
        temperature: 0,
      },
      { deadlineMs: 5000 },
    );
    query = res.text.trim() || question;
  } catch (err) {
    if (!isAllProvidersFailedError(err)) throw err;
    degraded.push('rewrite');
    notes.push(`rewrite: every LLM provider failed; searching the question as typed`);
  }

  let candidates: Doc[];
  try {
    candidates = await d.vectorBreaker.execute((signal) => d.vectors.search(query, TOP_K * 2, signal));
  } catch (err) {
    degraded.push('vector-store');
    notes.push(`vector-store: ${why(err)}; keyword search instead`);
    candidates = keywordSearch(query, TOP_K * 2);
  }

  let ranked = candidates;
  try {
    ranked = await d.rerankerBreaker.execute((signal) =>
      d.reranker.rerank(query, candidates, AbortSignal.any([signal, AbortSignal.timeout(RERANK_TIMEOUT_MS)])),
    );
  } catch (err) {
    degraded.push('reranker');
    notes.push(`reranker: ${why(err)}; candidates kept in retrieval order`);
  }
  return { question, query, results: ranked.slice(0, TOP_K).map((doc) => doc.title), degraded, notes };
}

export interface HybridSearchResult {
  searches: SearchResult[];
  /** Reranker requests made while its circuit was open (should be 0). */
  rerankerCallsWhileOpen: number;
  breakers: Record<string, CircuitState>;
}

export type HybridSearchOptions = ExampleRunOptions;

export async function main(options: HybridSearchOptions = {}): Promise<HybridSearchResult> {
  const out = options.out ?? ((line: string) => console.log(line));
  const env = await exampleLLM({ ...(options.mock !== undefined ? { mock: options.mock } : {}), script: queryRewriterModel });
  const shared = await exampleStore('redisUrl' in options ? options.redisUrl : process.env.REDIS_URL, 'hybrid-search-example');
  const llm = createLLMClient({
    providers: available(env, ['openai', () => env.openai()], ['anthropic', () => env.anthropic()]),
    store: shared.store,
    retry: { retries: 1, minDelayMs: 20, maxDelayMs: 100 },
    timeoutMs: 10_000,
  });
  const d: Deps = {
    llm,
    vectors: new FakeVectorStore(),
    reranker: new FakeReranker(),
    vectorBreaker: getCircuitBreaker('vector-store', { store: shared.store, failureThreshold: 3, resetTimeoutMs: 5000, probeLeaseMs: 2000 }),
    rerankerBreaker: getCircuitBreaker('reranker', { store: shared.store, failureThreshold: 2, resetTimeoutMs: 10_000, probeLeaseMs: 2000 }),
  };
  await Promise.all([d.vectorBreaker.reset(), d.rerankerBreaker.reset(), ...llm.providers.map((p) => llm.breaker(p).reset())]);
  for (const b of [d.vectorBreaker, d.rerankerBreaker]) b.on('stateChange', ({ name, from, to }) => out(`  ⚡ ${name}: ${from} → ${to}`));

  const searches: SearchResult[] = [];
  const ask = async (question: string): Promise<SearchResult> => {
    out(`"${question}"`);
    const r = await search(question, d);
    searches.push(r);
    out(`  query: ${r.query}\n  top ${TOP_K}: ${r.results.join(' | ')}`);
    for (const note of r.notes) out(`  degraded — ${note}`);
    return r;
  };

  try {
    out(`breaker store: ${shared.label}; LLM: ${env.mock ? 'local mock provider' : llm.providers.join(' → ')}\n`);
    await ask('How do I keep my service up when the LLM provider is down?');

    out('\n── the reranker goes down (503) ──');
    d.reranker.mode = 'down';
    await ask('How do retries handle rate limits?');
    await ask('How do I share breaker state across a fleet?');

    const before = d.reranker.calls;
    await ask('How do I stream tokens to the user?');
    const rerankerCallsWhileOpen = d.reranker.calls - before;
    out(`  (reranker requests while its circuit was open: ${rerankerCallsWhileOpen})`);

    out('\n── the vector store fails once as well ──');
    d.vectors.mode = 'down';
    await ask('What does OpenTelemetry show about failovers?');
    d.vectors.mode = 'ok';

    if (env.server) {
      out('\n── every LLM provider is down: the question is searched as typed ──');
      env.server.setMode('down');
      await ask('tool calling agents');
      env.server.setMode('ok');
    }

    const breakers: Record<string, CircuitState> = {};
    for (const b of [d.vectorBreaker, d.rerankerBreaker, ...llm.providers.map((p) => llm.breaker(p))]) breakers[b.name] = await b.getState();
    out(`\nbreakers: ${Object.entries(breakers).map(([n, s]) => `${n}=${s}`).join(' ')}`);
    return { searches, rerankerCallsWhileOpen, breakers };
  } finally {
    await Promise.all([d.vectorBreaker.close(), d.rerankerBreaker.close(), llm.close()]);
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
