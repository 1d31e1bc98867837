import { afterEach, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/breaker/circuit-breaker.js';
import { getDefaultStore, liveBreakers } from '../../src/breaker/process-breakers.js';
import { closeAllBreakers, getCircuitBreaker } from '../../src/breaker/registry.js';

describe('process-breakers: process-wide state outside the breaker', () => {
  afterEach(() => closeAllBreakers());

  it('tracks every open breaker and forgets a closed one', async () => {
    const b = new CircuitBreaker('pb-tracked');
    expect(liveBreakers.has(b)).toBe(true);
    await b.close();
    expect(liveBreakers.has(b)).toBe(false);
  });

  it('gives breakers without a store the one process-wide memory store', () => {
    expect(getDefaultStore()).toBe(getDefaultStore());
    expect(getCircuitBreaker('pb-default').store).toBe(getDefaultStore());
  });
});
