export { LLMError, isLLMError, type LLMErrorCode } from './llm-error.js';
export { ERROR_POLICY, ERROR_KINDS, type ErrorKind, type ErrorPolicy } from './error-kind.js';
export { ProviderError, isProviderError, type ProviderErrorInit } from './provider-error.js';
export { CircuitOpenError, isCircuitOpenError } from './circuit-open-error.js';
export { ConfigError, isConfigError } from './config-error.js';
export { AllProvidersFailedError, isAllProvidersFailedError } from './all-providers-failed-error.js';
export { StoreError, isStoreError } from './store-error.js';
export { redactSecrets, registerSecret } from './redact.js';
