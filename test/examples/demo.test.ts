import { describe, expect, it } from 'vitest';
import { main as demo } from '../../examples/demo.js';
import { main as basic } from '../../examples/basic.js';
import { main as stream } from '../../examples/stream.js';

describe('examples run with no API key', () => {
  it('npm run demo tells the whole outage story: open, fail over, probe, recover', async () => {
    const lines: string[] = [];
    const { served } = await demo((l) => lines.push(l));
    const text = lines.join('\n');
    expect(served).not.toContain('none'); // no call failed
    // primary first, then the fallback during the outage, then the primary again
    const firstFallback = served.indexOf('anthropic');
    const lastFallback = served.lastIndexOf('anthropic');
    expect(served.slice(0, firstFallback).every((p) => p === 'openai')).toBe(true);
    expect(served.slice(lastFallback + 1).length).toBeGreaterThan(5);
    expect(served.slice(lastFallback + 1).every((p) => p === 'openai')).toBe(true);
    expect(text).toContain('openai: closed → open');
    expect(text).toContain('openai: open → half_open');
    expect(text).toContain('openai: half_open → closed');
    expect(text).toMatch(/requests to openai: 0/); // the open circuit spares the dead primary
  }, 30_000);

  it('examples/basic.ts answers through the mock provider', async () => {
    const saved = { o: process.env.OPENAI_API_KEY, a: process.env.ANTHROPIC_API_KEY };
    delete process.env.OPENAI_API_KEY;
    delete process.env.ANTHROPIC_API_KEY;
    try {
      const lines: string[] = [];
      await expect(basic((l) => lines.push(l))).resolves.toContain('Paris');
      expect(lines.join('\n')).toMatch(/openai\/gpt-4o-mini/);
    } finally {
      if (saved.o !== undefined) process.env.OPENAI_API_KEY = saved.o;
      if (saved.a !== undefined) process.env.ANTHROPIC_API_KEY = saved.a;
    }
  });

  it('examples/stream.ts fails over before the first token', async () => {
    const saved = { o: process.env.OPENAI_API_KEY, a: process.env.ANTHROPIC_API_KEY };
    delete process.env.OPENAI_API_KEY;
    delete process.env.ANTHROPIC_API_KEY;
    try {
      let out = '';
      const text = await stream((s) => (out += s));
      expect(text).toContain('Streams fail over');
      expect(out).toMatch(/anthropic\/claude-haiku-4-5/);
      expect(out).toMatch(/openai:\w+ → anthropic:success/);
    } finally {
      if (saved.o !== undefined) process.env.OPENAI_API_KEY = saved.o;
      if (saved.a !== undefined) process.env.ANTHROPIC_API_KEY = saved.a;
    }
  });
});
