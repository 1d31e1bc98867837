#!/usr/bin/env node
/**
 * The `llm-breaker` command (package `bin`): `llm-breaker status --redis URL`, `open NAME`,
 * `close NAME`, `reset NAME`. Run `llm-breaker --help`.
 * @module
 */
import { runCli } from './main.js';

const controller = new AbortController();
const stop = (): void => controller.abort();
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: controller.signal });
process.off('SIGINT', stop);
process.off('SIGTERM', stop);
process.exitCode = code;
// A client torn down mid-handshake can leave a socket timer behind: never let it delay the exit.
setTimeout(() => process.exit(), 200).unref();
