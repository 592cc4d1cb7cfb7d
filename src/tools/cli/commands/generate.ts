/**
 * Generated files kept in the repository: the JSON Schemas (fixtures/schema/) and the
 * pictures of the scenarios (docs/pictures/). Each command writes them, or with --check
 * says which are stale (exit 1), so tests and CI can keep them current.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { jsonSchemas, jsonSchemaText } from '../../../scenarios/json-schema.js';
import { EXIT_FAILED, EXIT_OK, UsageError, writeOutput, type CliCommand, type CliIo } from '../io.js';
import { pictureOf } from './draw.js';

export function bundledPath(io: CliIo, rel: string): string {
  return io.bundled ? io.bundled(rel) : rel;
}

function jsonFiles(io: CliIo, dir: string): string[] {
  if (io.readDir === undefined) throw new UsageError('this environment cannot list directories');
  let names: string[];
  try {
    names = io.readDir(dir);
  } catch {
    return [];
  }
  return names.filter((f) => f.endsWith('.json')).sort().map((f) => join(dir, f));
}

/** Every scenario file shipped in fixtures/scenarios (and its threats/ lab), sorted. */
export function bundledScenarios(io: CliIo): string[] {
  const dir = bundledPath(io, 'fixtures/scenarios');
  return [...jsonFiles(io, dir), ...jsonFiles(io, join(dir, 'threats'))];
}

/** file name → content of every picture docs/pictures should hold. */
export function expectedPictures(io: CliIo): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of bundledScenarios(io)) out.set(file.replace(/^.*\/scenarios\//, '').replace(/\//g, '-').replace(/\.json$/, '.svg'), pictureOf(io, file));
  out.set('default-machine.svg', pictureOf(io, bundledPath(io, 'fixtures/topologies/default.json')));
  return out;
}

function writeOrCheck(io: CliIo, dir: string, files: Map<string, string>, check: boolean): number {
  const stale: string[] = [];
  for (const [name, content] of files) {
    const path = join(dir, name);
    if (check) {
      let cur: string | null = null;
      try {
        cur = io.readFile(path);
      } catch {
        cur = null;
      }
      if (cur !== content) stale.push(path);
    } else {
      writeOutput(io, path, content);
    }
  }
  if (check) {
    if (stale.length > 0) {
      io.err(`stale or missing (regenerate with npm run schema / npm run docs:pictures):\n${stale.map((s) => `  ${s}`).join('\n')}`);
      return EXIT_FAILED;
    }
    io.out(`${files.size} files in ${dir} are current`);
  } else {
    io.out(`wrote ${files.size} files to ${dir}`);
  }
  return EXIT_OK;
}

function options(argv: string[]): { dir: string; check: boolean } {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { 'out-dir': { type: 'string' }, check: { type: 'boolean' } } });
  if (positionals.length > 0) throw new UsageError('no positional arguments');
  if (values['out-dir'] === undefined) throw new UsageError('needs --out-dir DIR');
  return { dir: values['out-dir'], check: values.check === true };
}

export const schemaCommand: CliCommand = {
  name: 'schema',
  summary: 'write the JSON Schemas of scenario and topology files (npm run schema)',
  help: `Usage: vfio-sim schema --out-dir DIR [--check]

Examples:
  vfio-sim schema --out-dir fixtures/schema
  vfio-sim schema --out-dir fixtures/schema --check     exit 1 if the files are stale`,
  run(argv, io) {
    const { dir, check } = options(argv);
    return writeOrCheck(io, dir, new Map(jsonSchemas().map(([n, d]) => [n, jsonSchemaText(d)])), check);
  },
};

export const picturesCommand: CliCommand = {
  name: 'pictures',
  summary: 'draw every bundled scenario at its end as SVG (npm run docs:pictures)',
  help: `Usage: vfio-sim pictures --out-dir DIR [--check]

Examples:
  vfio-sim pictures --out-dir docs/pictures
  vfio-sim pictures --out-dir docs/pictures --check     exit 1 if a picture is stale`,
  run(argv, io) {
    const { dir, check } = options(argv);
    return writeOrCheck(io, dir, expectedPictures(io), check);
  },
};
