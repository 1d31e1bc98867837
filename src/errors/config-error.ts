import { LLMError, hasCode } from './llm-error.js';
import { redactSecrets } from './redact.js';

/**
 * Invalid configuration, thrown at `createLLMClient` / `getCircuitBreaker` time. `option` names the bad option.
 * Neither the message nor `option` ever repeats a secret: registered keys and key-shaped values are redacted.
 */
export class ConfigError extends LLMError {
  /** Dotted path of the offending option, e.g. `breaker.failureThreshold` or `providers[1].name`. */
  readonly option: string;

  constructor(option: string, problem: string) {
    const safeOption = redactSecrets(option);
    super('config', redactSecrets(`invalid option "${safeOption}": ${problem}`));
    this.option = safeOption;
  }
}

export function isConfigError(err: unknown): err is ConfigError {
  return hasCode(err, 'config');
}
