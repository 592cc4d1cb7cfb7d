/**
 * Wires are made once, where a reader looks for them (docs/conventions.md). This parses every
 * non-test source file and fails on
 *  - a public, writable, function-typed field of a class (`onEvent: (…) => void`, a hook any
 *    caller may patch after construction): take it in the constructor as a readonly or
 *    private field, or give the class a method that says what the hook means;
 *  - a re-export shim: `export … from` outside a folder's index.ts, so that a name seems to
 *    live where it is not declared — import it from the file that declares it. The facades
 *    listed below are the exceptions, each with its reason.
 */
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { parse, rel, ROOT, sources } from './source-files.js';

/** `file` → why its re-exports are not a shim. */
const ALLOWED_REEXPORTS: Readonly<Record<string, string>> = {
  'src/uapi/structs.ts': 'the one public lookup over both headers’ struct tables (vfio.h, iommufd.h) and their layout rules',
  'src/index.node.ts': 'the package entry for Node (the "node" export condition): the browser-safe entry plus loadTopology that reads files',
};

const FILES = sources(join(ROOT, 'src')).sort();
const parseText = (name: string, text: string): ts.SourceFile => ts.createSourceFile(name, text, ts.ScriptTarget.Latest, true);
/** Every source file, parsed once. */
const PARSED: readonly (readonly [string, ts.SourceFile])[] = FILES.map((f) => [f, parse(f)]);

function isFunctionType(t: ts.TypeNode | undefined): boolean {
  if (t === undefined) return false;
  if (ts.isFunctionTypeNode(t)) return true;
  if (ts.isParenthesizedTypeNode(t)) return isFunctionType(t.type);
  return ts.isUnionTypeNode(t) && t.types.some(isFunctionType);
}

function hidden(m: ts.PropertyDeclaration): boolean {
  const kinds = (m.modifiers ?? []).map((x) => x.kind);
  const closed = [ts.SyntaxKind.ReadonlyKeyword, ts.SyntaxKind.PrivateKeyword, ts.SyntaxKind.ProtectedKeyword];
  return ts.isPrivateIdentifier(m.name) || kinds.some((k) => closed.includes(k));
}

/** `Class.field` of every public, writable, function-typed class field in `sf`. */
function patchableHooks(sf: ts.SourceFile): string[] {
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isClassLike(n)) {
      for (const m of n.members) {
        if (!ts.isPropertyDeclaration(m) || hidden(m)) continue;
        const init = m.initializer;
        const fnInit = init !== undefined && (ts.isArrowFunction(init) || ts.isFunctionExpression(init));
        if (isFunctionType(m.type) || fnInit) out.push(`${n.name?.text ?? '<class>'}.${m.name.getText(sf)}`);
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** The module specifiers `sf` re-exports names from. */
function reexports(sf: ts.SourceFile): string[] {
  return sf.statements.flatMap((st) => (ts.isExportDeclaration(st) && st.moduleSpecifier !== undefined && ts.isStringLiteral(st.moduleSpecifier) ? [st.moduleSpecifier.text] : []));
}

describe('architecture: wires made once, names imported from where they live', () => {
  it('no class has a public, writable, function-typed field (a hook patched after construction)', () => {
    const found = PARSED.flatMap(([f, sf]) => patchableHooks(sf).map((h) => `${rel(f)}: ${h}`));
    expect(found).toEqual([]);
  });

  it('the hook finder finds one (the checker can fail)', () => {
    const sf = parseText('x.ts', 'class A { onEvent: ((k: string) => void) | undefined; readonly ok: () => void = () => {}; private p?: () => void; run = () => 1; n = 0; }');
    expect(patchableHooks(sf)).toEqual(['A.onEvent', 'A.run']);
  });

  it('no re-export shims: only index.ts barrels and the listed facades re-export', () => {
    const found = PARSED.filter(([f]) => !f.endsWith('/index.ts') && !Object.hasOwn(ALLOWED_REEXPORTS, rel(f)))
      .flatMap(([f, sf]) => reexports(sf).map((m) => `${rel(f)} re-exports ${m}`));
    expect(found).toEqual([]);
  });

  it('every allowed facade still re-exports (a removed one leaves the list)', () => {
    const stale = Object.keys(ALLOWED_REEXPORTS).filter((f) => reexports(parse(join(ROOT, f))).length === 0);
    expect(stale).toEqual([]);
  });

  it('the shim finder finds one (the checker can fail)', () => {
    const sf = parseText('x.ts', "import { a } from './a.js';\nexport type { B } from './b.js';\nexport { a };\nexport * from './c.js';");
    expect(reexports(sf)).toEqual(['./b.js', './c.js']);
  });
});
