/**
 * Turning a student's driver code into something the browser can run: `import … from
 * 'vfio-sim'` lines become reads of the API the playground hands in (so code copied from a
 * Node project runs as it is), `export` is dropped, and every line keeps its number, so an
 * error's line is the line the student sees.
 */

/** Module names user code may import, and what the playground calls each. */
export const MODULES = ['vfio-sim', 'vfio-sim/testing'] as const;
export type ModuleName = (typeof MODULES)[number];

/** The package name a specifier means: the package, or the repository's src/ as examples/ import it. */
export function moduleFor(spec: string): ModuleName | undefined {
  if (spec === 'vfio-sim' || /(^|\/)src\/index(\.[jt]s)?$/.test(spec)) return 'vfio-sim';
  if (spec === 'vfio-sim/testing' || /(^|\/)src\/testing(\/[\w-]+)?(\.[jt]s)?$/.test(spec)) return 'vfio-sim/testing';
  if (/(^|\/)src\/hardware\/devices(\/[\w-]+)?(\.[jt]s)?$/.test(spec)) return 'vfio-sim';
  return undefined;
}

const IMPORT = /^([ \t]*)import\s+(type\s+)?([\s\S]*?)\s+from\s+(['"])([^'"\n]+)\4[ \t]*;?/gm;

/** `{ a, b as c, type T }` → `{ a, b: c }`, and the names it reads. */
function namedList(list: string): { pattern: string; names: string[] } {
  const parts = list.replace(/^\{|\}$/g, '').split(',').map((s) => s.trim()).filter((s) => s !== '' && !s.startsWith('type '));
  const names: string[] = [];
  const pattern = parts.map((p) => {
    const m = /^([\w$]+)(?:\s+as\s+([\w$]+))?$/.exec(p);
    if (m === null) throw new SyntaxError(`cannot read the import list entry "${p}"`);
    names.push(m[1]!);
    return m[2] === undefined ? m[1]! : `${m[1]}: ${m[2]}`;
  });
  return { pattern: `{ ${pattern.join(', ')} }`, names };
}

/**
 * Rewrite the imports into `const … = __import('vfio-sim', [names])` (same line count).
 * Throws SyntaxError for an import the playground cannot provide, naming its line.
 */
export function rewriteImports(code: string): string {
  return code
    .replace(IMPORT, (whole, indent: string, typeOnly: string | undefined, clause: string, _q: string, spec: string, offset: number) => {
      const keepLines = '\n'.repeat(whole.split('\n').length - 1);
      if (typeOnly !== undefined) return indent + keepLines;
      const mod = moduleFor(spec);
      const line = code.slice(0, offset).split('\n').length;
      if (mod === undefined) throw new SyntaxError(`line ${line}: the playground provides only ${MODULES.map((m) => `'${m}'`).join(' and ')} to import (not '${spec}')`);
      const c = clause.trim();
      const star = /^\*\s+as\s+([\w$]+)$/.exec(c);
      if (star !== null) return `${indent}const ${star[1]} = __import('${mod}', []);${keepLines}`;
      if (!c.startsWith('{')) throw new SyntaxError(`line ${line}: '${spec}' has no default export; import names from it: import { Host, uapi } from '${mod}'`);
      const { pattern, names } = namedList(c);
      if (names.length === 0) return indent + keepLines;
      return `${indent}const ${pattern.replace(/\n/g, ' ')} = __import('${mod}', ${JSON.stringify(names)});${keepLines}`;
    })
    .replace(/^([ \t]*)export\s+(default\s+)?(?=(async\s+)?function|const|let|var|class)/gm, '$1')
    .replace(/^[ \t]*export\s*\{[^}]*\}[ \t]*;?/gm, '');
}

/** Does this look like TypeScript (type annotations, interfaces, `as` casts, generics)? */
export function looksLikeTypeScript(code: string): boolean {
  return /^\s*(export\s+)?(interface|type)\s+\w+/m.test(code) || /\bimport\s+type\b|,\s*type\s+\w+/.test(code) || /[\w)\]]\s*:\s*(string|number|bigint|boolean|void|unknown|any|Host|Process)\b/.test(code) || /\)!|\bas\s+(const|unknown|string|number|bigint)\b/.test(code);
}

/** The (line, column) of the first frame in `stack` that is in the file `name` (1-based, shifted by `lineOffset`). */
export function userFrame(stack: string | undefined, name: string, lineOffset: number): { line: number; column: number } | undefined {
  if (stack === undefined) return undefined;
  const re = new RegExp(`${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+):(\\d+)`);
  const m = re.exec(stack);
  if (m === null) return undefined;
  return { line: Number(m[1]) - lineOffset, column: Number(m[2]) };
}
