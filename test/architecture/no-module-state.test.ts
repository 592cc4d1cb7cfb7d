/**
 * State lives in its owner (docs/conventions.md): no module of src/ keeps state of its own.
 * This parses every non-test source file and fails on
 *  - a module-level `let` or `var` (a global a second Host would share), a `let` that a
 *    closure made at load time keeps alive (the same, hidden), or a function that writes
 *    through a module-level `const` (`T[k] = v`, `list.push(x)`: the same thing);
 *  - an object constructed when the module loads (`new Map` / `WeakMap` / `Set` / `WeakSet`, a
 *    side table keyed by objects, one for every Host; or any other `new X`, a singleton) —
 *    including what an immediately invoked function, a builder function called at load time or
 *    a callback of a load-time call constructs (load-time.ts) — except the constant tables and
 *    values listed below, each with the reason it holds no state;
 *  - an import cycle through value imports (a cycle must be type-only: `import type` is a
 *    forward declaration, a value cycle is a hidden boot order; module-graph.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { loadTimeNews, type LoadTimeNews, type ReadSource } from './load-time.js';
import { cycles, valueImports } from './module-graph.js';
import { parse, rel, ROOT, sources } from './source-files.js';

/**
 * `file:name` of a module-level table or value built at load time → why it is not state. A
 * Map/Set entry must also be declared with a read-only type (ReadonlyMap, ReadonlySet, readonly
 * T[]), so that the compiler refuses a write.
 */
const ALLOWED_TABLES: Readonly<Record<string, string>> = {
  'src/base/errno.ts:BY_NUMBER': 'errno number → name, built from the errno literal table',
  'src/uapi/structs.ts:STRUCTS': 'uapi struct layouts by name, built from literals',
  'src/uapi/ioctls.ts:IOMMUFD_BY_REQUEST': 'iommufd ioctl table by request number, built from literals',
  'src/uapi/ioctls.ts:ON_FD': 'the requests each fd kind understands, by number, indexed once from the ioctl tables',
  'src/uapi/ioctls.ts:STRUCTS_ON_FD': 'the argument structs of ON_FD, derived once',
  'src/uapi/names.ts:BY_REQUEST': 'Linux request names by request number, indexed once from the ioctl tables',
  'src/uapi/arg-fields.ts:TOP_KEYS': 'the keys each uapi struct allows in an argument object, derived once from the layouts',
  'src/scenarios/values.ts:CONSTANTS': 'uapi constant names → values, for scenario files',
  'src/kernel/vfio/viability.ts:LEGACY_ALLOWED': 'driver names the legacy viability rule allows (literals)',
  'src/kernel/fs/sysfs.ts:MODULES': 'module names, derived once from the constant parameter table',
  'src/hardware/fabric/route.ts:CONVENTIONAL_BRIDGES': 'topology node type names (literals)',
  'src/hardware/topology/flatten.ts:BRIDGE_TYPES': 'topology node type names (literals)',
  'src/hardware/devices/catalog.ts:builtinModels': 'the built-in device models: a ModelCatalog is immutable (`with()` returns a new one)',
  'src/kernel/fs/devfs.ts:NAME_ORDER': 'an Intl.Collator: a comparison function, it keeps no data',
};

const FILES = sources(join(ROOT, 'src')).sort();
const FILE_SET: ReadonlySet<string> = new Set(FILES);

const COLLECTIONS = new Set(['Map', 'WeakMap', 'Set', 'WeakSet']);

/**
 * Constructors whose product holds no state wherever it is built: `new Function(…)` compiles
 * code that sees only the global scope (kernel/uaccess.ts compiles each ioctl row's copy
 * when the tables load).
 */
const STATELESS: ReadonlySet<string> = new Set(['Function']);

/** Parsed sources by absolute path: only files of the tree (src/ or test/support/) are read. */
function sourceReader(files: readonly string[]): ReadSource {
  const known = new Set(files);
  const cache = new Map<string, ts.SourceFile>();
  return (file) => {
    if (!known.has(file)) return undefined;
    let sf = cache.get(file);
    if (sf === undefined) cache.set(file, (sf = parse(file)));
    return sf;
  };
}

function declaredNames(st: ts.Statement): string {
  if (ts.isVariableStatement(st)) return st.declarationList.declarations.map((d) => d.name.getText()).join(',');
  if (ts.isClassDeclaration(st) || ts.isFunctionDeclaration(st)) return st.name?.text ?? '<anonymous>';
  return '<statement>';
}

interface Finding {
  readonly where: string;
  readonly what: string;
}

function moduleStateOf(file: string, read: ReadSource, news: LoadTimeNews): Finding[] {
  const sf = read(file)!;
  const out: Finding[] = [];
  for (const st of sf.statements) {
    const where = `${rel(file)}:${declaredNames(st)}`;
    if (ts.isVariableStatement(st) && (st.declarationList.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) !== ts.NodeFlags.Const) {
      out.push({ where, what: 'module-level let/var' });
    }
    for (const c of news(file, st)) {
      if (c.startsWith('let ')) out.push({ where, what: `module-level state: ${c}` });
      else if (!STATELESS.has(c)) out.push({ where, what: `module-level new ${c}` });
    }
  }
  return out;
}

/** Methods that change the array, Map or Set they are called on. */
const MUTATORS = new Set(['push', 'pop', 'shift', 'unshift', 'splice', 'sort', 'reverse', 'fill', 'copyWithin', 'set', 'add', 'delete', 'clear']);

/** `a.b.c` / `a[i]` → `a`. */
function rootName(e: ts.Expression): string | undefined {
  while (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e) || ts.isParenthesizedExpression(e)) e = e.expression;
  return ts.isIdentifier(e) ? e.text : undefined;
}

/**
 * Writes, inside a function, through a module-level binding: `T.x = …`, `T[k] = …`, `delete T.x`,
 * `T.push(…)`/`.set(…)`/… — a `const` object or array that a call changes is module state as
 * much as a `let` is. A local that shadows a module-level name is reported too (rename it).
 */
function moduleWrites(file: string, sf: ts.SourceFile): Finding[] {
  const names = new Set(sf.statements.filter(ts.isVariableStatement).flatMap((st) => st.declarationList.declarations.map((d) => d.name.getText())));
  const out: Finding[] = [];
  const hit = (target: ts.Expression, n: ts.Node): void => {
    const r = rootName(target);
    if (r !== undefined && names.has(r)) out.push({ where: `${rel(file)}:${r}`, what: `written from a function: ${n.getText().slice(0, 60)}` });
  };
  const visit = (n: ts.Node, inFn: boolean): void => {
    const fn = inFn || ts.isFunctionLike(n) || ts.isClassStaticBlockDeclaration(n);
    if (fn && ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment && !ts.isIdentifier(n.left)) hit(n.left, n);
    if (fn && ts.isDeleteExpression(n)) hit(n.expression, n);
    if (fn && ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && MUTATORS.has(n.expression.name.text)) hit(n.expression.expression, n);
    ts.forEachChild(n, (c) => visit(c, fn));
  };
  visit(sf, false);
  return out;
}

/** `file:name` of a module-level object a function writes to → why no value survives the call. */
const ALLOWED_WRITES: Readonly<Record<string, string>> = {
  'src/scenarios/values.ts:TOKEN': 'a sticky RegExp: evalTerms sets lastIndex before every exec, so no position outlives a call',
};

/** The declared type of the module-level `name` in `file`, as written ('' if none). */
function declaredType(file: string, name: string): string {
  for (const st of READ(file)!.statements) {
    if (!ts.isVariableStatement(st)) continue;
    const d = st.declarationList.declarations.find((x) => x.name.getText() === name);
    if (d !== undefined) return d.type?.getText() ?? '';
  }
  return '';
}

function valueCycles(): string[][] {
  const graph = new Map(FILES.map((f) => [f, valueImports(f, READ(f)!).filter((t) => FILE_SET.has(t))] as const));
  return cycles(graph).map((c) => c.map(rel));
}

const mem = (name: string, text: string): ts.SourceFile => ts.createSourceFile(name, text, ts.ScriptTarget.Latest, true);

/** What the checker finds in a one-file (or several-file) tree given as text. */
function findingsIn(files: Readonly<Record<string, string>>): string[] {
  const read: ReadSource = (f) => (files[f] === undefined ? undefined : mem(f, files[f]));
  const first = Object.keys(files)[0]!;
  const news = loadTimeNews(read);
  return read(first)!.statements.flatMap((st) => news(first, st));
}

const READ = sourceReader([...FILES, ...sources(join(ROOT, 'test/support'))]);
const NEWS = loadTimeNews(READ);
const stateOf = (file: string): Finding[] => moduleStateOf(file, READ, NEWS);

describe('architecture: state lives in its owner', () => {
  it('finds the source files', () => {
    expect(FILES.length).toBeGreaterThan(100);
  });

  it('no module-level let/var, and no object built at load time outside the constant tables', () => {
    const findings = FILES.flatMap(stateOf);
    const unexpected = findings.filter((f) => !(f.what.startsWith('module-level new') && Object.hasOwn(ALLOWED_TABLES, f.where)));
    expect(unexpected).toEqual([]);
  });

  it('test/support keeps no module-level state either (a helper shared by every test file)', () => {
    const support = sources(join(ROOT, 'test/support')).sort();
    expect(support.length).toBeGreaterThan(3);
    expect(support.flatMap(stateOf)).toEqual([]);
  });

  it('every allow-list entry still exists (a removed table leaves the list)', () => {
    const present = new Set(FILES.flatMap(stateOf).map((f) => f.where));
    expect(Object.keys(ALLOWED_TABLES).filter((k) => !present.has(k))).toEqual([]);
  });

  it('no function writes to a module-level object (a const table changed after load is state)', () => {
    const writes = FILES.flatMap((f) => moduleWrites(f, READ(f)!)).filter((w) => !Object.hasOwn(ALLOWED_WRITES, w.where));
    expect(writes).toEqual([]);
  });

  it('every allowed write still happens (a removed one leaves the list)', () => {
    const present = new Set(FILES.flatMap((f) => moduleWrites(f, READ(f)!)).map((w) => w.where));
    expect(Object.keys(ALLOWED_WRITES).filter((k) => !present.has(k))).toEqual([]);
  });

  it('the write finder finds writes through a module-level const (the checker can fail)', () => {
    const sf = mem('/s/x.ts', [
      'const cache: Record<string, number> = {};',
      'const list: number[] = [];',
      'const T = new Map<string, number>([["a", 1]]);',
      'const ok = [1, 2];',
      'ok.push(3);',
      'export function f(k: string) { cache[k] = 1; list.push(2); T.set(k, 3); delete cache.x; return ok.map((x) => x); }',
    ].join('\n'));
    expect(moduleWrites('/s/x.ts', sf).map((w) => w.where.replace(/^.*:/, ''))).toEqual(['cache', 'list', 'T', 'cache']);
  });

  it('an allowed Map/Set table is declared read-only, so no code can write to it', () => {
    const tables = new Set(FILES.flatMap(stateOf).filter((f) => COLLECTIONS.has(f.what.replace('module-level new ', ''))).map((f) => f.where));
    const writable = [...tables].filter((where) => {
      const [file, name] = where.split(':') as [string, string];
      return !/^(Readonly(Map|Set)<|readonly )/.test(declaredType(join(ROOT, file), name));
    });
    expect(writable).toEqual([]);
  });

  it('a module-level WeakMap is caught (the checker can fail)', () => {
    const sf = ts.createSourceFile('x.ts', 'const cache = new WeakMap<object, number>();\nfunction f() { return new Map(); }\nlet n = 0;', ts.ScriptTarget.Latest, true);
    const news = loadTimeNews(() => undefined);
    expect(sf.statements.flatMap((s) => news('x.ts', s))).toEqual(['WeakMap']);
  });

  it('a table built at load time by an IIFE, a builder, a callback or a static block is caught', () => {
    expect(findingsIn({ 'x.ts': 'const t = (() => { const m = new Map(); return m; })();' })).toEqual(['Map']);
    expect(findingsIn({ 'x.ts': 'const t = (function () { return new WeakMap(); })();' })).toEqual(['WeakMap']);
    expect(findingsIn({ 'x.ts': 'const t = build();\nfunction build() { const add = () => new Set(); return add(); }' })).toEqual(['Set']);
    expect(findingsIn({ 'x.ts': 'const t = [1].map((k) => [k, new Map()]);\nconst u = [2].map(mk);\nfunction mk() { return new WeakSet(); }' })).toEqual(['Map', 'WeakSet']);
    expect(findingsIn({ 'x.ts': 'class C { static readonly s = new Set(); static { C.m = new Map(); } x = new WeakMap(); }' })).toEqual(['Set', 'Map']);
    expect(findingsIn({ 'x.ts': 'const r = new Registry();' })).toEqual(['Registry']);
  });

  it('a variable kept alive by a closure made at load time is caught', () => {
    expect(findingsIn({ 'x.ts': 'export const next = (() => { let n = 0; return () => n++; })();' })).toEqual(['let n (a closure made at load time keeps it)']);
    expect(findingsIn({ 'x.ts': 'const t = mk();\nfunction mk() { let sum = 0; for (const x of [1]) sum += x; const k = 1; return () => k; }' })).toEqual([]);
  });

  it('a builder imported from another file is followed; a function nobody calls at load time is not', () => {
    const files = {
      '/s/a.ts': "import { build, later } from './b.js';\nconst t = build();\nexport function f() { return later(); }",
      '/s/b.ts': 'export function build() { return new Map(); }\nexport const later = () => new Set();',
    };
    expect(findingsIn(files)).toEqual(['Map']);
  });

  it('the cycle finder finds a cycle (the checker can fail)', () => {
    const g = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]);
    expect(cycles(g)).toEqual([['a', 'b', 'c']]);
  });

  it('value edges: inline `type` imports, re-exports and dynamic imports load the module; `import type` does not', () => {
    const sf = mem('/s/a.ts', [
      "import type { A } from './t1.js';",
      "export type { B } from './t2.js';",
      "import { type C } from './v1.js';",
      "export { type D } from './v2.js';",
      "export * from './v3.js';",
      "import './v4.js';",
      "export async function f() { return import('./v5.js'); }",
      "let x: typeof import('./t3.js');",
    ].join('\n'));
    expect(valueImports('/s/a.ts', sf).map((p) => p.replace(/^.*\//, ''))).toEqual(['v1.ts', 'v2.ts', 'v3.ts', 'v4.ts', 'v5.ts']);
  });

  it('every relative import of src/ names a file that exists (an edge the graph drops would hide a cycle)', () => {
    const missing = FILES.flatMap((f) => valueImports(f, READ(f)!).filter((t) => !FILE_SET.has(t) && !existsSync(t)).map((t) => `${rel(f)} -> ${rel(t)}`));
    expect(missing).toEqual([]);
  });

  it('every import cycle between src/ files is type-only', () => {
    expect(valueCycles()).toEqual([]);
  });
});
