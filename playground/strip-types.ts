/**
 * TypeScript driver code → JavaScript, with the TypeScript compiler the project already
 * builds with (loaded only when code needs it). Lines move when types are erased, so the
 * source map says which line of the student's code each line of the output came from.
 */
import { lineMap } from './lib/source-map.js';

export interface Stripped {
  readonly js: string;
  /** The student's line (1-based) for a line of `js`. */
  readonly sourceLine: (jsLine: number) => number;
}

export async function stripTypes(code: string): Promise<Stripped> {
  const ts = (await import('typescript')).default;
  const out = ts.transpileModule(code, {
    fileName: 'driver.ts',
    reportDiagnostics: true,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, sourceMap: true, removeComments: false },
  });
  const syntax = out.diagnostics?.find((d) => d.category === ts.DiagnosticCategory.Error);
  if (syntax !== undefined) {
    const where = syntax.file !== undefined && syntax.start !== undefined ? syntax.file.getLineAndCharacterOfPosition(syntax.start) : undefined;
    const msg = ts.flattenDiagnosticMessageText(syntax.messageText, '\n');
    throw Object.assign(new SyntaxError(where === undefined ? msg : `line ${where.line + 1}: ${msg}`), { line: where === undefined ? undefined : where.line + 1 });
  }
  const map = out.sourceMapText === undefined ? [] : lineMap((JSON.parse(out.sourceMapText) as { mappings: string }).mappings);
  const js = out.outputText.replace(/\n\/\/# sourceMappingURL=.*$/, '');
  return {
    js,
    sourceLine: (jsLine) => {
      for (let l = jsLine; l >= 1; l--) {
        const s = map[l - 1];
        if (s !== undefined) return s;
      }
      return jsLine;
    },
  };
}
