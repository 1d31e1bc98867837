/**
 * Removes anything that looks like an API key or bearer token from a string.
 * Applied to every message the SDK builds from provider output.
 */
const PATTERNS: RegExp[] = [
  /\bsk-[A-Za-z0-9_-]{8,}/g, // OpenAI, Anthropic (sk-ant-…), many compatibles
  /\b(?:Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  /\b(?:api[_-]?key|x-api-key|authorization)["'=:\s]+[A-Za-z0-9._~+/=-]{8,}/gi,
  /\bgsk_[A-Za-z0-9]{8,}/g, // Groq
  /\bAIza[A-Za-z0-9_-]{20,}/g, // Google
];

// One registry per process, shared by every copy of the package (ESM and CJS builds, each entry
// point's bundle): a key registered by an adapter bundle must be redacted by the core bundle too.
const REGISTRY = Symbol.for('llm-breaker.secrets');
const holder = globalThis as unknown as { [REGISTRY]?: Set<string> };
const known: Set<string> = (holder[REGISTRY] ??= new Set<string>());

/** Registers a secret (an adapter's API key) so that it is redacted wherever it appears. */
export function registerSecret(secret: string | undefined | null): void {
  if (typeof secret === 'string' && secret.length >= 6) known.add(secret);
}

export function redactSecrets(text: string): string {
  let out = text;
  for (const s of known) if (out.includes(s)) out = out.split(s).join('[REDACTED]');
  for (const re of PATTERNS) out = out.replace(re, '[REDACTED]');
  return out;
}
