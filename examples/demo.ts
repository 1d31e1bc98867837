/**
 * The outage story, with no API key and no Redis: a local server speaks the OpenAI and Anthropic
 * wire formats; the primary (OpenAI) answers, goes down, and comes back. Watch the circuit open,
 * the traffic fail over, the probe, and the recovery.
 *
 *   npm run demo                      # in-memory breaker state
 *   REDIS_URL=redis://127.0.0.1:6379 npm run demo   # breaker state in Redis (shared by a fleet)
 */
import { createLLMClient, type CompletionResponse } from '../src/index.js';
import { exampleLLM, exampleStore, isMain } from './support/llm.js';

const CALLS = 36;
const INTERVAL_MS = 150;
const DOWN_AT = 5; // the primary goes down before call #6
const UP_AT = 22; // …and comes back before call #23

const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number) => (s: string) => (useColor ? `\u001b[${code}m${s}\u001b[0m` : s);
const green = paint(32);
const red = paint(31);
const yellow = paint(33);
const dim = paint(2);
const bold = paint(1);
const stateColor = (s: string) => (s === 'closed' ? green(s) : s === 'open' ? red(s) : yellow(s));

export async function main(out: (line: string) => void = (l) => console.log(l)): Promise<{ served: string[] }> {
  // always the local mock provider: the demo stages the outage itself
  const env = await exampleLLM({ mock: true, text: 'Hi! (from the mock LLM)' });
  const server = env.server as NonNullable<typeof env.server>;
  const shared = await exampleStore(process.env.REDIS_URL, 'llm-breaker-demo');
  const llm = createLLMClient({
    providers: [env.openai({ failureThreshold: 3, resetTimeoutMs: 1200, successThreshold: 2 }), env.anthropic()],
    store: shared.store,
    retry: { retries: 1, minDelayMs: 20, maxDelayMs: 40 },
    timeoutMs: 2000,
  });
  await Promise.all(llm.providers.map((p) => llm.breaker(p).reset()));

  const t0 = performance.now();
  const clock = () => `+${((performance.now() - t0) / 1000).toFixed(2)}s`;
  for (const name of llm.providers) {
    llm.breaker(name).on('stateChange', ({ from, to }) => out(`${dim(clock())}        ${bold('⚡')} ${name}: ${stateColor(from)} → ${stateColor(to)}`));
  }

  out(bold('llm-breaker demo') + dim(` — breaker state: ${shared.label}`));
  out(dim(`primary: openai (opens after 3 failures, probes after 1.2 s, closes after 2 probe successes); fallback: anthropic\n`));

  const served: string[] = [];
  for (let i = 1; i <= CALLS; i++) {
    if (i === DOWN_AT + 1) {
      server.setMode('down', 'openai');
      out(red(`${clock()}  ── the primary goes down (503 on every request) ──`));
    }
    if (i === UP_AT + 1) {
      server.setMode('ok', 'openai');
      out(green(`${clock()}  ── the primary is back ──`));
    }
    const before = server.requestsByRoute.openai;
    let line: string;
    try {
      const res: CompletionResponse = await llm.complete({ messages: [{ role: 'user', content: `Request #${i}` }] });
      served.push(res.provider);
      line = `served by ${res.provider === 'openai' ? green(res.provider.padEnd(9)) : yellow(res.provider.padEnd(9))}`;
      const attempts = res.attempts
        .map((a) => (a.outcome === 'success' ? green(`${a.provider}✓`) : a.outcome === 'circuit_open' ? dim(`${a.provider}⊘open`) : red(`${a.provider}✗${a.errorKind}`)))
        .join(' ');
      line += `  attempts: ${attempts}`;
    } catch (err) {
      served.push('none');
      line = red(`failed: ${(err as Error).message}`);
    }
    const hits = server.requestsByRoute.openai - before;
    const states = (await llm.health()).map((h) => `${h.provider}=${stateColor(h.state)}`).join(' ');
    out(`${dim(clock())}  #${String(i).padStart(2, '0')}  ${line}  ${dim(`| requests to openai: ${hits} |`)} ${states}`);
    await new Promise((r) => setTimeout(r, INTERVAL_MS));
  }

  const total = served.length;
  const byPrimary = served.filter((p) => p === 'openai').length;
  const failed = served.filter((p) => p === 'none').length;
  out(`\n${bold('summary')}: ${total} calls, ${failed} failed, ${byPrimary} served by the primary, ${total - byPrimary - failed} by the fallback; ` +
    `${server.requestsByRoute.openai} requests reached the primary in all.`);

  await llm.close();
  await shared.close();
  await env.close();
  return { served };
}

if (isMain(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
