/**
 * `execute(nonFunction)` and `protect(nonFunction)` are the caller's mistake (issue 10 §4): a
 * ConfigError naming `fn`, and the breaker is left untouched (no counted TypeError), in every state.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/breaker/circuit-breaker.js';
import { memoryStore } from '../../src/breaker/memory-store.js';
import { ConfigError } from '../../src/errors/config-error.js';

const NOT_FUNCTIONS: unknown[] = [undefined, null, 42, 'fetch', {}, Promise.resolve(1)];
const breakers: CircuitBreaker[] = [];
function breaker(options: ConstructorParameters<typeof CircuitBreaker>[1] = {}): CircuitBreaker {
  const b = new CircuitBreaker(`non-function-${breakers.length}`, { store: memoryStore(), failureThreshold: 1, ...options });
  breakers.push(b);
  return b;
}
afterEach(async () => {
  await Promise.all(breakers.splice(0).map((b) => b.close()));
});

describe('execute / protect given something that is not a function', () => {
  it.each(NOT_FUNCTIONS.map((v) => [v === null ? 'null' : typeof v, v] as const))('execute(%s) rejects with a ConfigError and counts nothing', async (_label, v) => {
    const b = breaker();
    const failures: unknown[] = [];
    b.on('failure', (e) => failures.push(e));
    const err: unknown = await b.execute(v as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).option).toBe('fn');
    expect(failures).toEqual([]);
    expect(await b.snapshot()).toMatchObject({ state: 'closed', failures: 0 });
    await expect(b.execute(() => 'ok')).resolves.toBe('ok');
  });

  it.each(NOT_FUNCTIONS.map((v) => [v === null ? 'null' : typeof v, v] as const))('protect(%s) throws a ConfigError at once', async (_label, v) => {
    const b = breaker();
    expect(() => b.protect(v as never)).toThrow(ConfigError);
    expect(await b.snapshot()).toMatchObject({ state: 'closed', failures: 0 });
  });

  it('while open, execute(non-function) is still a ConfigError, not a CircuitOpenError', async () => {
    const b = breaker();
    await b.forceOpen();
    await expect(b.execute(42 as never)).rejects.toBeInstanceOf(ConfigError);
  });
});
