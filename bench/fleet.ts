/**
 * Section 5 — fleet figure: requests that reach a dead provider across a fleet of instances, with
 * one breaker shared through Redis versus one breaker per process (memory store), versus no breaker.
 *
 * The project has no reliability harness yet (test/fleet/ is empty), so this section simulates the
 * fleet in one process: N instances, each its own `createLLMClient` (and, when shared, its own
 * ioredis client and `redisStore`), all calling the same mock LLM server whose OpenAI route answers
 * 503. The figure is the number of requests the server received.
 * @module
 */
import { Redis } from 'ioredis';
import type * as OpenAINS from '../providers/openai/index.js';
import type * as RedisStoreNS from '../src/breaker/redis-store.js';
import type * as ClientNS from '../src/client.js';
import type { LLMClient } from '../src/client.js';
import type * as MockNS from '../src/testing/mock-server.js';
import { QUICK, fmtInt, fmtRatio, optionalImport, runIfMain, skippedSection, sleep, type Figure, type SectionResult } from './util.js';

const ID = 'fleet';
const TITLE = '5. Fleet: requests reaching a dead provider';
const INSTANCES = 10;
const DURATION_MS = QUICK ? 1500 : 3000;
const PAUSE_MS = 5;
const BREAKER = { failureThreshold: 5, resetTimeoutMs: 500, successThreshold: 2 };

type ClientModule = typeof ClientNS;
type OpenAIModule = typeof OpenAINS;
type RedisStoreModule = typeof RedisStoreNS;
type MockModule = typeof MockNS;

/** In-process simulation, used when the reliability harness is missing or fails. */
async function simulate(why: string): Promise<SectionResult> {
  const clMod = await optionalImport<ClientModule>('../src/client.js', ['createLLMClient']);
  if ('missing' in clMod) return skippedSection(ID, TITLE, clMod.missing);
  const oaMod = await optionalImport<OpenAIModule>('../providers/openai/index.js', ['openai']);
  if ('missing' in oaMod) return skippedSection(ID, TITLE, oaMod.missing);
  const mkMod = await optionalImport<MockModule>('../src/testing/mock-server.js', ['startMockLLMServer']);
  if ('missing' in mkMod) return skippedSection(ID, TITLE, mkMod.missing);
  const url = process.env['REDIS_URL'];
  if (!url) return skippedSection(ID, TITLE, process.env['BENCH_NO_REDIS'] ?? 'Redis not available (REDIS_URL unset)');
  const rsMod = await optionalImport<RedisStoreModule>('../src/breaker/redis-store.js', ['redisStore']);
  if ('missing' in rsMod) return skippedSection(ID, TITLE, rsMod.missing);
  const { createLLMClient } = clMod.mod;
  const { openai } = oaMod.mod;
  const { redisStore } = rsMod.mod;

  const server = await mkMod.mod.startMockLLMServer({ mode: 'down' });
  const baseURL = server.openaiBaseURL;
  const results: Array<{ mode: string; requests: number; calls: number }> = [];
  try {
    for (const mode of ['shared breaker (redis store)', 'per-process breakers (memory store)', 'no breaker'] as const) {
      server.reset();
      server.setMode('down', 'openai');
      const prefix = `bench_fleet_${Date.now().toString(36)}`;
      const owned: Array<() => Promise<void> | void> = [];
      const fleet: LLMClient[] = [];
      for (let i = 0; i < INSTANCES; i++) {
        let store;
        if (mode.startsWith('shared')) {
          const c = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
          c.on('error', () => undefined);
          await c.connect();
          store = redisStore(c, { prefix });
          const s = store;
          owned.push(async () => {
            await s.close();
            c.disconnect();
          });
        }
        const llm = createLLMClient({
          providers: [openai({ model: 'gpt-4o-mini', baseURL, apiKey: 'none' })],
          ...(store ? { store } : {}),
          // "no breaker": a threshold no run can reach
          breaker: mode === 'no breaker' ? { failureThreshold: 1_000_000_000 } : BREAKER,
          retry: { retries: 0 },
          telemetry: false,
        });
        fleet.push(llm);
      }
      // let every instance read the shared state and subscribe
      await Promise.all(fleet.map((l) => l.health()));
      await sleep(100);
      server.reset();
      server.setMode('down', 'openai');
      let calls = 0;
      const end = performance.now() + DURATION_MS;
      await Promise.all(
        fleet.map(async (llm) => {
          while (performance.now() < end) {
            calls++;
            await llm.complete({ messages: [{ role: 'user', content: 'Hello' }] }).catch(() => undefined);
            await sleep(PAUSE_MS);
          }
        }),
      );
      results.push({ mode, requests: server.requestsByRoute.openai, calls });
      for (const l of fleet) await l.close();
      for (const o of owned) await o();
    }
  } finally {
    await server.close();
  }
  const shared = results[0] as (typeof results)[number];
  const perProc = results[1] as (typeof results)[number];
  const none = results[2] as (typeof results)[number];
  const windows = Math.ceil(DURATION_MS / BREAKER.resetTimeoutMs);
  const figures: Figure[] = [
    {
      metric: `Requests reaching a dead provider, fleet of ${INSTANCES}, ${DURATION_MS / 1000} s`,
      measured: `shared ${fmtInt(shared.requests)}, per-process ${fmtInt(perProc.requests)}, no breaker ${fmtInt(none.requests)}`,
      ratio: `${fmtRatio(shared.requests / perProc.requests)} per-process; ${fmtRatio(shared.requests / none.requests, 3)} no breaker`,
      target: 'report (shared ≪ per-process)',
      verdict: 'info',
    },
  ];
  return {
    id: ID,
    title: TITLE,
    figures,
    tables: [
      {
        title: `${INSTANCES} instances, each calling in a loop (${PAUSE_MS} ms pause) for ${DURATION_MS} ms; provider answers 503; breaker ${JSON.stringify(BREAKER)}, no retries`,
        headers: ['mode', 'requests that reached the provider', 'calls made', 'vs per-process'],
        rows: results.map((r) => [r.mode, fmtInt(r.requests), fmtInt(r.calls), fmtRatio(r.requests / perProc.requests)]),
      },
    ],
    notes: [
      `${why}, so the fleet is simulated in one process: ${INSTANCES} independent clients (each with its own ioredis client, \`redisStore\` and subscriber connection when shared) against the project's mock LLM server in \`down\` mode. A shared breaker lets through about \`failureThreshold\` requests, then one probe per \`resetTimeoutMs\` for the whole fleet (≈ ${BREAKER.failureThreshold} + ${windows} here, plus calls already in flight when it opened); per-process breakers pay that once per instance.`,
    ],
  };
}

// ------------------------------------------------------------------ the reliability harness

/** The part of test/fleet's harness this section uses (typed loosely: that code is not bench's). */
interface HarnessFleet {
  close(): Promise<void>;
}
interface FleetModule {
  Fleet: { start(size: number): Promise<HarnessFleet> };
}
interface OutageModule {
  playOutage(fleet: HarnessFleet, config: Record<string, unknown>, windows?: number): Promise<unknown>;
  summary(run: unknown): Record<string, unknown>;
}

const HARNESS_INSTANCES = 6;

export async function run(): Promise<SectionResult> {
  if (process.env['BENCH_FLEET_SIMULATE'] === '1') return simulate('BENCH_FLEET_SIMULATE=1 was set');
  const fl = await optionalImport<FleetModule>('../test/fleet/fleet.js', ['Fleet']);
  const out = await optionalImport<OutageModule>('../test/fleet/outage.js', ['playOutage', 'summary']);
  if ('missing' in fl) return simulate(`The reliability harness is not available (${fl.missing})`);
  if ('missing' in out) return simulate(`The reliability harness is not available (${out.missing})`);
  let fleet: HarnessFleet | undefined;
  let shared: Record<string, unknown>;
  let perProcess: Record<string, unknown>;
  try {
    fleet = await fl.mod.Fleet.start(HARNESS_INSTANCES);
    // a store timeout above a loaded box's scheduling stalls, as the harness's own proofs use
    shared = out.mod.summary(await out.mod.playOutage(fleet, { store: 'redis', storeTimeoutMs: 500 }));
    perProcess = out.mod.summary(await out.mod.playOutage(fleet, { store: 'memory', storeTimeoutMs: 500 }));
  } catch (err) {
    await fleet?.close().catch(() => undefined);
    return simulate(`The reliability harness (test/fleet) failed here: ${(err as Error).message.split('\n')[0]}`);
  }
  await fleet.close().catch(() => undefined);
  const num = (r: Record<string, unknown>, k: string): number => (typeof r[k] === 'number' ? r[k] : Number.NaN);
  const reqS = num(shared, 'requestsToDeadProviderDuringOutage');
  const reqP = num(perProcess, 'requestsToDeadProviderDuringOutage');
  const keys: Array<[string, string]> = [
    ['requestsToDeadProviderDuringOutage', 'requests that reached the dead provider during the outage'],
    ['wastedBeforeOpen', 'of which before the circuit(s) opened'],
    ['probeRequests', 'of which probes'],
    ['probesPerWindowFleetWide', 'probes per reset window, fleet-wide'],
    ['msToOpen', 'ms from the outage to the last circuit open'],
    ['outageMs', 'outage length, ms'],
    ['calls', 'calls made by the fleet'],
    ['storeErrors', 'storeError events'],
  ];
  const fmt = (v: unknown): string => (typeof v === 'number' ? (Number.isInteger(v) ? fmtInt(v) : v.toFixed(1)) : String(v));
  return {
    id: ID,
    title: TITLE,
    figures: [
      {
        metric: `Requests reaching a dead provider, fleet of ${HARNESS_INSTANCES} processes (reliability harness)`,
        measured: `shared ${fmt(reqS)}, per-process ${fmt(reqP)}`,
        ratio: `${fmtRatio(reqS / reqP)} per-process`,
        target: 'report (shared ≪ per-process)',
        verdict: 'info',
      },
    ],
    tables: [
      {
        title: `Reliability harness (test/fleet): ${HARNESS_INSTANCES} processes, one outage of the primary each way (\`playOutage\`, \`summary\`)`,
        headers: ['figure', 'shared breaker (redis store)', 'per-process breakers (memory store)'],
        rows: keys.map(([k, label]) => [label, fmt(shared[k]), fmt(perProcess[k])]),
      },
    ],
    notes: [
      `From the project's reliability harness (test/fleet/fleet.ts, outage.ts): ${HARNESS_INSTANCES} real processes, each with its own LLM client and ioredis client, a private redis-server and the mock LLM server whose primary goes down; breaker and load settings are the harness's defaults (\`DEFAULT_CONFIG\`, \`OUTAGE_LOAD\`), with \`storeTimeoutMs: 500\` as in its own proofs.`,
    ],
  };
}

runIfMain(import.meta.url, run);
