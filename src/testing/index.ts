/**
 * `llm-breaker/testing`: helpers for tests, demos and benchmarks that need no API key.
 * @module llm-breaker/testing
 */
export {
  startMockLLMServer,
  MOCK_MODES,
  type MockLLMServer,
  type MockLLMServerOptions,
  type MockMode,
  type MockReply,
  type MockRequest,
  type MockRoute,
  type MockScript,
  type MockSSEEvent,
} from './mock-server.js';
