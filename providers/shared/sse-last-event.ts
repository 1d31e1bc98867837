/**
 * A `fetch` for the SDKs that closes an SSE stream's last event when the server forgot to.
 * @module
 */
import { isJsonText } from './is-json.js';

/** Where an SSE event ends: a blank line (LF, CRLF or CR line endings). */
const EVENT_END = /\r\n\r\n|\n\n|\r\r/g;

/**
 * Wraps `fetch` (the global one, looked up at call time, by default) so that an
 * `text/event-stream` body whose last event is complete but not followed by its blank line gets
 * that blank line. The SDKs drop such an event: a stream whose `message_stop` (Anthropic) or
 * last chunk came that way would fail as "ended before completion" although it succeeded.
 *
 * The body's bytes and chunking are passed through unchanged; only `\n\n` may be added at the
 * end, and only when the unclosed event's `data` is `[DONE]` or parses as JSON. A body cut inside
 * an event (truncated JSON) is left as it is, so it still fails as a cut stream.
 */
export function closingLastSseEvent(inner?: typeof fetch): typeof fetch {
  return async (input, init) => {
    const response = await (inner ?? globalThis.fetch)(input, init);
    const type = response.headers.get('content-type') ?? '';
    if (response.body === null || !/^text\/event-stream\b/i.test(type)) return response;
    // The SDK closes a stream by aborting the request's signal, which ends the source; cancelling
    // the source as well makes some fetch implementations (nock's) close it twice and throw.
    const body = response.body.pipeThrough(closeLastEvent(), { preventCancel: true });
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

function closeLastEvent(): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  let tail = '';
  return new TransformStream({
    transform(chunk, controller) {
      controller.enqueue(chunk);
      // Only the new text (and the 3 characters before it, for a blank line split across
      // chunks) can hold a new event end: a long event in small chunks stays linear.
      const from = Math.max(0, tail.length - 3);
      tail += decoder.decode(chunk, { stream: true });
      let end = -1;
      for (const match of tail.slice(from).matchAll(EVENT_END)) end = from + match.index + match[0].length;
      if (end >= 0) tail = tail.slice(end);
    },
    flush(controller) {
      tail += decoder.decode();
      if (isCompleteEvent(tail)) controller.enqueue(new TextEncoder().encode('\n\n'));
    },
  });
}

/** An unclosed event whose data is whole: `[DONE]` or valid JSON. */
function isCompleteEvent(text: string): boolean {
  const data = text
    .split(/\r\n|\n|\r/)
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).replace(/^ /, ''));
  if (data.length === 0) return false;
  const joined = data.join('\n');
  return joined.trim() === '[DONE]' || isJsonText(joined);
}
