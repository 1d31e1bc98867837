/**
 * The type declarations the package ships are what a user's editor shows on hover: they must stand
 * alone, citing no document the package does not contain (the repository's DESIGN.md or docs/).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from '../package/packed.js';

/** Documents that exist in the repository but not in the package (`files`: dist and the top-level .md files). */
const NOT_SHIPPED = /\bDESIGN\b|\bdocs\/[\w.-]+\.md\b/g;

describe('the shipped type declarations', () => {
  it('cite no document that is not in the package', () => {
    ensureBuilt();
    const dist = join(ROOT, 'dist');
    const declarations = readdirSync(dist).filter((f) => /\.d\.c?ts$/.test(f));
    expect(declarations).toEqual(expect.arrayContaining(['index.d.ts', 'openai.d.ts', 'anthropic.d.ts', 'testing.d.ts', 'index.d.cts']));
    const citations = declarations.flatMap((file) =>
      readFileSync(join(dist, file), 'utf8')
        .split('\n')
        .flatMap((line, i) => (line.match(NOT_SHIPPED) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(citations).toEqual([]);
  }, 660_000); // may wait for another file's build of dist/ on a loaded machine
});
