/**
 * Which clients of this process run which circuit. A circuit is a breaker name on a store: two
 * clients that share a store and name a provider alike (`openai`) share its circuit — its trips, its
 * recovery, its counts. That is right when they mean the same health, and wrong when they give it
 * different settings (a strict client's trips would cut off a tolerant one). The rule:
 *
 * - give each client whose settings are its own a `namespace` (its breakers become `<namespace>:<provider>`);
 * - one circuit given two different trip settings in one process gets a one-time process warning
 *   (`LLM_BREAKER_CIRCUIT_SETTINGS`) naming it. Across processes the settings cannot be compared:
 *   namespaces are the rule there too.
 * @module
 */
import type { ResolvedBreakerOptions } from './breaker/options.js';
import type { BreakerStore } from './breaker/store.js';

interface Circuit {
  settings: string;
  holders: number;
  warned: boolean;
}

const circuits = new WeakMap<BreakerStore, Map<string, Circuit>>();

/** The settings that decide a circuit's trips and recovery (not timing details such as the probe lease). */
function settingsOf(o: ResolvedBreakerOptions): string {
  const fr = o.failureRate;
  const rate = fr === undefined ? 'consecutive' : `rate ${fr.threshold} over ${fr.windowMs} ms, min ${fr.minimumCalls}`;
  return `failureThreshold ${o.failureThreshold}, resetTimeoutMs ${o.resetTimeoutMs}, successThreshold ${o.successThreshold}, halfOpenMaxProbes ${o.halfOpenMaxProbes}, ${rate}`;
}

/**
 * Records that a client runs circuit `name` on `store` with `options`; warns once when the circuit
 * already runs with other settings. Returns the release to call when the client closes.
 */
export function claimCircuit(store: BreakerStore, name: string, options: ResolvedBreakerOptions): () => void {
  let byName = circuits.get(store);
  if (byName === undefined) {
    byName = new Map();
    circuits.set(store, byName);
  }
  const settings = settingsOf(options);
  let circuit = byName.get(name);
  if (circuit === undefined || circuit.holders === 0) {
    circuit = { settings, holders: 0, warned: false };
    byName.set(name, circuit);
  } else if (circuit.settings !== settings && !circuit.warned) {
    circuit.warned = true;
    process.emitWarning(
      `llm-breaker: circuit "${name}" is shared by clients with different breaker settings (${circuit.settings} vs ${settings}) on one store; ` +
        'they share its trips and recovery. Give each client its own `namespace` to isolate them.',
      { code: 'LLM_BREAKER_CIRCUIT_SETTINGS' },
    );
  }
  circuit.holders++;
  const held = circuit;
  const map = byName;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--held.holders === 0 && map.get(name) === held) map.delete(name);
  };
}
