/**
 * Checks a CompletionRequest before any provider sees it, so a malformed request fails fast with a
 * ConfigError naming the field, instead of as a provider 400 after a network round trip.
 * @module
 */
import { describe } from './breaker/options.js';
import { ConfigError } from './errors/config-error.js';
import type { CompletionRequest } from './types.js';

const ROLES = new Set(['system', 'user', 'assistant', 'tool']);

export function validateRequest(r: CompletionRequest): void {
  const at = (p: string) => `request.${p}`;
  if (typeof r !== 'object' || r === null) throw new ConfigError('request', `must be an object, got ${describe(r)}`);
  if (!Array.isArray(r.messages) || r.messages.length === 0) throw new ConfigError(at('messages'), 'must be a non-empty array');
  r.messages.forEach((m, i) => {
    const p = `messages[${i}]`;
    if (typeof m !== 'object' || m === null) throw new ConfigError(at(p), `must be an object, got ${describe(m)}`);
    if (!ROLES.has(m.role)) throw new ConfigError(at(`${p}.role`), `must be system, user, assistant or tool, got ${describe(m.role)}`);
    if (m.role === 'user') {
      if (typeof m.content !== 'string' && !Array.isArray(m.content)) throw new ConfigError(at(`${p}.content`), 'must be a string or an array of parts');
    } else if (m.role === 'system') {
      if (typeof m.content !== 'string') throw new ConfigError(at(`${p}.content`), 'must be a string');
    } else if (m.role === 'tool') {
      if (typeof m.toolCallId !== 'string' || m.toolCallId === '') throw new ConfigError(at(`${p}.toolCallId`), 'must name the tool call it answers');
      if (typeof m.content !== 'string') throw new ConfigError(at(`${p}.content`), 'must be a string');
    } else if (m.content !== undefined && typeof m.content !== 'string') {
      throw new ConfigError(at(`${p}.content`), 'must be a string');
    }
  });
  if (r.system !== undefined && typeof r.system !== 'string') throw new ConfigError(at('system'), 'must be a string');
  if (r.tools !== undefined) {
    if (!Array.isArray(r.tools)) throw new ConfigError(at('tools'), 'must be an array');
    r.tools.forEach((t, i) => {
      if (typeof t?.name !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(t.name)) {
        throw new ConfigError(at(`tools[${i}].name`), `must match [A-Za-z0-9_-]{1,64}, got ${describe(t?.name)}`);
      }
    });
  }
  const num = (k: 'temperature' | 'topP' | 'maxTokens', min: number, max: number, int = false) => {
    const v = r[k];
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (int && !Number.isInteger(v))) {
      throw new ConfigError(at(k), `must be ${int ? 'an integer' : 'a number'} from ${min} to ${max}, got ${describe(v)}`);
    }
  };
  num('temperature', 0, 2);
  num('topP', 0, 1);
  num('maxTokens', 1, 10_000_000, true);
  if (r.stop !== undefined && (!Array.isArray(r.stop) || r.stop.some((s) => typeof s !== 'string'))) {
    throw new ConfigError(at('stop'), 'must be an array of strings');
  }
}
