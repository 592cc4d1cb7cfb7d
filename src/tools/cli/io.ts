/**
 * What a CLI command may touch: its output streams and the file system, passed in so
 * commands run the same in tests as from a shell. Exit codes: 0 ok, 1 a run's
 * expectation or invariant failed, 2 usage or validation error, 3 internal error.
 */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readFile(path: string): string;
  writeFile(path: string, data: string): void;
  /** File names in a directory (sorted); needed by `pictures`. */
  readDir?(path: string): string[];
  /** Where a file shipped with the package lives (`fixtures/scenarios/default.json`). */
  bundled?(relPath: string): string;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 3;

/** An error whose message is for the user (bad input), not a bug: exit 2, no stack. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Write an output file; a path that cannot be written (no such directory, a directory) is bad input. */
export function writeOutput(io: CliIo, path: string, data: string): void {
  try {
    io.writeFile(path, data);
  } catch (e) {
    throw new UsageError(`cannot write ${path}: ${(e as Error).message}`);
  }
}

export interface CliCommand {
  readonly name: string;
  readonly summary: string;
  /** Full help text, examples first. */
  readonly help: string;
  run(argv: string[], io: CliIo): number;
  /** A command that waits for a real child process (exec); runCliAsync prefers it. */
  runAsync?(argv: string[], io: CliIo): Promise<number>;
}
