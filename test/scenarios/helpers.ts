import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { CliIo } from '../../src/tools/cli/io.js';

export const SCENARIO_DIR = 'fixtures/scenarios';

export function readJsonFile(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8')) as unknown;
}

export function loaderFor(file: string): (p: string) => unknown {
  return (p) => readJsonFile(resolve(dirname(file), p));
}

export function bundledScenarioFiles(): string[] {
  return readdirSync(SCENARIO_DIR).filter((f) => f.endsWith('.json')).sort().map((f) => join(SCENARIO_DIR, f));
}

/** A CliIo over the real file system that records output; writes go to `writes`. */
export function recordingIo(): CliIo & { outText: () => string; errText: () => string; writes: Map<string, string> } {
  let out = '';
  let err = '';
  const writes = new Map<string, string>();
  return {
    out: (t) => void (out += `${t}\n`),
    err: (t) => void (err += `${t}\n`),
    readFile: (p) => writes.get(p) ?? readFileSync(p, 'utf8'),
    writeFile: (p, d) => void writes.set(p, d),
    readDir: (p) => readdirSync(p).sort(),
    outText: () => out,
    errText: () => err,
    writes,
  };
}

export function writeTemp(name: string, json: unknown): string {
  const p = `/tmp/vfio-sim-test-${process.pid}-${name}`;
  writeFileSync(p, typeof json === 'string' ? json : JSON.stringify(json));
  return p;
}
