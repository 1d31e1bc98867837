/**
 * Which tool call a streamed `tool_calls[]` fragment belongs to.
 * @module
 */

/**
 * Tool calls of one streamed response, in the order they first appear. A fragment is matched by
 * its `id` first, then by its `index`:
 *
 * - OpenAI sends the id (and name) on a call's first fragment only; later ones carry its `index`.
 * - LiteLLM's passthrough numbers calls by content block: text then one call arrives as index 1
 *   with no 0. Positions stay dense (that call is position 0), so `toolCalls` has no holes.
 * - Ollama labels every call index 0: a fragment with a new id is a new call, not more arguments
 *   for the last one.
 */
export class StreamToolCalls {
  readonly #ids: string[] = [];
  readonly #names: string[] = [];
  readonly #byId = new Map<string, number>();
  readonly #byIndex = new Map<number, number>();

  /** How many calls so far. */
  get count(): number {
    return this.#ids.length;
  }

  /**
   * The call a fragment belongs to: its dense position, id and name (the last name sent), and
   * whether the fragment opened it.
   */
  place(id: string | undefined, index: number, name: string | undefined): { position: number; id: string; name: string; opened: boolean } {
    let position = id !== undefined ? this.#byId.get(id) : undefined;
    if (position === undefined && id === undefined) position = this.#byIndex.get(index);
    const opened = position === undefined;
    if (position === undefined) {
      position = this.#ids.length;
      this.#ids.push(id ?? '');
      this.#names.push('');
      if (id !== undefined) this.#byId.set(id, position);
    }
    this.#byIndex.set(index, position);
    if (name !== undefined) this.#names[position] = name;
    return { position, id: this.#ids[position]!, name: this.#names[position]!, opened };
  }
}
