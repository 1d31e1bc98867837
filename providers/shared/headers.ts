/**
 * Header access that works on a fetch `Headers`, a plain record, or nothing.
 * @module
 */

/** Anything an SDK error or response may carry as headers. */
export type HeadersLike = { get(name: string): string | null } | Record<string, string | string[] | undefined>;

/** The value of header `name` (lower-case), or `undefined`. */
export function getHeader(headers: HeadersLike | null | undefined, name: string): string | undefined {
  if (headers == null) return undefined;
  if (typeof (headers as { get?: unknown }).get === 'function') {
    const value = (headers as { get(name: string): string | null }).get(name);
    return value ?? undefined;
  }
  const value = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value[0] : value;
}
