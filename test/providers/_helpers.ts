/**
 * Helpers shared by the provider tests (fixtures, call contexts, stream collection, error tables,
 * key leaks). Nock lives in ./_nock.ts: importing nock patches the HTTP stack, which the tests
 * against real local servers must not have.
 */
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { expect } from 'vitest';
import type { ErrorKind } from '../../src/errors/error-kind.js';
import type { ProviderCallContext, ProviderStreamEvent } from '../../src/provider.js';
import { isProviderError, type ProviderError } from '../../src/errors/provider-error.js';

const FIXTURES = new URL('../fixtures/', import.meta.url);

/** A fixture's text, e.g. `fixture('openai/stream-text.sse')`. */
export function fixture(path: string): string {
  return readFileSync(new URL(path, FIXTURES), 'utf8');
}

/** A JSON fixture, parsed (a fresh copy each time, so tests may edit it). */
export function jsonFixture<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(fixture(path)) as T;
}

/** A call context with a fresh (or the given) signal. */
export function ctx(model = 'test-model', signal: AbortSignal = new AbortController().signal): ProviderCallContext {
  return { model, signal };
}

/** Every event of a stream. */
export async function collect(stream: AsyncIterable<ProviderStreamEvent>): Promise<ProviderStreamEvent[]> {
  const events: ProviderStreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

/** The events a stream yields before it throws, and the ProviderError it throws. */
export async function collectUntilError(
  stream: AsyncIterable<ProviderStreamEvent>,
): Promise<{ events: ProviderStreamEvent[]; error: ProviderError }> {
  const events: ProviderStreamEvent[] = [];
  try {
    for await (const event of stream) events.push(event);
  } catch (error) {
    expect(isProviderError(error), `expected a ProviderError, got ${String(error)}`).toBe(true);
    return { events, error: error as ProviderError };
  }
  throw new Error(`stream did not fail; events: ${JSON.stringify(events)}`);
}

/** The ProviderError a promise rejects with. */
export async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    expect(isProviderError(error), `expected a ProviderError, got ${inspect(error)}`).toBe(true);
    return error as ProviderError;
  }
  throw new Error('expected a rejection');
}

/** One row of an adapter's error table: an HTTP error reply and the ProviderError it must become. */
export interface ErrorRow {
  name: string;
  status: number;
  body: string | Record<string, unknown>;
  headers?: Record<string, string>;
  kind: ErrorKind;
  retryable: boolean;
  providerCode?: string;
  retryAfterMs?: number;
}

/** Asserts that `e`, from `provider`'s adapter given `row`'s reply with `requestId` in its headers, is what `row` says. */
export function expectErrorRow(e: ProviderError, row: ErrorRow, provider: string, requestId: string): void {
  expect(e.kind).toBe(row.kind);
  expect(e.retryable).toBe(row.retryable);
  expect(e.status).toBe(row.status);
  expect(e.provider).toBe(provider);
  expect(e.requestId).toBe(requestId);
  if (row.providerCode !== undefined) expect(e.providerCode).toBe(row.providerCode);
  expect(e.retryAfterMs).toBe(row.retryAfterMs);
  expect(e.cause).toBeInstanceOf(Error);
  expect(e.message).toMatch(new RegExp(`^\\[${provider}\\] `));
}

/** Asserts `secret` appears in no serialisation of `err`: JSON, String, stack, util.inspect. */
export function expectNoSecret(err: unknown, secret: string): void {
  const e = err as Error;
  const renderings = [JSON.stringify(err), String(err), e.stack ?? '', inspect(err, { depth: 10, showHidden: false }), inspect(err, { depth: 10, showHidden: true })];
  for (const text of renderings) expect(text).not.toContain(secret);
}

/** Polls `check` until it holds (no fixed sleeps). */
export { waitFor as eventually } from '../helpers/wait.js';

/** A user message, the smallest valid request. */
export const HELLO = { messages: [{ role: 'user' as const, content: 'Hello' }] };
