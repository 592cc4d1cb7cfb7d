/**
 * The vfio-sim command line, as a function of (argv, io) → exit code so tests run it
 * without a process. Bad input gets a one-paragraph message and exit 2, never a stack.
 */
import { COMMANDS } from './commands.js';
import { EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, UsageError, type CliCommand, type CliIo } from './io.js';

export const VERSION = '0.1.0';

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'vfio-sim: a deterministic simulator of Linux VFIO (PCI topology, IOMMU groups, containers, iommufd, vfio-pci).',
    '',
    'Usage: vfio-sim <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `vfio-sim <command> --help` for a command\'s options and examples.',
    'With no command, `vfio-sim` shows the bundled default machine and runs the default scenario (`vfio-sim tour`).',
  ].join('\n');
}

export function runCli(argv: readonly string[], io: CliIo): number {
  const [first, ...rest] = argv;
  if (first === '-h' || first === '--help' || first === 'help') {
    const cmd = COMMANDS.find((c) => c.name === rest[0]);
    io.out(cmd ? cmd.help : usage());
    return EXIT_OK;
  }
  if (first === '--version' || first === '-V') {
    io.out(VERSION);
    return EXIT_OK;
  }
  const name = first === undefined ? 'tour' : first.startsWith('-') ? 'machine' : first;
  const args = first === undefined || first.startsWith('-') ? [...argv] : rest;
  const cmd = COMMANDS.find((c) => c.name === name);
  if (cmd === undefined) {
    io.err(`vfio-sim: unknown command '${name}'\n\n${usage()}`);
    return EXIT_USAGE;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.out(cmd.help);
    return EXIT_OK;
  }
  try {
    return cmd.run(args, io);
  } catch (e) {
    return failed(cmd, e, io);
  }
}

/**
 * runCli for the executable: a command with `runAsync` (exec) runs to its end; options after
 * `--` belong to the program it runs, so only those before it ask for help.
 */
export async function runCliAsync(argv: readonly string[], io: CliIo): Promise<number> {
  const cmd = COMMANDS.find((c) => c.name === argv[0]);
  const own = argv.slice(1, argv.includes('--') ? argv.indexOf('--') : argv.length);
  if (cmd?.runAsync === undefined || own.includes('--help') || own.includes('-h')) {
    if (cmd?.runAsync !== undefined) {
      io.out(cmd.help);
      return EXIT_OK;
    }
    return runCli(argv, io);
  }
  try {
    return await cmd.runAsync(argv.slice(1), io);
  } catch (e) {
    return failed(cmd, e, io);
  }
}

function failed(cmd: CliCommand, e: unknown, io: CliIo): number {
  if (e instanceof UsageError) {
    io.err(`vfio-sim ${cmd.name}: ${e.message}`);
    return EXIT_USAGE;
  }
  const code = (e as { code?: unknown }).code;
  if ((e instanceof TypeError && code === 'ERR_INVALID_ARG_TYPE') || (e instanceof RangeError && code === 'ERR_OUT_OF_RANGE')) {
    // The skin refused a value that came from the input (contract: wrong type / out of range).
    io.err(`vfio-sim ${cmd.name}: bad input: ${(e as Error).message}`);
    return EXIT_USAGE;
  }
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    io.err(`vfio-sim ${cmd.name}: ${(e as Error).message}\n\n${cmd.help}`);
    return EXIT_USAGE;
  }
  io.err(`vfio-sim ${cmd.name}: internal error (a bug in vfio-sim): ${(e as Error).stack ?? String(e)}`);
  return EXIT_INTERNAL;
}
