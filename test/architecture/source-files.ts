/** The architecture tests' shared view of the tree: the repo root and the non-test sources below a folder. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

export const ROOT = resolve(import.meta.dirname, '../..');

/** Every non-test, non-declaration .ts file below `dir` (absolute), unsorted. */
export function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** `p` relative to the repo root, with forward slashes. */
export const rel = (p: string): string => relative(ROOT, p).split('\\').join('/');

/** Parse the file at `p`. */
export const parse = (p: string): ts.SourceFile => ts.createSourceFile(p, readFileSync(p, 'utf8'), ts.ScriptTarget.Latest, true);
