/**
 * The CLI's pure helpers: URL redaction, terminal escaping, "did you mean".
 */
import { describe, expect, it } from 'vitest';
import { escapeTerminal, safeJson } from '../../src/cli/escape.js';
import { displayUrl, redactUrl, scrub, UNPARSED_URL, urlSecrets } from '../../src/cli/redact-url.js';
import { closest } from '../../src/cli/suggest.js';

describe('redactUrl', () => {
  it('rebuilds the URL from its parse: password, query secrets and fragment masked', () => {
    expect(redactUrl('redis://:p4ss@word@h:6380/2')).toBe('redis://:***@h:6380/2');
    expect(redactUrl('rediss://user:pw@h?password=x&db=3&username=u')).toBe('rediss://user:***@h?password=***&db=3&username=***');
    expect(redactUrl('redis://user@h#secret')).toBe('redis://user@h#***');
    expect(redactUrl('redis://us/er:pw@h')).toBe('redis://us/…');
    expect(redactUrl('redis://:pa/ss@h')).toBe(UNPARSED_URL);
    expect(displayUrl(new URL('redis://127.0.0.1'))).toBe('redis://127.0.0.1');
  });

  it('urlSecrets finds every spelling of the password, and scrub removes them', () => {
    const secrets = urlSecrets('redis://:p4ss@word@h?password=q%40uery');
    expect(secrets).toEqual(expect.arrayContaining(['p4ss@word', 'p4ss%40word', 'q@uery']));
    expect(scrub('AUTH p4ss@word failed, q@uery too', secrets)).toBe('AUTH *** failed, *** too');
    expect(urlSecrets('redis://h:6379/0')).toEqual([]);
  });
});

describe('escapeTerminal / safeJson', () => {
  it('shows every control character as a visible escape', () => {
    expect(escapeTerminal('a\x1b[2J\x07\x08\x7f\u009b\u202e\u2066b\n')).toBe('a\\x1b[2J\\x07\\x08\\x7f\\x9b\\u202e\\u2066b\\x0a');
    expect(escapeTerminal('openai-gpt4o_ü')).toBe('openai-gpt4o_ü');
  });

  it('safeJson escapes C1 and bidi controls and stays the same JSON value', () => {
    const value = { name: 'x\u009b\u202e\x1by\u007f' };
    const text = safeJson(value);
    expect(text).toBe('{"name":"x\\u009b\\u202e\\u001by\\u007f"}');
    expect(JSON.parse(text)).toEqual(value);
  });
});

describe('closest', () => {
  it('suggests a likely typo only', () => {
    expect(closest('--intervall', ['--interval', '--json'])).toBe('--interval');
    expect(closest('opnai', ['openai', 'anthropic'])).toBe('openai');
    expect(closest('zzz', ['openai', 'anthropic'])).toBeUndefined();
  });
});
