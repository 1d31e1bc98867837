/**
 * The built package as a user gets it: `dist/` (rebuilt when older than the sources), packed with
 * `npm pack` (so the `files` list is exercised) and unpacked into throwaway consumer projects.
 */
import { execFileSync, execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/**
 * Outside the repository: a consumer inside it would find this repository's node_modules (and its
 * package.json, by self-reference) when resolving, hiding a missing dependency or a broken export.
 */
let work: string | undefined;
function workDir(): string {
  return (work ??= mkdtempSync(join(tmpdir(), 'llm-breaker-package-')));
}

/** Removes the consumers and the tarball. */
export function cleanUp(): void {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
  work = undefined;
}

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** `dist/` is newer than every source. */
function isBuilt(): boolean {
  const marker = join(ROOT, 'dist', 'index.d.cts');
  const inputs = ['src', 'providers', 'tsup.config.ts', 'tsconfig.json', 'tsconfig.build.json', 'package.json'].map((p) => join(ROOT, p));
  const sources = Math.max(...inputs.filter((p) => existsSync(p)).map(newestMtime));
  return existsSync(marker) && statSync(marker).mtimeMs >= sources && existsSync(join(ROOT, 'dist', 'cli.js'));
}

/** A slow machine (2 cores shared by many test workers) may take minutes to build. */
const BUILD_TIMEOUT_MS = 300_000;

/**
 * Builds `dist/` unless it is newer than every source (CI's `npm run check` built it just before).
 * Test files run in parallel workers: one builds while the others wait for its build (a lock
 * directory outside the repository), so a fresh clone's `npm test` builds once, and no build
 * cleans `dist/` under another file reading it.
 */
export function ensureBuilt(): void {
  if (isBuilt()) return;
  const lock = join(tmpdir(), `llm-breaker-build-${createHash('sha1').update(ROOT).digest('hex').slice(0, 12)}`);
  const giveUp = Date.now() + 2 * BUILD_TIMEOUT_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const since = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if (since > BUILD_TIMEOUT_MS + 30_000) rmSync(lock, { recursive: true, force: true }); // its builder died
    else if (Date.now() > giveUp) throw new Error(`ensureBuilt: another test file has held ${lock} for too long`);
    else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
  }
  try {
    if (!isBuilt()) execFileSync(process.execPath, [join(ROOT, 'node_modules', 'tsup', 'dist', 'cli-default.js')], { cwd: ROOT, stdio: 'pipe', timeout: BUILD_TIMEOUT_MS });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** `npm pack`s the package and returns the tarball's path. */
export function pack(): string {
  const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', workDir()], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  const file = out.trim().split('\n').pop() ?? '';
  return join(workDir(), file);
}

/**
 * A consumer project with the packed package installed and `deps` linked from this repository's
 * node_modules (nothing else: a dependency not listed cannot be found).
 */
export function consumer(name: string, tarball: string, deps: readonly string[]): string {
  const dir = join(workDir(), name);
  const pkgDir = join(dir, 'node_modules', 'llm-breaker');
  mkdirSync(pkgDir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `consumer-${name}`, private: true }));
  execFileSync('tar', ['-xzf', tarball, '-C', pkgDir, '--strip-components=1']);
  for (const dep of deps) {
    const target = join(dir, 'node_modules', dep);
    mkdirSync(join(target, '..'), { recursive: true });
    symlinkSync(relative(join(target, '..'), join(ROOT, 'node_modules', dep)), target, 'dir');
  }
  return dir;
}

export interface NodeRun {
  code: number;
  stdout: string;
  stderr: string;
  /** True when the process had not exited by itself within the time allowed, and was killed. */
  timedOut: boolean;
}

export interface NodeRunOptions {
  /** Environment variables besides `PATH` (nothing else is inherited). */
  env?: Record<string, string>;
  /** Time allowed before the process is killed. @default 30000 */
  timeoutMs?: number;
}

/** Runs `node ...args` in `cwd`. */
export function node(cwd: string, args: readonly string[], options: NodeRunOptions = {}): Promise<NodeRun> {
  const env = { ...options.env, PATH: process.env.PATH ?? '' };
  return new Promise((resolve) => {
    execFile(process.execPath, [...args], { cwd, timeout: options.timeoutMs ?? 30_000, env }, (error, stdout, stderr) => {
      const timedOut = error?.killed === true && error.signal === 'SIGTERM';
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr, timedOut });
    });
  });
}

/** The last line of a run's stdout, parsed as JSON (the scripts print their findings last). */
export function lastJson<T>(run: NodeRun): T {
  const line = run.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new Error(`expected JSON from the child process, got:\n${run.stdout}\n${run.stderr}`);
  }
}
