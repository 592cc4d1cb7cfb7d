/** Where a JSON syntax error is, as an editor shows it. */

/** Node 20 names only the offset ("at position 14"); add the line and column an editor shows. */
export function withLineColumn(message: string, text: string): string {
  const m = /at position (\d+)/.exec(message);
  if (m === null || /line \d+/.test(message)) return message;
  const before = text.slice(0, Number(m[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `${message} (line ${line} column ${column})`;
}
