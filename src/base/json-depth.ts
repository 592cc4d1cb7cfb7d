/**
 * How deep a parsed JSON value nests, measured without recursion. JSON.parse builds values
 * of any depth, but every recursive walk (a schema, JSON.stringify, structuredClone) dies
 * of a stack overflow somewhere past a few thousand levels; inputs are checked here first.
 */

/** No file vfio-sim reads needs more (a PCI tree of 256 levels nests about 520 deep). */
export const MAX_JSON_DEPTH = 1024;

/** True when `v` nests more than `limit` arrays/objects deep. Stops as soon as it knows. */
export function nestsDeeperThan(v: unknown, limit: number = MAX_JSON_DEPTH): boolean {
  const stack: Array<[unknown, number]> = [[v, 1]];
  while (stack.length > 0) {
    const [x, depth] = stack.pop()!;
    if (typeof x !== 'object' || x === null) continue;
    if (depth > limit) return true;
    for (const y of Array.isArray(x) ? x : Object.values(x)) if (typeof y === 'object' && y !== null) stack.push([y, depth + 1]);
  }
  return false;
}

/** A short text for a value in a message: JSON when it is small and shallow, else its kind. */
export function describeValue(v: unknown): string {
  if (typeof v === 'object' && v !== null && nestsDeeperThan(v, 4)) return Array.isArray(v) ? 'a nested array' : 'a nested object';
  const text = typeof v === 'bigint' ? `${v}n` : (JSON.stringify(v) ?? String(v));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
