/**
 * Which tool call a streamed `tool_calls[]` fragment belongs to.
 * @module
 */
import { isJsonText } from '../shared/is-json.js';

/**
 * Tool calls of one streamed response, in the order they first appear. A fragment is matched by
 * its `id` first, then by its `index`:
 *
 * - OpenAI sends the id (and name) on a call's first fragment only; later ones carry its `index`.
 * - LiteLLM's passthrough numbers calls by content block: text then one call arrives as index 1
 *   with no 0. Positions stay dense (that call is position 0), so `toolCalls` has no holes.
 * - Ollama labels every call index 0: a fragment with a new id is a new call, not more arguments
 *   for the last one — once that call's arguments are a complete JSON value. While they are not,
 *   a new id at the same index continues the call (servers that send a fresh id on every fragment).
 */
export class StreamToolCalls {
  readonly #calls: Array<{ id: string; name: string; args: string }> = [];
  readonly #byId = new Map<string, number>();
  readonly #byIndex = new Map<number, number>();

  /** How many calls so far. */
  get count(): number {
    return this.#calls.length;
  }

  /**
   * The call a fragment belongs to: its dense position, id and name (the last name sent), and
   * whether the fragment opened it. `args` is the fragment's piece of the arguments.
   */
  place(id: string | undefined, index: number, name: string | undefined, args: string): { position: number; id: string; name: string; opened: boolean } {
    let position = id !== undefined ? this.#byId.get(id) : undefined;
    if (position === undefined) {
      const atIndex = this.#byIndex.get(index);
      if (atIndex !== undefined && (id === undefined || !isJsonText(this.#calls[atIndex]!.args))) position = atIndex;
    }
    const opened = position === undefined;
    if (position === undefined) position = this.#calls.push({ id: id ?? '', name: '', args: '' }) - 1;
    const call = this.#calls[position]!;
    if (id !== undefined && !this.#byId.has(id)) this.#byId.set(id, position);
    if (call.id === '' && id !== undefined) call.id = id;
    this.#byIndex.set(index, position);
    if (name !== undefined) call.name = name;
    call.args += args;
    return { position, id: call.id, name: call.name, opened };
  }
}
