/**
 * Where each field of a JSON text starts: `steps[3].request` → line 24. A validation
 * problem names a field path; this finds the line to mark in the editor. The text is
 * assumed valid JSON (it parsed); anything unexpected just ends the walk.
 */
export function pathLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  let i = 0;
  let line = 1;
  const skip = (): void => {
    while (i < text.length && /\s/.test(text[i]!)) if (text[i++] === '\n') line++;
  };
  const str = (): string => {
    const start = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: string, depth: number): void => {
    skip();
    lines.set(path, line);
    if (depth > 64) throw new RangeError('too deep');
    const c = text[i];
    if (c === '{' || c === '[') {
      i++;
      for (let n = 0; ; n++) {
        skip();
        if (text[i] === '}' || text[i] === ']') return void i++;
        let key = `[${n}]`;
        if (c === '{') {
          const k = str();
          key = path === '' ? k : `.${k}`;
          skip();
          i++; // ':'
        }
        value(`${path}${key}`, depth + 1);
        skip();
        if (text[i] === ',') i++;
      }
    }
    if (c === '"') return void str();
    while (i < text.length && !/[\s,\]}]/.test(text[i]!)) i++;
  };
  try {
    value('', 0);
  } catch {
    // a text the walk does not follow: the lines found so far
  }
  return lines;
}

/** The line of `path`, or of its nearest ancestor present in the text (`steps[5].prot` → `steps[5]`). */
export function lineOfPath(lines: ReadonlyMap<string, number>, path: string): number | undefined {
  for (let p = path; p !== ''; p = p.replace(/(\.[^.[\]]*|\[\d+\])$/, '')) {
    const l = lines.get(p);
    if (l !== undefined) return l;
    if (!/(\.[^.[\]]*|\[\d+\])$/.test(p)) break;
  }
  return undefined;
}
