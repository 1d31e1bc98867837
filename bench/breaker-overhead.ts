/**
 * Section 1 — in-memory breaker overhead per call, side by side with cockatiel 3.2.1
 * (ConsecutiveBreaker) and opossum 9.0.0 (`timeout: false`), each guarding the same async no-op;
 * and the cost of a call rejected while open.
 *
 * Method: each tinybench sample runs BATCH sequential awaited calls (so the timer's own cost,
 * ~40 ns, is spread over the batch); candidates run in ROUNDS rounds with their order rotated each
 * round; the figure is the median over rounds of each round's median sample. "Added" is the
 * candidate's ns per call minus the bare `await noop()` of the same round.
 * @module
 */
import { ConsecutiveBreaker, circuitBreaker, handleAll } from 'cockatiel';
import Opossum from 'opossum';
import type * as BreakerNS from '../src/breaker/circuit-breaker.js';
import type * as MemoryNS from '../src/breaker/memory-store.js';
import {
  QUICK,
  fmtNs,
  fmtRatio,
  interleavedRounds,
  median,
  optionalImport,
  runIfMain,
  skippedSection,
  type Candidate,
  type Figure,
  type SectionResult,
} from './util.js';

const ID = 'breaker-overhead';
const TITLE = '1. In-memory breaker overhead per call';
const BATCH = 1000;
const ROUNDS = QUICK ? 3 : 7;
const TIME_MS = QUICK ? 50 : 100;
const NEVER = 600_000; // reset timeouts long enough never to half-open during the bench

type BreakerModule = typeof BreakerNS;
type MemoryModule = typeof MemoryNS;

const noop = async (): Promise<void> => {};
const boom = new Error('boom');
const fail = async (): Promise<void> => {
  throw boom;
};
/** A rejection that builds a fresh Error with a stack, like most breakers' rejections. */
const failFresh = async (): Promise<void> => {
  throw new Error('fresh error with a stack');
};

async function swallow(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch {
    // expected
  }
}

export async function run(): Promise<SectionResult> {
  const cbMod = await optionalImport<BreakerModule>('../src/breaker/circuit-breaker.js', ['CircuitBreaker']);
  if ('missing' in cbMod) return skippedSection(ID, TITLE, cbMod.missing);
  const msMod = await optionalImport<MemoryModule>('../src/breaker/memory-store.js', ['memoryStore']);
  if ('missing' in msMod) return skippedSection(ID, TITLE, msMod.missing);
  const { CircuitBreaker } = cbMod.mod;
  const { memoryStore } = msMod.mod;

  // --- the guards, closed
  const ours = new CircuitBreaker('bench-closed', { store: memoryStore(), failureThreshold: 5, resetTimeoutMs: NEVER });
  const cockatiel = circuitBreaker(handleAll, { halfOpenAfter: NEVER, breaker: new ConsecutiveBreaker(5) });
  const opossum = new Opossum(noop, { timeout: false, resetTimeout: NEVER });
  await ours.execute(noop); // wait for the first read of the store

  // --- the guards, opened naturally by failures
  const oursOpen = new CircuitBreaker('bench-open', { store: memoryStore(), failureThreshold: 5, resetTimeoutMs: NEVER });
  const cockatielOpen = circuitBreaker(handleAll, { halfOpenAfter: NEVER, breaker: new ConsecutiveBreaker(5) });
  let opossumFails = true;
  const opossumOpen = new Opossum(() => (opossumFails ? fail() : noop()), { timeout: false, resetTimeout: NEVER });
  for (let i = 0; i < 5; i++) {
    await swallow(oursOpen.execute(fail));
    await swallow(cockatielOpen.execute(fail));
    await swallow(opossumOpen.fire());
  }
  opossumFails = false;
  if (oursOpen.localState !== 'open') throw new Error(`llm-breaker did not open: ${oursOpen.localState}`);
  if (!opossumOpen.opened) throw new Error('opossum did not open');
  let rejectedOk = 0;
  await oursOpen.execute(noop).catch((e: { code?: string }) => void (e.code === 'circuit_open' && rejectedOk++));
  await cockatielOpen.execute(noop).catch((e: { isBrokenCircuitError?: boolean }) => void (e.isBrokenCircuitError && rejectedOk++));
  await opossumOpen.fire().catch((e: { code?: string }) => void (e.code === 'EOPENBREAKER' && rejectedOk++));
  if (rejectedOk !== 3) throw new Error('a breaker did not reject while open');

  const success: Candidate[] = [
    {
      name: 'bare await noop()',
      fn: async () => {
        for (let i = 0; i < BATCH; i++) await noop();
      },
    },
    {
      name: 'llm-breaker',
      fn: async () => {
        for (let i = 0; i < BATCH; i++) await ours.execute(noop);
      },
    },
    {
      name: 'cockatiel',
      fn: async () => {
        for (let i = 0; i < BATCH; i++) await cockatiel.execute(noop);
      },
    },
    {
      name: 'opossum',
      fn: async () => {
        for (let i = 0; i < BATCH; i++) await opossum.fire();
      },
    },
  ];
  const rejection: Candidate[] = [
    {
      name: 'bare: rejected promise, shared error',
      fn: async () => {
        for (let i = 0; i < BATCH; i++) await swallow(fail());
      },
    },
    {
      name: 'bare: rejected promise, new Error()',
      fn: async () => {
        for (let i = 0; i < BATCH; i++) await swallow(failFresh());
      },
    },
    {
      name: 'llm-breaker',
      fn: async () => {
        for (let i = 0; i < BATCH; i++) await swallow(oursOpen.execute(noop));
      },
    },
    {
      name: 'cockatiel',
      fn: async () => {
        for (let i = 0; i < BATCH; i++) await swallow(cockatielOpen.execute(noop));
      },
    },
    {
      name: 'opossum',
      fn: async () => {
        for (let i = 0; i < BATCH; i++) await swallow(opossumOpen.fire());
      },
    },
  ];

  const ok = await interleavedRounds(success, { rounds: ROUNDS, timeMs: TIME_MS, batch: BATCH });
  // the conventional tinybench way, one call per sample (timer included): comparable with the
  // absolute per-call figures quoted in the issue (cockatiel ≈ 250 ns, opossum 600–1000 ns)
  const single: Candidate[] = [
    { name: 'bare await noop()', fn: async () => void (await noop()) },
    { name: 'llm-breaker', fn: async () => void (await ours.execute(noop)) },
    { name: 'cockatiel', fn: async () => void (await cockatiel.execute(noop)) },
    { name: 'opossum', fn: async () => void (await opossum.fire()) },
  ];
  const one = await interleavedRounds(single, { rounds: QUICK ? 2 : 3, timeMs: QUICK ? 50 : 120, batch: 1 });
  const rej = await interleavedRounds(rejection, { rounds: ROUNDS, timeMs: TIME_MS, batch: BATCH });

  // "added" per round (same round's bare), then the median over rounds
  const bareOk = ok.get('bare await noop()') as number[];
  const added = (name: string): number => median((ok.get(name) as number[]).map((v, i) => v - (bareOk[i] as number)));
  const abs = (m: Map<string, number[]>, name: string): number => median(m.get(name) as number[]);
  const spread = (m: Map<string, number[]>, name: string): string => {
    const xs = [...(m.get(name) as number[])].sort((a, b) => a - b);
    return `${fmtNs(xs[0] as number)} – ${fmtNs(xs[xs.length - 1] as number)}`;
  };

  const addOurs = added('llm-breaker');
  const addCock = added('cockatiel');
  const addOpo = added('opossum');
  const rejOurs = abs(rej, 'llm-breaker');
  const rejCock = abs(rej, 'cockatiel');
  const rejOpo = abs(rej, 'opossum');
  const bareRejShared = abs(rej, 'bare: rejected promise, shared error');
  const bareRejFresh = abs(rej, 'bare: rejected promise, new Error()');

  const figures: Figure[] = [
    {
      metric: 'Closed success: ns added per call (memory store)',
      measured: `${fmtNs(addOurs)} (cockatiel ${fmtNs(addCock)}, opossum ${fmtNs(addOpo)})`,
      ratio: `${fmtRatio(addOurs / addCock)} cockatiel, ${fmtRatio(addOurs / addOpo)} opossum`,
      target: '≤ 1.00× cockatiel',
      verdict: addOurs <= addCock ? 'pass' : 'FAIL',
    },
    {
      metric: 'Rejected while open: ns per rejected call',
      measured: `${fmtNs(rejOurs)} (cockatiel ${fmtNs(rejCock)}, opossum ${fmtNs(rejOpo)})`,
      ratio: `${fmtRatio(rejOurs / rejCock)} cockatiel, ${fmtRatio(rejOurs / rejOpo)} opossum`,
      target: '≤ 1.00× cockatiel; no stack per rejection',
      verdict: rejOurs <= rejCock ? 'pass' : 'FAIL',
    },
  ];

  const tables = [
    {
      title: `Closed success: sequential \`await guard(noop)\` (median of ${ROUNDS} rounds × ${BATCH}-call samples)`,
      headers: ['candidate', 'ns / call', 'ns added over bare', 'vs cockatiel (added)', 'min – max over rounds'],
      rows: success.map((c) => {
        const isBare = c.name.startsWith('bare');
        const a = isBare ? 0 : added(c.name);
        return [c.name, fmtNs(abs(ok, c.name)), isBare ? '–' : fmtNs(a), isBare ? '–' : fmtRatio(a / addCock), spread(ok, c.name)];
      }),
    },
    {
      title: 'Same, measured the conventional tinybench way: one call per sample, timer included (comparable with the issue\'s absolute figures)',
      headers: ['candidate', 'p50 ns / call (timer included)', 'vs cockatiel'],
      rows: single.map((c) => [c.name, fmtNs(abs(one, c.name)), fmtRatio(abs(one, c.name) / abs(one, 'cockatiel'))]),
    },
    {
      title: 'Rejected while open (opened by 5 failures): `try { await guard(noop) } catch {}`',
      headers: ['candidate', 'ns / rejected call', 'vs bare shared-error rejection', 'vs cockatiel', 'min – max over rounds'],
      rows: rejection.map((c) => [
        c.name,
        fmtNs(abs(rej, c.name)),
        fmtRatio(abs(rej, c.name) / bareRejShared),
        fmtRatio(abs(rej, c.name) / rejCock),
        spread(rej, c.name),
      ]),
    },
  ];

  const notes = [
    `Each sample runs ${BATCH} sequential awaited calls and is divided by ${BATCH}; ${ROUNDS} tinybench rounds (${TIME_MS} ms per candidate per round, warm-up on) rotate the candidates' order; figures are medians over rounds, and "added" is computed per round against the same round's bare \`await noop()\`.`,
    `Configurations: llm-breaker \`new CircuitBreaker(name, { store: memoryStore(), failureThreshold: 5 })\` → \`execute(noop)\`; cockatiel \`circuitBreaker(handleAll, { breaker: new ConsecutiveBreaker(5), halfOpenAfter })\` → \`execute(noop)\`; opossum \`new CircuitBreaker(noop, { timeout: false })\` → \`fire()\`. Open breakers were opened by 5 failing calls (opossum by its error-percentage rule).`,
    `Building an \`Error\` with a stack costs ${fmtNs(bareRejFresh - bareRejShared)} more per rejection than rejecting with a shared one here (${fmtRatio(bareRejFresh / bareRejShared)}); llm-breaker's \`CircuitOpenError\` is built with \`Error.stackTraceLimit = 0\`.`,
  ];

  await ours.close();
  await oursOpen.close();
  opossum.shutdown();
  opossumOpen.shutdown();
  return { id: ID, title: TITLE, figures, tables, notes };
}

runIfMain(import.meta.url, run);
