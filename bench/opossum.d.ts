/** Minimal typings for opossum 9 (the package ships none; @types/opossum is not a dependency). */
declare module 'opossum' {
  import { EventEmitter } from 'node:events';
  interface Options {
    timeout?: number | false;
    errorThresholdPercentage?: number;
    resetTimeout?: number;
    volumeThreshold?: number;
    rollingCountTimeout?: number;
    rollingCountBuckets?: number;
    enabled?: boolean;
    [key: string]: unknown;
  }
  class CircuitBreaker<A extends unknown[] = unknown[], R = unknown> extends EventEmitter {
    constructor(action: (...args: A) => Promise<R> | R, options?: Options);
    fire(...args: A): Promise<R>;
    open(): void;
    close(): void;
    shutdown(): void;
    readonly opened: boolean;
    readonly closed: boolean;
  }
  export default CircuitBreaker;
}
