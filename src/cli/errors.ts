/**
 * CLI failures: a message for the operator and an exit code.
 * @module
 */

/** Exit codes of the `llm-breaker` CLI. */
export const EXIT = Object.freeze({
  OK: 0,
  /** A command failed after connecting (e.g. a Redis error reply). */
  FAILED: 1,
  /** Bad usage, an invalid Redis URL, or Redis unreachable. */
  USAGE: 2,
});

/** An error the CLI reports as one line on stderr, exiting with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.USAGE,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
