/**
 * JSON typed or loaded by the user: parse it, and on a syntax error say where, as an editor
 * would (line and column, 1-based), whatever wording the browser's JSON.parse uses.
 */
export type JsonText = { ok: true; value: unknown } | { ok: false; message: string; line: number; column: number };

/** Line and column (1-based) of a character offset in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const line = before.split('\n').length;
  return { line, column: before.length - before.lastIndexOf('\n') };
}

export function parseJsonText(text: string): JsonText {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    const message = (e as Error).message;
    const lc = /line (\d+) column (\d+)/.exec(message);
    if (lc !== null) return { ok: false, message, line: Number(lc[1]), column: Number(lc[2]) };
    const pos = /at position (\d+)/.exec(message);
    const at = lineColumn(text, pos === null ? text.length : Number(pos[1]));
    return { ok: false, message: `${message} (line ${at.line} column ${at.column})`, ...at };
  }
}
