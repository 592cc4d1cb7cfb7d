/**
 * /dev: the character-device nodes drivers create and remove (device_create / cdev_del),
 * with the owner and mode each was created with. `chown` changes a live node; a node that
 * is removed and created again starts from its creation attributes, as with udev.
 */
import type { CharDevNode, DirNode, FsNode } from './node.js';

export class DevFs {
  private readonly nodes = new Map<string, CharDevNode>();

  /** Create `/dev/<rel>` (rel like "vfio/3"). Replaces nothing: the caller checks uniqueness. */
  create(rel: string, node: CharDevNode): void {
    this.nodes.set(rel, node);
  }

  remove(rel: string): void {
    this.nodes.delete(rel);
  }

  has(rel: string): boolean {
    return this.nodes.has(rel);
  }

  /** The /dev directory tree, computed from the node map. */
  root(): DirNode {
    return this.dirAt('');
  }

  /** The directory at `prefix`; `entries()` (not part of DirNode) is the sorted listing, for tests. */
  private dirAt(prefix: string): DirNode & { entries(): Array<[string, FsNode]> } {
    const children = (): Array<[string, FsNode]> => {
      const names = new Map<string, FsNode>();
      for (const [rel, node] of this.nodes) {
        if (!rel.startsWith(prefix)) continue;
        const rest = rel.slice(prefix.length);
        const slash = rest.indexOf('/');
        if (slash < 0) names.set(rest, node);
        else if (!names.has(rest.slice(0, slash))) names.set(rest.slice(0, slash), this.dirAt(prefix + rest.slice(0, slash + 1)));
      }
      return [...names].sort((a, b) => compareNames(a[0], b[0]));
    };
    return {
      type: 'dir',
      mode: 0o755,
      uid: 0,
      gid: 0,
      list: () => children().map(([n]) => n),
      entries: children,
      // one name without building and sorting the listing: a node of that name wins over
      // a directory of it, as in children()
      lookup: (name) => {
        if (name.includes('/')) return undefined;
        const rel = prefix + name;
        const node = this.nodes.get(rel);
        if (node !== undefined) return node;
        for (const r of this.nodes.keys()) if (r.startsWith(rel) && r.charCodeAt(rel.length) === 0x2f) return this.dirAt(rel + '/');
        return undefined;
      },
    };
  }
}

/**
 * One collator for every comparison: localeCompare with options builds a new collator per
 * call (the same ordering, ~100x the cost), which made name sorting 28 % of a property run.
 */
const NAME_ORDER = new Intl.Collator('en', { numeric: true });

/** Names sorted as `ls -v` would: numeric parts compared as numbers. */
export function compareNames(a: string, b: string): number {
  return NAME_ORDER.compare(a, b);
}
