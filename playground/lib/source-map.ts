/**
 * Just enough of source maps to point at the student's line: for each line of generated
 * code, the original line its first mapping comes from (base64 VLQ "mappings", v3).
 */
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function decodeVlq(segment: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of segment) {
    const digit = B64.indexOf(ch);
    if (digit < 0) throw new SyntaxError(`bad source-map character ${ch}`);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    out.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return out;
}

/** genLineToSource[i] = the 1-based original line of generated line i+1 (undefined: unmapped). */
export function lineMap(mappings: string): Array<number | undefined> {
  const lines: Array<number | undefined> = [];
  let srcLine = 0;
  for (const line of mappings.split(';')) {
    let first: number | undefined;
    for (const seg of line.split(',')) {
      if (seg === '') continue;
      const f = decodeVlq(seg);
      if (f.length >= 4) {
        srcLine += f[2]!;
        first ??= srcLine + 1;
      }
    }
    lines.push(first);
  }
  return lines;
}
