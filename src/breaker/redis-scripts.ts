/**
 * Loads the Redis store's Lua scripts (`lua/<name>-<numKeys>.lua`, one per atomic operation),
 * splices their shared code (`--- @include "x"` → `lua/includes/x.lua`), and defines them on an
 * ioredis client as custom commands (EVALSHA, falling back to EVAL once per connection).
 * @module
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The operations, one script each. */
export const SCRIPT_NAMES = [
  'record-successes',
  'record-failure',
  'acquire-probe',
  'release-probe',
  'renew-probe',
  'force-open',
  'force-close',
  'reset',
  'read',
  'adopt-open',
] as const;
export type ScriptName = (typeof SCRIPT_NAMES)[number];

/** A script ready to be defined on a client. */
export interface LoadedScript {
  readonly name: ScriptName;
  /** The full Lua source, includes spliced in. */
  readonly lua: string;
  readonly numberOfKeys: number;
  /** The ioredis command name: unique per script content, so two package copies never clash. */
  readonly command: string;
}

/** Environment variable that overrides where the scripts are (for unusual bundlers). */
export const LUA_DIR_ENV = 'LLM_BREAKER_LUA_DIR';

/**
 * The one place that says where the Lua scripts are: `lua/` next to this module. From the sources
 * that is `src/breaker/lua/`; in a bundled build `import.meta.url` is the bundle, so the build must
 * copy `src/breaker/lua/` to `dist/lua/` (next to the bundle). `LLM_BREAKER_LUA_DIR` overrides it.
 */
export function luaDirectory(): string {
  const override = process.env[LUA_DIR_ENV];
  if (override) return override;
  return fileURLToPath(new URL('./lua/', import.meta.url));
}

const INCLUDE = /^--- @include "([\w-]+)"[ \t]*$/gm;
const SCRIPT_FILE = /^([a-z-]+)-(\d+)\.lua$/;

function spliceIncludes(source: string, dir: string, seen: Set<string>, from: string): string {
  return source.replace(INCLUDE, (_line, include: string) => {
    if (seen.has(include)) return `-- (include "${include}" already spliced above)`;
    seen.add(include);
    const file = `${dir}/includes/${include}.lua`;
    if (!existsSync(file)) throw new Error(`llm-breaker: ${from} includes "${include}", but ${file} does not exist`);
    const body = spliceIncludes(readFileSync(file, 'utf8'), dir, seen, `includes/${include}.lua`);
    return `-- >>> include "${include}"\n${body.trimEnd()}\n-- <<< include "${include}"`;
  });
}

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** Reads and splices every script of `dir`. @throws Error naming the directory when a script is missing */
export function readScripts(dir: string = luaDirectory()): ReadonlyMap<ScriptName, LoadedScript> {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch (err) {
    throw new Error(
      `llm-breaker: cannot read the Redis store's Lua scripts in ${dir} (${err instanceof Error ? err.message : String(err)}); ` +
        `a bundled build must ship src/breaker/lua/ as lua/ next to the bundle, or set ${LUA_DIR_ENV}`,
      { cause: err },
    );
  }
  const scripts = new Map<ScriptName, LoadedScript>();
  for (const file of files) {
    const m = SCRIPT_FILE.exec(file);
    if (!m) continue;
    const name = m[1] as ScriptName;
    if (!(SCRIPT_NAMES as readonly string[]).includes(name)) continue;
    const lua = spliceIncludes(readFileSync(`${dir}/${file}`, 'utf8'), dir, new Set(), file);
    const sha = createHash('sha1').update(lua).digest('hex').slice(0, 10);
    scripts.set(name, { name, lua, numberOfKeys: Number(m[2]), command: `llmBreaker${camel(`-${name}`)}_${sha}` });
  }
  const missing = SCRIPT_NAMES.filter((n) => !scripts.has(n));
  if (missing.length > 0) throw new Error(`llm-breaker: missing Lua script(s) ${missing.join(', ')} in ${dir}`);
  return scripts;
}

let cached: ReadonlyMap<ScriptName, LoadedScript> | undefined;

/** The scripts of {@link luaDirectory}, read once per process. */
export function scripts(): ReadonlyMap<ScriptName, LoadedScript> {
  return (cached ??= readScripts());
}

/** What {@link defineScripts} needs from an ioredis client (a `Redis` or a `Cluster`). */
export interface ScriptHost {
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number; readOnly?: boolean }): void;
}

type ScriptCommand = (...args: string[]) => Promise<unknown>;

/** Defines every script on `client` once (a no-op when already defined, e.g. by another store). */
export function defineScripts(client: ScriptHost): void {
  const host = client as unknown as Record<string, unknown>;
  for (const s of scripts().values()) {
    if (typeof host[s.command] !== 'function') client.defineCommand(s.command, { lua: s.lua, numberOfKeys: s.numberOfKeys });
  }
}

/** Runs a script defined by {@link defineScripts}. Returns ioredis' promise (may reject). */
export function runScript(client: ScriptHost, name: ScriptName, keys: readonly string[], argv: readonly string[]): Promise<unknown> {
  const script = scripts().get(name);
  const fn = script && (client as unknown as Record<string, ScriptCommand | undefined>)[script.command];
  if (typeof fn !== 'function') return Promise.reject(new Error(`script ${name} is not defined on this client`));
  // A script is given exactly the keys it declares (its file name says how many), never more.
  return fn.call(client, ...keys.slice(0, script?.numberOfKeys), ...argv);
}
