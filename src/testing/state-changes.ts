/**
 * What a step changed, in words: the state vector of commands.ts (flat, tagged sections)
 * read back as named facts ("task 2: mappings", "group 17: domain") so a failure says
 * "task 2: mappings 0 → 1" instead of printing two raw vectors.
 */
type Value = string | number | bigint | boolean | null;

const show = (v: Value | undefined): string => (v === undefined ? 'absent' : v === null ? 'none' : typeof v === 'string' ? v : String(v));

/** The vector as fact name → value, in order. Layout: see stateVector in commands.ts. */
export function namedFacts(v: readonly Value[]): Map<string, Value> {
  const out = new Map<string, Value>();
  let i = 0;
  let device = 0;
  const next = (): Value => v[i++] ?? null;
  while (i < v.length) {
    const tag = next();
    if (tag === 'T') {
      const pid = next();
      const n = Number(next());
      const fds: string[] = [];
      for (let k = 0; k < n; k++) fds.push(`${show(next())}→${show(next())} (refs ${show(next())})`);
      out.set(`task ${show(pid)}: open fds`, fds.join(', ') || 'none');
      for (const f of ['locked_vm', 'pinned_vm', 'pinned frames', 'mappings']) out.set(`task ${show(pid)}: ${f}`, next());
    } else if (tag === 'G') {
      const id = show(next());
      out.set(`group ${id}: owned`, next());
      out.set(`group ${id}: owner count`, next());
      out.set(`group ${id}: domain`, next());
    } else if (tag === 'D') {
      const id = show(next());
      const type = show(next());
      out.set(`domain ${id} (${type}): page-table leaves`, next());
      out.set(`domain ${id} (${type}): mapped bytes`, next());
    } else if (tag === 'V') {
      const id = show(next());
      out.set(`vfio group ${id}: container`, next());
      out.set(`vfio group ${id}: dead`, next());
    } else if (tag === 'R') {
      out.set(`pci device #${device++}: driver`, next());
    } else if (tag === 'F') {
      out.set('free frames', next());
    } else {
      out.set(`item ${i - 1}`, tag);
    }
  }
  return out;
}

/** Every fact that differs between two state vectors: "task 2: mappings 0 → 1". */
export function stateChanges(before: readonly Value[], after: readonly Value[]): string[] {
  const a = namedFacts(before);
  const b = namedFacts(after);
  const changes: string[] = [];
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    if (a.get(k) !== b.get(k)) changes.push(`${k} ${show(a.get(k))} → ${show(b.get(k))}`);
  }
  return changes;
}
