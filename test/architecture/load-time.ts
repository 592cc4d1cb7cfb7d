/**
 * What a module constructs when it loads: every `new X(...)` that runs while the module
 * evaluates, and every `let` of a function run then that a closure keeps alive (reported as
 * `let <name> (…)`), found by walking the statements the loader runs. A function body is not run at
 * load time unless something calls it then, so the walk follows:
 *  - an immediately invoked function (`(() => { ... })()`, `(function () { ... })()`);
 *  - a function the load-time code calls by name, declared in the same file (at any depth) or
 *    imported by name from another source file (`const T = buildTable()`);
 *  - a function handed to an array method that calls it at once (`rows.map((r) => new Set(r))`,
 *    `list.flatMap(toEntry)`, `Array.from(xs, mk)`, …);
 *  - a class's static initializers and static blocks.
 * A `new` under `throw` is an error, not a table, and is not listed. It reads the files as text
 * (no type checker): a function handed to any other call is taken to be stored, not run (the
 * ioctl tables hand their handlers to row builders), and a call through a property
 * (`obj.build()`) is not followed. Shadowed names are followed too (conservative).
 */
import { dirname, resolve } from 'node:path';
import ts from 'typescript';

/** Reads and parses a source file (absolute path), or undefined if it is not one of ours. */
export type ReadSource = (file: string) => ts.SourceFile | undefined;

/** The constructor named by `new <expr>`: `Map`, `Intl.Collator`, … */
function constructedName(n: ts.NewExpression): string {
  return n.expression.getText().replace(/\s+/g, '');
}

/** Methods that call the function they are given before they return. */
const CALLS_ITS_CALLBACK = new Set([
  'map', 'flatMap', 'filter', 'forEach', 'reduce', 'reduceRight', 'some', 'every', 'find', 'findIndex',
  'findLast', 'findLastIndex', 'sort', 'toSorted', 'from', 'fromAsync',
]);

function isIife(fn: ts.Node): boolean {
  let p = fn;
  while (ts.isParenthesizedExpression(p.parent)) p = p.parent;
  return ts.isCallExpression(p.parent) && p.parent.expression === p;
}

/** Every function in `sf` (any depth) bound to a name: declarations, and `const f = () => …`. */
function namedFunctions(sf: ts.SourceFile): Map<string, ts.Node[]> {
  const out = new Map<string, ts.Node[]>();
  const add = (name: string, fn: ts.Node): void => void out.set(name, [...(out.get(name) ?? []), fn]);
  const visit = (n: ts.Node): void => {
    if (ts.isFunctionDeclaration(n) && n.name !== undefined) add(n.name.text, n);
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer !== undefined) {
      const init = skipParens(n.initializer);
      if (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) add(n.name.text, init);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

function skipParens(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e)) e = e.expression;
  return e;
}

/** Local name → [file, exported name] of `sf`'s named value imports from relative paths. */
function namedImports(file: string, sf: ts.SourceFile): Map<string, readonly [string, string]> {
  const out = new Map<string, readonly [string, string]>();
  for (const st of sf.statements) {
    if (!ts.isImportDeclaration(st) || st.importClause?.isTypeOnly === true) continue;
    const spec = st.moduleSpecifier;
    const named = st.importClause?.namedBindings;
    if (!ts.isStringLiteral(spec) || !spec.text.startsWith('.') || named === undefined || !ts.isNamedImports(named)) continue;
    const target = resolve(dirname(file), spec.text.replace(/\.js$/, '.ts'));
    for (const e of named.elements) out.set(e.name.text, [target, (e.propertyName ?? e.name).text]);
  }
  return out;
}

/** The top-level function `name` exported by `sf` (declaration or `export const name = () => …`). */
function exportedFunction(sf: ts.SourceFile, name: string): ts.Node | undefined {
  for (const st of sf.statements) {
    if (ts.isFunctionDeclaration(st) && st.name?.text === name && st.body !== undefined) return st;
    if (!ts.isVariableStatement(st)) continue;
    for (const d of st.declarationList.declarations) {
      if (!ts.isIdentifier(d.name) || d.name.text !== name || d.initializer === undefined) continue;
      const init = skipParens(d.initializer);
      if (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) return init;
    }
  }
  return undefined;
}

/**
 * The `let`/`var` variables of function `fn` (its own scope, not nested functions') that a
 * function nested in it refers to: when `fn` runs at load time, such a closure is module state
 * in disguise (`const next = (() => { let n = 0; return () => n++; })()`).
 */
function capturedLets(fn: ts.Node): string[] {
  const lets = new Set<string>();
  const declare = (n: ts.Node): void => {
    if (ts.isVariableDeclarationList(n) && (n.flags & ts.NodeFlags.Const) === 0) {
      for (const d of n.declarations) if (ts.isIdentifier(d.name)) lets.add(d.name.text);
    }
    if (!ts.isFunctionLike(n) && !ts.isClassLike(n)) ts.forEachChild(n, declare);
  };
  ts.forEachChild(fn, declare);
  const captured = new Set<string>();
  const inner = (n: ts.Node, nested: boolean): void => {
    if (nested && ts.isIdentifier(n) && lets.has(n.text)) captured.add(n.text);
    ts.forEachChild(n, (c) => inner(c, nested || ts.isFunctionLike(c) || ts.isClassLike(c)));
  };
  ts.forEachChild(fn, (c) => inner(c, ts.isFunctionLike(c) || ts.isClassLike(c)));
  return [...captured];
}

/** Finds what a top-level statement constructs at load time; files come from `read`. */
export type LoadTimeNews = (file: string, st: ts.Statement) => string[];

/** A LoadTimeNews over the tree `read` gives (it remembers each file's functions and imports). */
export function loadTimeNews(read: ReadSource): LoadTimeNews {
  const fileInfo = new Map<string, { fns: Map<string, ts.Node[]>; imports: Map<string, readonly [string, string]> }>();
  const infoOf = (f: string, sf: ts.SourceFile) => {
    let i = fileInfo.get(f);
    if (i === undefined) fileInfo.set(f, (i = { fns: namedFunctions(sf), imports: namedImports(f, sf) }));
    return i;
  };
  return (file, st) => newsOf(file, st, read, infoOf);
}

type InfoOf = (f: string, sf: ts.SourceFile) => { fns: Map<string, ts.Node[]>; imports: Map<string, readonly [string, string]> };

/** The constructors `new`-ed while `st`, a top-level statement of `file`, is evaluated. */
function newsOf(file: string, st: ts.Statement, read: ReadSource, infoOf: InfoOf): string[] {
  const found: string[] = [];
  const entered = new Set<ts.Node>();

  /** Walk the body of a function that runs now. */
  const enter = (fn: ts.Node, f: string): void => {
    if (entered.has(fn)) return;
    entered.add(fn);
    for (const name of capturedLets(fn)) found.push(`let ${name} (a closure made at load time keeps it)`);
    ts.forEachChild(fn, (c) => visit(c, f));
  };
  /** A name that is called (or handed to a call) now: the functions it may mean. */
  const follow = (name: string, f: string, sf: ts.SourceFile): void => {
    const info = infoOf(f, sf);
    for (const fn of info.fns.get(name) ?? []) enter(fn, f);
    const imp = info.imports.get(name);
    if (imp === undefined) return;
    const target = read(imp[0]);
    const fn = target === undefined ? undefined : exportedFunction(target, imp[1]);
    if (fn !== undefined) enter(fn, imp[0]);
  };
  const visit = (n: ts.Node, f: string): void => {
    if (ts.isFunctionLike(n)) {
      if (isIife(n)) enter(n, f);
      return;
    }
    if (ts.isClassLike(n)) {
      for (const m of n.members) {
        const isStatic = ts.canHaveModifiers(m) && ts.getModifiers(m)?.some((x) => x.kind === ts.SyntaxKind.StaticKeyword) === true;
        if (ts.isPropertyDeclaration(m) && isStatic && m.initializer !== undefined) visit(m.initializer, f);
        if (ts.isClassStaticBlockDeclaration(m)) enter(m, f);
      }
      return;
    }
    if (ts.isThrowStatement(n)) return;
    if (ts.isNewExpression(n)) found.push(constructedName(n));
    if (ts.isCallExpression(n)) {
      const sf = n.getSourceFile();
      const callee = skipParens(n.expression);
      if (ts.isIdentifier(callee)) follow(callee.text, f, sf);
      const runsCallbacks = ts.isPropertyAccessExpression(callee) && CALLS_ITS_CALLBACK.has(callee.name.text);
      for (const a of runsCallbacks ? n.arguments : []) {
        const arg = skipParens(a);
        if (ts.isArrowFunction(arg) || ts.isFunctionExpression(arg)) enter(arg, f);
        else if (ts.isIdentifier(arg)) follow(arg.text, f, sf);
      }
    }
    ts.forEachChild(n, (c) => visit(c, f));
  };
  visit(st, file);
  return found;
}
