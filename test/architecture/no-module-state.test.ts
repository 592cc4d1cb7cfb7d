/**
 * State lives in its owner (docs/conventions.md): no module of src/ keeps state of its own.
 * This parses every non-test source file and fails on
 *  - a module-level `let` or `var` (a global a second Host would share);
 *  - a `new Map` / `WeakMap` / `Set` / `WeakSet` evaluated when the module loads (a side table
 *    keyed by objects, one for every Host) — except the read-only constant tables listed
 *    below, each with the reason it holds no state;
 *  - an import cycle through value imports (a cycle must be type-only: `import type` is a
 *    forward declaration, a value cycle is a hidden boot order).
 */
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { parse, rel, ROOT, sources } from './source-files.js';

/** `file:name` of a module-level collection → why it is not state. */
const ALLOWED_TABLES: Readonly<Record<string, string>> = {
  'src/base/errno.ts:BY_NUMBER': 'errno number → name, built from the errno literal table',
  'src/uapi/structs.ts:STRUCTS': 'uapi struct layouts by name, built from literals',
  'src/uapi/ioctls.ts:IOMMUFD_BY_REQUEST': 'iommufd ioctl table by request number, built from literals',
  'src/uapi/arg-fields.ts:TOP_KEYS': 'the keys each uapi struct allows in an argument object, derived once from the layouts',
  'src/scenarios/values.ts:CONSTANTS': 'uapi constant names → values, for scenario files',
  'src/kernel/kernel.ts:PCIEPORT_TYPES': 'PCIe port type numbers pcieport binds to (literals)',
  'src/kernel/vfio/viability.ts:LEGACY_ALLOWED': 'driver names the legacy viability rule allows (literals)',
  'src/kernel/fs/sysfs.ts:MODULES': 'module names, derived once from the constant parameter table',
  'src/hardware/fabric/route.ts:CONVENTIONAL_BRIDGES': 'topology node type names (literals)',
  'src/hardware/topology/flatten.ts:BRIDGE_TYPES': 'topology node type names (literals)',
};

const FILES = sources(join(ROOT, 'src')).sort();

const COLLECTIONS = new Set(['Map', 'WeakMap', 'Set', 'WeakSet']);

/** `new Map(...)` and friends evaluated at load time inside `node` (function bodies are skipped). */
function loadTimeCollections(node: ts.Node): string[] {
  const found: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isFunctionLike(n)) return;
    if (ts.isClassLike(n)) {
      // only static initializers run at load time
      for (const m of n.members) if (ts.isPropertyDeclaration(m) && m.initializer && m.modifiers?.some((x) => x.kind === ts.SyntaxKind.StaticKeyword)) visit(m.initializer);
      return;
    }
    if (ts.isNewExpression(n) && ts.isIdentifier(n.expression) && COLLECTIONS.has(n.expression.text)) found.push(n.expression.text);
    ts.forEachChild(n, visit);
  };
  visit(node);
  return found;
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

function moduleStateOf(file: string): Finding[] {
  const sf = parse(file);
  const out: Finding[] = [];
  for (const st of sf.statements) {
    if (ts.isVariableStatement(st) && (st.declarationList.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) !== ts.NodeFlags.Const) {
      out.push({ where: `${rel(file)}:${declaredNames(st)}`, what: 'module-level let/var' });
    }
    for (const c of loadTimeCollections(st)) out.push({ where: `${rel(file)}:${declaredNames(st)}`, what: `module-level new ${c}` });
  }
  return out;
}

/** Relative imports and re-exports that bring values (not only types) into `file`. */
function valueImports(file: string): string[] {
  const sf = parse(file);
  const out: string[] = [];
  for (const st of sf.statements) {
    let spec: ts.Expression | undefined;
    if (ts.isImportDeclaration(st)) {
      const clause = st.importClause;
      if (clause?.isTypeOnly) continue;
      const named = clause?.namedBindings;
      const onlyTypes = clause !== undefined && clause.name === undefined && named !== undefined && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
      if (onlyTypes) continue;
      spec = st.moduleSpecifier;
    } else if (ts.isExportDeclaration(st)) {
      if (st.isTypeOnly) continue;
      const named = st.exportClause;
      if (named !== undefined && ts.isNamedExports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly)) continue;
      spec = st.moduleSpecifier;
    }
    if (spec === undefined || !ts.isStringLiteral(spec) || !spec.text.startsWith('.')) continue;
    out.push(resolve(dirname(file), spec.text.replace(/\.js$/, '.ts')));
  }
  return out;
}

/** Strongly connected components of more than one node (Tarjan): the import cycles of `graph`. */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let next = 0;
  const strong = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const comp: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      comp.push(w);
    } while (w !== v);
    if (comp.length > 1) out.push(comp.sort());
  };
  for (const f of graph.keys()) if (!index.has(f)) strong(f);
  return out;
}

function valueCycles(): string[][] {
  const graph = new Map(FILES.map((f) => [f, valueImports(f).filter((t) => FILES.includes(t))] as const));
  return cycles(graph).map((c) => c.map(rel));
}

describe('architecture: state lives in its owner', () => {
  it('finds the source files', () => {
    expect(FILES.length).toBeGreaterThan(100);
  });

  it('no module-level let/var, and no module-level Map/WeakMap/Set/WeakSet outside the constant tables', () => {
    const findings = FILES.flatMap(moduleStateOf);
    const unexpected = findings.filter((f) => !(f.what.startsWith('module-level new') && Object.hasOwn(ALLOWED_TABLES, f.where)));
    expect(unexpected).toEqual([]);
  });

  it('test/support keeps no module-level state either (a helper shared by every test file)', () => {
    const support = sources(join(ROOT, 'test/support')).sort();
    expect(support.length).toBeGreaterThan(3);
    expect(support.flatMap(moduleStateOf)).toEqual([]);
  });

  it('every allow-list entry still exists (a removed table leaves the list)', () => {
    const present = new Set(FILES.flatMap(moduleStateOf).map((f) => f.where));
    expect(Object.keys(ALLOWED_TABLES).filter((k) => !present.has(k))).toEqual([]);
  });

  it('a module-level WeakMap is caught (the checker can fail)', () => {
    const sf = ts.createSourceFile('x.ts', 'const cache = new WeakMap<object, number>();\nfunction f() { return new Map(); }\nlet n = 0;', ts.ScriptTarget.Latest, true);
    expect(sf.statements.flatMap((s) => loadTimeCollections(s))).toEqual(['WeakMap']);
  });

  it('the cycle finder finds a cycle (the checker can fail)', () => {
    const g = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]);
    expect(cycles(g)).toEqual([['a', 'b', 'c']]);
  });

  it('every import cycle between src/ files is type-only', () => {
    expect(valueCycles()).toEqual([]);
  });
});
