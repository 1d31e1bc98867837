/**
 * The OpenTelemetry instruments: a breaker state gauge (observed from every live breaker of the
 * process) and per-provider counters. Instruments are created once per meter.
 * @module
 */
import type { Attributes, Counter, Histogram, Meter, ObservableResult } from '@opentelemetry/api';
import { liveBreakers } from '../breaker/process-breakers.js';
import { CircuitState } from '../breaker/state.js';

/** Metric names: stable, part of the public contract (see the README's telemetry section). */
export const METRIC = Object.freeze({
  breakerState: 'llm_breaker.breaker.state',
  calls: 'llm_breaker.provider.calls',
  failures: 'llm_breaker.provider.failures',
  rejections: 'llm_breaker.provider.rejections',
  failovers: 'llm_breaker.provider.failovers',
  operationDuration: 'gen_ai.client.operation.duration',
  tokenUsage: 'gen_ai.client.token.usage',
});

/** Values of the `llm_breaker.breaker.state` gauge: ordered by severity, so `> 0` means "not closed". */
export const STATE_VALUE: Readonly<Record<CircuitState, number>> = Object.freeze({
  [CircuitState.CLOSED]: 0,
  [CircuitState.HALF_OPEN]: 1,
  [CircuitState.OPEN]: 2,
});

/** The instruments of one meter. */
export interface Instruments {
  calls: Counter;
  failures: Counter;
  rejections: Counter;
  failovers: Counter;
  operationDuration: Histogram;
  tokenUsage: Histogram;
}

/** Every live breaker's state by name; several instances of one name report the most severe. */
function observeBreakers(result: ObservableResult): void {
  const worst = new Map<string, { value: number; store: string }>();
  for (const b of liveBreakers) {
    const value = STATE_VALUE[b.localState];
    const seen = worst.get(b.name);
    if (seen === undefined || value > seen.value) worst.set(b.name, { value, store: b.store.kind });
  }
  for (const [name, { value, store }] of worst) {
    const attributes: Attributes = { 'llm_breaker.breaker.name': name, 'llm_breaker.store': store };
    result.observe(value, attributes);
  }
}

function create(meter: Meter): Instruments {
  const gauge = meter.createObservableGauge(METRIC.breakerState, {
    description: 'Circuit breaker state per breaker (provider): 0 closed, 1 half-open, 2 open',
    unit: '{state}',
  });
  gauge.addCallback(observeBreakers);
  return {
    calls: meter.createCounter(METRIC.calls, {
      description: 'Attempts sent to a provider (retries included, circuit-open rejections excluded)',
      unit: '{call}',
    }),
    failures: meter.createCounter(METRIC.failures, {
      description: 'Attempts that ended in an error, by error.type (the normalised error kind)',
      unit: '{failure}',
    }),
    rejections: meter.createCounter(METRIC.rejections, {
      description: "Attempts rejected by the provider's open circuit without calling it",
      unit: '{rejection}',
    }),
    failovers: meter.createCounter(METRIC.failovers, {
      description: 'Moves from a provider to the next one in the failover chain',
      unit: '{failover}',
    }),
    operationDuration: meter.createHistogram(METRIC.operationDuration, {
      description: 'GenAI operation duration (whole call: every retry and fallback)',
      unit: 's',
    }),
    tokenUsage: meter.createHistogram(METRIC.tokenUsage, {
      description: 'Tokens used per call, by gen_ai.token.type',
      unit: '{token}',
    }),
  };
}

const byMeter = new WeakMap<Meter, Instruments>();

/** The instruments of `meter`, created on first use. */
export function instrumentsFor(meter: Meter): Instruments {
  let inst = byMeter.get(meter);
  if (inst === undefined) {
    inst = create(meter);
    byMeter.set(meter, inst);
  }
  return inst;
}
