/**
 * docs/architecture.md's "where does X live" table and the folder notes, and the paths
 * docs/conventions.md names, point at files that exist: a file that moves takes its doc line
 * with it (issue 11: a newcomer's first screen must not send them to a file that is gone).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './source-files.js';

const doc = (name: string): string => readFileSync(join(ROOT, 'docs', name), 'utf8');

/** The paths in the `where` column of the table under `## Where does X live` (src/-relative unless rooted elsewhere). */
function tablePaths(text: string): string[] {
  const section = text.split('## Where does X live')[1]?.split('\n## ')[0] ?? '';
  const rows = section.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| what') && !l.startsWith('|---'));
  return rows.flatMap((row) => {
    const where = row.split('|')[2] ?? '';
    return where.replace(/\([^)]*\)/g, '').split(',').map((p) => p.trim()).filter((p) => p !== '' && !p.includes('<'));
  });
}

/** `**kernel/fs**`-style folder names of the "what each folder holds" list. */
const boldFolders = (text: string): string[] => [...text.matchAll(/\*\*((?:hardware|kernel)\/[\w./-]+)\*\*/g)].map((m) => m[1]!);

/** Backticked repo paths (`src/…`, `test/…`) of a doc. */
const tickedPaths = (text: string): string[] => [...text.matchAll(/`((?:src|test)\/[\w./-]+)`/g)].map((m) => m[1]!);

const exists = (p: string): boolean => existsSync(join(ROOT, p)) || existsSync(join(ROOT, 'src', p));

describe('docs point at files that exist', () => {
  it('architecture.md: every path of the "where does X live" table and every folder note', () => {
    const paths = [...tablePaths(doc('architecture.md')), ...boldFolders(doc('architecture.md'))];
    expect(paths.length).toBeGreaterThan(30);
    expect(paths.filter((p) => !exists(p))).toEqual([]);
  });

  it('conventions.md: every backticked src/ or test/ path', () => {
    const paths = tickedPaths(doc('conventions.md'));
    expect(paths.length).toBeGreaterThan(10);
    expect(paths.filter((p) => !exists(p))).toEqual([]);
  });

  it('the table reader finds a stale row (the check can fail)', () => {
    const text = '## Where does X live\n\n| what | where | owner |\n|---|---|---|\n| gone | kernel/nowhere.ts, base/clock.ts | x |\n\n## Next';
    expect(tablePaths(text).filter((p) => !exists(p))).toEqual(['kernel/nowhere.ts']);
  });
});
