import { LLMError, hasCode } from './llm-error.js';

/** Invalid configuration, thrown at `createLLMClient` / `getCircuitBreaker` time. `option` names the bad option. */
export class ConfigError extends LLMError {
  /** Dotted path of the offending option, e.g. `breaker.failureThreshold` or `providers[1].name`. */
  readonly option: string;

  constructor(option: string, problem: string) {
    super('config', `invalid option "${option}": ${problem}`);
    this.option = option;
  }
}

export function isConfigError(err: unknown): err is ConfigError {
  return hasCode(err, 'config');
}
