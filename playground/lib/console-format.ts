/** A value as console.log in Node shows it, near enough: bigints with n, bytes in hex, objects one line. */
export function describeValue(v: unknown, depth = 0): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return depth === 0 ? v : JSON.stringify(v);
  if (typeof v !== 'object' || v === null) return String(v);
  if (v instanceof Error) return `${v.name}: ${v.message}`;
  if (v instanceof Uint8Array) return `<bytes ${Array.from(v.slice(0, 32), (b) => b.toString(16).padStart(2, '0')).join(' ')}${v.length > 32 ? ` … ${v.length} bytes` : ''}>`;
  if (depth > 3) return Array.isArray(v) ? '[…]' : '{…}';
  if (Array.isArray(v)) return `[ ${v.map((x) => describeValue(x, depth + 1)).join(', ')} ]`;
  const body = Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}: ${describeValue(x, depth + 1)}`);
  return body.length === 0 ? '{}' : `{ ${body.join(', ')} }`;
}
