/**
 * Tests reach the kernel's internal state only through test/support/kernel-state.ts
 * (docs/testing.md): no other test or example file names `<host>.kernel` or `<task>.kernel`.
 * When the Kernel's fields move, one support file changes and the tests keep their text.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const WINDOW = 'test/support/kernel-state.ts';

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) tsFiles(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** `<identifier>.kernel` followed by a member access or the end of an expression (not `.kernel.grouping` of a topology JSON). */
const REACH = /\b[A-Za-z_$][\w$]*\.kernel\b(?!\.grouping|\.params)/;

it('no test or example reaches the internal kernel except through the support window', () => {
  const offenders: string[] = [];
  for (const file of [...tsFiles(join(ROOT, 'test')), ...tsFiles(join(ROOT, 'examples'))]) {
    const rel = relative(ROOT, file);
    if (rel === WINDOW) continue;
    readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
      if (REACH.test(line)) offenders.push(`${rel}:${i + 1}: ${line.trim()}`);
    });
  }
  expect(offenders).toEqual([]);
});
