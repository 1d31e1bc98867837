/**
 * Build: ESM (`.js` + `.d.ts`) and CJS (`.cjs` + `.d.cts`) for every public entry point, plus the
 * `llm-breaker` CLI (ESM only). p-retry is ESM-only, so the CJS build bundles it (`noExternal`);
 * every other dependency stays external. The Redis store loads its Lua scripts from `./lua/` next to the bundled
 * module, so `src/breaker/lua/**` is copied to `dist/lua/`.
 */
import { cpSync, existsSync, rmSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';

const LUA_SOURCE = 'src/breaker/lua';
const LUA_TARGET = 'dist/lua';

/** The public entry points: `.`, `./openai`, `./anthropic`, `./testing`. */
const entry = {
  index: 'src/index.ts',
  openai: 'providers/openai/index.ts',
  anthropic: 'providers/anthropic/index.ts',
  testing: 'src/testing/index.ts',
};

const shared: Options = {
  target: 'node20',
  platform: 'node',
  sourcemap: false,
  // keep class names: error `name`s come from `constructor.name`
  keepNames: true,
  removeNodeProtocol: false,
  // `import.meta.url` (Lua lookup, optional-peer loading) works in the CJS build too
  shims: true,
  tsconfig: 'tsconfig.build.json',
};

function copyLua(): Promise<void> {
  if (existsSync(LUA_SOURCE)) cpSync(LUA_SOURCE, LUA_TARGET, { recursive: true });
  return Promise.resolve();
}

export default defineConfig((): Options[] => {
  rmSync('dist', { recursive: true, force: true });
  return [
    {
      ...shared,
      entry,
      format: ['esm'],
      // one copy of shared modules (the breaker registry, the default store) for all entry points
      splitting: true,
      dts: true,
      onSuccess: copyLua,
    },
    {
      ...shared,
      entry,
      format: ['cjs'],
      // no code splitting for CJS: tsup's CJS chunks go through sucrase, which rewrites a class field
      // named like an export (`isProviderError = true`) into an assignment to that export. Each CJS
      // entry is self-contained instead; the state they share (the error brand, the secret registry)
      // lives on `Symbol.for` keys, so the copies agree.
      splitting: false,
      dts: true,
      // p-retry (and its dependency is-network-error) ship ESM only: `require()` cannot load them
      noExternal: ['p-retry', 'is-network-error'],
    },
    {
      ...shared,
      entry: { cli: 'src/cli/index.ts' },
      format: ['esm'],
      splitting: false,
      dts: false,
      onSuccess: copyLua,
    },
  ];
});
