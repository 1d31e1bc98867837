/**
 * In-memory OpenTelemetry SDK for tests: spans through InMemorySpanExporter, metrics through
 * InMemoryMetricExporter (collected on demand with forceFlush).
 */
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type DataPoint,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import type { Attributes } from '@opentelemetry/api';

export interface OtelHarness {
  tracerProvider: BasicTracerProvider;
  meterProvider: MeterProvider;
  spans(): ReadableSpan[];
  /** Collects metrics now and returns the named metric's data points. */
  points(name: string): Promise<Array<DataPoint<unknown>>>;
  /** The sum of the named counter's points whose attributes include `match`. */
  count(name: string, match?: Attributes): Promise<number>;
  shutdown(): Promise<void>;
}

function matches(attrs: Attributes, match: Attributes): boolean {
  return Object.entries(match).every(([k, v]) => attrs[k] === v);
}

export function otelHarness(): OtelHarness {
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });

  async function collect(): Promise<MetricData[]> {
    metricExporter.reset();
    await reader.forceFlush();
    return metricExporter
      .getMetrics()
      .flatMap((rm) => rm.scopeMetrics)
      .flatMap((sm) => sm.metrics);
  }

  const h: OtelHarness = {
    tracerProvider,
    meterProvider,
    spans: () => spanExporter.getFinishedSpans(),
    async points(name) {
      const metric = (await collect()).find((m) => m.descriptor.name === name);
      return metric?.dataPoints ?? [];
    },
    async count(name, match = {}) {
      const pts = await h.points(name);
      return pts.filter((p) => matches(p.attributes, match)).reduce((n, p) => n + (p.value as number), 0);
    },
    async shutdown() {
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
  return h;
}
