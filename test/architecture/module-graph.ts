/**
 * The runtime import graph of the sources: which relative modules a file makes the loader
 * evaluate. tsconfig has `verbatimModuleSyntax`, so only a whole-statement `import type` /
 * `export type` disappears from the output; `import { type A } from './a.js'` is emitted as
 * `import {} from './a.js'` and still loads (and orders) './a.js'. A dynamic `import('./a.js')`
 * is a value edge too (it runs later, but it is still a dependency a cycle can hide behind);
 * `typeof import('./a.js')` in a type is not.
 */
import { dirname, resolve } from 'node:path';
import ts from 'typescript';

/** Absolute .ts paths of the relative modules `sf` (at `file`) loads at run time. */
export function valueImports(file: string, sf: ts.SourceFile): string[] {
  return relativeImports(file, sf, false);
}

/**
 * Absolute .ts paths of every relative module `sf` names: what it loads at run time, and with
 * `typesToo` also its type-only imports and `import('./x.js')` types (for the layer order,
 * which a type import must follow too).
 */
export function relativeImports(file: string, sf: ts.SourceFile, typesToo: boolean): string[] {
  const specs: ts.Expression[] = [];
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st) && (typesToo || st.importClause?.isTypeOnly !== true)) specs.push(st.moduleSpecifier);
    if (ts.isExportDeclaration(st) && (typesToo || !st.isTypeOnly) && st.moduleSpecifier !== undefined) specs.push(st.moduleSpecifier);
    if (ts.isImportEqualsDeclaration(st) && (typesToo || !st.isTypeOnly) && ts.isExternalModuleReference(st.moduleReference)) specs.push(st.moduleReference.expression);
  }
  const nested = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && n.arguments[0] !== undefined) specs.push(n.arguments[0]);
    if (typesToo && ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument)) specs.push(n.argument.literal as ts.Expression);
    ts.forEachChild(n, nested);
  };
  nested(sf);
  const out: string[] = [];
  for (const spec of specs) {
    if (!ts.isStringLiteralLike(spec)) throw new Error(`${file}: an import whose target is computed (${spec.getText()}) cannot be checked`);
    if (spec.text.startsWith('.')) out.push(resolve(dirname(file), spec.text.replace(/\.js$/, '.ts')));
  }
  return out;
}

/** Strongly connected components of more than one node (Tarjan): the import cycles of `graph`. */
export function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
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
