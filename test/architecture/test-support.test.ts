/**
 * Tests reach the kernel's internal state only through test/support/kernel-state.ts
 * (docs/testing.md): no other test or example file names `<host>.kernel`, `<task>.kernel`
 * or a process's `.task` (its mm, fd table, credentials).
 * When the Kernel's fields move, one support file changes and the tests keep their text.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const WINDOW = 'test/support/kernel-state.ts';
/** This checker, which spells the patterns out. */
const SELF = 'test/architecture/test-support.test.ts';

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
/** `<process>.task` (or `spawn().task`): the kernel task behind a Process. */
const TASK = /(?:\b[A-Za-z_$][\w$]*|\))\.task\b/;

it('no test or example reaches the internal kernel except through the support window', () => {
  const offenders: string[] = [];
  for (const file of [...tsFiles(join(ROOT, 'test')), ...tsFiles(join(ROOT, 'examples'))]) {
    const rel = relative(ROOT, file);
    if (rel === WINDOW || rel === SELF) continue;
    readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
      if (REACH.test(line) || TASK.test(line)) offenders.push(`${rel}:${i + 1}: ${line.trim()}`);
    });
  }
  expect(offenders).toEqual([]);
});

it('the testing kit (src/testing) reaches the kernel only through its own window, kernel-view.ts', () => {
  const offenders: string[] = [];
  for (const file of tsFiles(join(ROOT, 'src/testing'))) {
    const rel = relative(ROOT, file).split('\\').join('/');
    if (rel === 'src/testing/kernel-view.ts') continue;
    readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
      if (REACH.test(line) || TASK.test(line)) offenders.push(`${rel}:${i + 1}: ${line.trim()}`);
    });
  }
  expect(offenders).toEqual([]);
});

it('the patterns catch a kernel reach and a task reach (the checker can fail)', () => {
  expect(REACH.test('const k = host.kernel.pci;')).toBe(true);
  expect(TASK.test('expect(p.task.mm.lockedVm).toBe(0n);')).toBe(true);
  expect(TASK.test('host.spawn().task.capable(x)')).toBe(true);
  expect(TASK.test('expect(tasks(h).length).toBe(2);')).toBe(false);
  expect(REACH.test("topo.kernel.grouping = 'classic';")).toBe(false);
});
