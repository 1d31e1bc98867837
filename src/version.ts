/** The package version (instrumentation scope version, CLI `--version`). Kept equal to package.json by a test. */
export const VERSION = '0.1.0';
