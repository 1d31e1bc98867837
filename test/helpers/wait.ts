/**
 * Polling helpers shared by the tests: wait for a condition instead of sleeping a fixed time.
 */

/** Resolves after `ms` milliseconds of real time. */
export const sleep = (ms: number): Promise<void> => new Promise<void>((r) => setTimeout(r, ms));

/** What {@link waitFor} polls: a value, or a falsy one (`false`, `null`, `undefined`) for "not yet". */
export type Check<T> = () => T | false | null | undefined | Promise<T | false | null | undefined>;

/**
 * Polls `check` (every `intervalMs`) until it returns a truthy value, and resolves with that value.
 * @throws Error naming `what` when `timeoutMs` passes first
 */
export async function waitFor<T>(
  check: Check<T>,
  timeoutMs = 2000,
  what = 'condition',
  intervalMs = 5,
): Promise<Exclude<T, false | null | undefined>> {
  const t0 = Date.now();
  for (;;) {
    const v = await check();
    if (v) return v as Exclude<T, false | null | undefined>;
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

/** Resolves once an ioredis client (standalone or Cluster) is `ready`. @throws Error `message` after `timeoutMs` */
export async function untilReady(client: { status: string; once(event: 'ready', listener: () => void): unknown }, timeoutMs: number, message: string): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(message)), timeoutMs);
    client.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
