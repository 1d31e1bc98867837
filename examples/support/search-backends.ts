/**
 * The hybrid-search example's non-LLM dependencies, faked in process: a vector store (hashed
 * bag-of-words embeddings, cosine similarity), a reranker (term overlap), and a local keyword index
 * used when the vector store is unavailable. Each remote fake can be switched down or slow.
 */

export interface Doc {
  id: string;
  title: string;
  text: string;
}

export const CORPUS: Doc[] = [
  { id: 'd1', title: 'Circuit breakers for LLM providers', text: 'a circuit breaker stops calls to a failing llm provider and fails over to a fallback provider' },
  { id: 'd2', title: 'Sharing breaker state in Redis', text: 'keep circuit breaker state in redis so every instance of a fleet sees the provider outage at once' },
  { id: 'd3', title: 'Retry with backoff and jitter', text: 'retry transient errors with exponential backoff and jitter and honour retry-after on rate limits' },
  { id: 'd4', title: 'Streaming tokens safely', text: 'stream tokens and fail over only before the first token is sent to the user' },
  { id: 'd5', title: 'Tool calling agents', text: 'an agent loop calls tools and sends the tool results back to the model until it answers' },
  { id: 'd6', title: 'Rate limits and quotas', text: 'rate limit errors return 429 with retry-after headers; quotas reset per minute' },
  { id: 'd7', title: 'Observability with OpenTelemetry', text: 'spans and metrics show breaker state failovers and latency per provider' },
  { id: 'd8', title: 'Hybrid search with reranking', text: 'hybrid search combines vector similarity with keyword matching and a reranker' },
];

export type BackendMode = 'ok' | 'down' | 'slow';

const DIM = 128;

function words(text: string): string[] {
  return text.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length > 2);
}

function embed(text: string): Float64Array {
  const v = new Float64Array(DIM);
  for (const w of words(text)) {
    let h = 2166136261;
    for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 16777619);
    v[(h >>> 0) % DIM] = (v[(h >>> 0) % DIM] ?? 0) + 1;
  }
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

function cosine(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] ?? 0) * (b[i] ?? 0);
  return s;
}

/** Waits `ms`, or rejects as soon as `signal` aborts (like a real HTTP client). */
function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** A remote dependency's failure, as an HTTP client would report it. */
export class BackendError extends Error {
  constructor(
    readonly backend: string,
    readonly status: number,
  ) {
    super(`${backend} answered ${status}`);
    this.name = 'BackendError';
  }
}

abstract class RemoteFake {
  mode: BackendMode = 'ok';
  calls = 0;
  constructor(
    readonly name: string,
    private readonly latencyMs: number,
  ) {}
  protected async roundTrip(signal: AbortSignal): Promise<void> {
    this.calls++;
    await delay(this.mode === 'slow' ? 10_000 : this.latencyMs, signal);
    if (this.mode === 'down') throw new BackendError(this.name, 503);
  }
}

export class FakeVectorStore extends RemoteFake {
  private readonly index = CORPUS.map((d) => ({ doc: d, vector: embed(`${d.title} ${d.text}`) }));
  constructor() {
    super('vector-store', 5);
  }
  async search(query: string, k: number, signal: AbortSignal): Promise<Doc[]> {
    await this.roundTrip(signal);
    const q = embed(query);
    return this.index
      .map((e) => ({ doc: e.doc, score: cosine(q, e.vector) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, k)
      .map((e) => e.doc);
  }
}

export class FakeReranker extends RemoteFake {
  constructor() {
    super('reranker', 5);
  }
  async rerank(query: string, docs: Doc[], signal: AbortSignal): Promise<Doc[]> {
    await this.roundTrip(signal);
    const q = new Set(words(query));
    const score = (d: Doc) => words(`${d.title} ${d.title} ${d.text}`).filter((w) => q.has(w)).length;
    return [...docs].sort((a, b) => score(b) - score(a));
  }
}

/** Local keyword search: always available, less precise. */
export function keywordSearch(query: string, k: number): Doc[] {
  const q = new Set(words(query));
  return CORPUS.map((d) => ({ d, hits: words(`${d.title} ${d.text}`).filter((w) => q.has(w)).length }))
    .filter((e) => e.hits > 0)
    .sort((a, b) => b.hits - a.hits)
    .slice(0, k)
    .map((e) => e.d);
}
