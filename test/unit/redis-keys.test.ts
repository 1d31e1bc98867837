import { describe, expect, it } from 'vitest';
import { breakerKeyPattern, breakerKeys, hasBraces, isKeyPart, parseBreakerKey } from '../../src/breaker/redis-keys.js';

describe('redis-keys: the one key layout', () => {
  it('names a breaker\'s state hash and legacy probes key inside one hash tag', () => {
    expect(breakerKeys('llmb', 'openai')).toEqual({ hash: 'llmb:{openai}', probes: 'llmb:{openai}:probes' });
  });

  it('parses back exactly the names it writes', () => {
    for (const name of ['openai', 'ns:anthropic', 'a-b_c.d']) {
      expect(parseBreakerKey('llmb', breakerKeys('llmb', name).hash)).toBe(name);
    }
  });

  it('rejects keys that are not a state hash under the prefix', () => {
    expect(parseBreakerKey('llmb', 'llmb:{openai}:probes')).toBeUndefined();
    expect(parseBreakerKey('llmb', 'other:{openai}')).toBeUndefined();
    expect(parseBreakerKey('llmb', 'llmb:{}')).toBeUndefined();
    expect(parseBreakerKey('llmb', 'llmb:{a b}')).toBeUndefined();
    expect(parseBreakerKey('llmb', 'llmb:{a{b}')).toBeUndefined();
  });

  it('escapes glob characters of the prefix in the scan pattern', () => {
    expect(breakerKeyPattern('a*b?[c]')).toBe('a\\*b\\?\\[c\\]:{*}');
  });

  it('states the brace and whitespace rules', () => {
    expect(hasBraces('a{b')).toBe(true);
    expect(hasBraces('a b')).toBe(false);
    expect(isKeyPart('a b')).toBe(false);
    expect(isKeyPart('llmb')).toBe(true);
  });
});
