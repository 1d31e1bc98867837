/**
 * The security section of docs/reliability.md (issue 20, Done when) stays true to its sources:
 * it is the text `test/fleet/report.ts` copies from `test/fleet/security-section.md`, every test
 * file it cites as evidence exists, and the README's "What must be trusted" links to it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');
const section = read('test/fleet/security-section.md').trimEnd();

describe('the threat model in docs/reliability.md', () => {
  it('is the section the report generator copies, verbatim', () => {
    expect(read('docs/reliability.md').trimEnd().endsWith(section)).toBe(true);
    expect(read('test/fleet/report.ts')).toContain("'security-section.md'");
  });

  it('names the three parties: the Redis, readers of errors and logs, the terminal', () => {
    for (const heading of ['### 1. Whoever can write to the Redis', '### 2. Whoever can read errors, events, logs and telemetry', '### 3. Whoever sees the terminal']) {
      expect(section).toContain(heading);
    }
  });

  it('cites only test files that exist', () => {
    const cited = [...section.matchAll(/`(test\/[\w./-]+\.ts)`/g)].map((m) => m[1]!);
    expect(cited.length).toBeGreaterThan(5);
    for (const file of cited) expect(existsSync(new URL(file, root)), file).toBe(true);
  });

  it("is linked from the README's 'What must be trusted', by its anchor", () => {
    const heading = /^## (Security: .*)$/m.exec(section)?.[1];
    expect(heading).toBeDefined();
    const anchor = heading!.toLowerCase().replace(/[^\w\s-]/g, '').replace(/\s+/g, '-');
    expect(read('README.md')).toContain(`(docs/reliability.md#${anchor})`);
  });
});
