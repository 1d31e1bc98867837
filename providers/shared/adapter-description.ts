/**
 * What an adapter tells the shared machinery about itself, so that nothing outside
 * `providers/<name>/` names a provider.
 * @module
 */

/** One adapter's own facts, passed by its factory to {@link resolveCommonOptions}. */
export interface AdapterDescription {
  /** The factory's name, e.g. `openai`: the default provider name and the prefix of its env variables. */
  readonly factory: string;
  /** A model to show in the "missing model" message, e.g. `gpt-4o-mini`. */
  readonly exampleModel: string;
  /** The env variable holding the API key, e.g. `OPENAI_API_KEY`. */
  readonly apiKeyEnv: string;
  /** Every option name the factory takes (an unknown one is a ConfigError). */
  readonly optionKeys: ReadonlySet<string>;
}
