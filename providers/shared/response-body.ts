/**
 * The first check of every non-streaming response: the body is a JSON object.
 * @module
 */
import { badResponse } from './provider-errors.js';

/** Returns the body as an object, or throws `bad_response` saying what came instead. */
export function responseObject(data: unknown, provider: string, requestId: string | undefined): Record<string, unknown> {
  if (typeof data !== 'object' || data === null) {
    throw badResponse(provider, `response body is not a JSON object (got ${describeBody(data)})`, requestId);
  }
  return data as Record<string, unknown>;
}

function describeBody(value: unknown): string {
  if (typeof value === 'string') return `text: ${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)}`;
  return value === null ? 'null' : typeof value;
}
