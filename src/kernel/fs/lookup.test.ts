/**
 * Computed directories answer lookup(name) without building their listing; this holds the
 * two views together: every listed name looks up to the same kind of node (same link
 * target, same text), and names a directory does not list look up to nothing.
 */
import { describe, expect, it } from 'vitest';
import { Host } from '../../host/host.js';
import type { DirNode, FsNode } from './node.js';

function same(a: FsNode, b: FsNode): boolean {
  if (a.type !== b.type || a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid) return false;
  if (a.type === 'link' && b.type === 'link') return a.target === b.target;
  if (a.type === 'file' && b.type === 'file') {
    const ra = a.read?.();
    const rb = b.read?.();
    return JSON.stringify(ra) === JSON.stringify(rb) && (a.write === undefined) === (b.write === undefined);
  }
  if (a.type === 'dir' && b.type === 'dir') return a.list().join('\n') === b.list().join('\n');
  return true;
}

/** Every name listed anywhere: each directory is also asked for the names it does not list. */
const seen = new Set<string>();

/** Walks every directory (not following links); returns the number of names checked. */
function walk(dir: DirNode, path: string, bad: string[], computed: { n: number }): number {
  const names = dir.list();
  for (const name of names) seen.add(name);
  if ((dir as { entries?: unknown }).entries !== undefined) computed.n++;
  let n = 0;
  for (const name of names) {
    n++;
    const a = dir.lookup(name);
    // the node the listing holds under that name (computed directories expose entries())
    const listed = (dir as { entries?: () => Array<readonly [string, FsNode]> }).entries?.();
    const b = listed === undefined ? dir.lookup(name) : listed.find(([n]) => n === name)?.[1];
    if (a === undefined || b === undefined || !same(a, b)) bad.push(`${path}/${name}`);
    else if (a.type === 'dir') n += walk(a, `${path}/${name}`, bad, computed);
  }
  const absent = ['nope', `${names[0] ?? 'x'}x`, 'resource9', 'driver', 'iommu_group', 'vfio-dev', '0000:ff:1f.7', '999', 'a/b', '', 'vfio/0', ...seen];
  for (const name of absent) if (!names.includes(name) && dir.lookup(name) !== undefined) bad.push(`${path}/${name} (not listed)`);
  return n;
}

describe('computed directories: lookup agrees with list', () => {
  it('over /sys and /dev of a machine with devices bound to vfio-pci and opened', () => {
    const host = new Host();
    host.bind('0000:06:00.0', 'vfio-pci');
    const p = host.spawn();
    const group = p.readlink('/sys/bus/pci/devices/0000:06:00.0/iommu_group').split('/').pop()!;
    p.open(`/dev/vfio/${group}`);
    const root = host.kernel.vfs as unknown as { root: DirNode };
    const bad: string[] = [];
    const computed = { n: 0 };
    walk(root.root, '', bad, { n: 0 }); // collect every name, then check with all of them
    const checked = walk(root.root, '', bad, computed);
    expect(bad).toEqual([]);
    expect(checked).toBeGreaterThan(300);
    expect(computed.n).toBeGreaterThan(20);
    // and the listing itself is still what a reader sees
    expect(p.readFile('/sys/bus/pci/devices/0000:06:00.0/vendor')).toMatch(/^0x[0-9a-f]{4}\n$/);
    expect(p.readlink('/sys/bus/pci/devices/0000:06:00.0/driver')).toMatch(/^(\.\.\/)+bus\/pci\/drivers\/vfio-pci$/);
  });
});
