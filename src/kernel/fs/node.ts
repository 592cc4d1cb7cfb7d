/**
 * Nodes of the simulated file tree. Directories may be static (a Map) or computed from
 * kernel state on every lookup (sysfs), so the tree never disagrees with the state it shows.
 */
import type { Result } from '../../base/result.js';
import type { OpenFile, SyscallContext } from './file.js';

export interface Attrs {
  mode: number;
  uid: number;
  gid: number;
}

export interface DirNode extends Attrs {
  readonly type: 'dir';
  /** Entry names, in a deterministic order. */
  list(): string[];
  lookup(name: string): FsNode | undefined;
}

export interface TextFileNode extends Attrs {
  readonly type: 'file';
  read?(): Result<string>;
  /** A write(2) of the whole text; sysfs stores take a trailing newline as Linux's do. */
  write?(data: string, ctx: SyscallContext): Result<void>;
}

export interface LinkNode extends Attrs {
  readonly type: 'link';
  /** As readlink(2) prints it: relative targets are resolved against the link's directory. */
  readonly target: string;
  /** A link whose target depends on who looks (/proc/self: the caller's pid, proc_self_get_link). */
  readonly targetFor?: (pid: number) => string;
}

/** A character device: opening it creates an OpenFile through its driver. */
export interface CharDevNode extends Attrs {
  readonly type: 'chr';
  open(ctx: SyscallContext, flags: number, path: string): Result<OpenFile>;
}

export type FsNode = DirNode | TextFileNode | LinkNode | CharDevNode;

/**
 * A directory whose entries are computed on demand. `find` (optional) answers one name
 * without building the whole listing; it must agree with `entries` (same node or none).
 * The result also carries `entries()` (not part of DirNode), for tests that hold the two
 * views together.
 */
export function computedDir(
  entries: () => Iterable<readonly [string, FsNode]>,
  attrs?: Partial<Attrs>,
  find?: (name: string) => FsNode | undefined,
): DirNode & { entries(): Array<readonly [string, FsNode]> } {
  return {
    type: 'dir',
    mode: attrs?.mode ?? 0o755,
    uid: attrs?.uid ?? 0,
    gid: attrs?.gid ?? 0,
    list: () => [...entries()].map(([n]) => n),
    entries: () => [...entries()],
    lookup:
      find ??
      ((name) => {
        for (const [n, node] of entries()) if (n === name) return node;
        return undefined;
      }),
  };
}

/** A directory over a fixed record of entries (evaluated lazily, so children may be computed). */
export function staticDir(entries: Record<string, FsNode | (() => FsNode | undefined)>): DirNode {
  const get = (v: FsNode | (() => FsNode | undefined)): FsNode | undefined => (typeof v === 'function' ? v() : v);
  return {
    type: 'dir',
    mode: 0o755,
    uid: 0,
    gid: 0,
    list: () => Object.keys(entries).filter((k) => get(entries[k]!) !== undefined),
    lookup: (name) => (Object.hasOwn(entries, name) ? get(entries[name]!) : undefined),
  };
}

/** A root-owned character device node with the given mode. */
export function charDevice(mode: number, open: CharDevNode['open']): CharDevNode {
  return { type: 'chr', mode, uid: 0, gid: 0, open };
}

export function link(target: string): LinkNode {
  return { type: 'link', target, mode: 0o777, uid: 0, gid: 0 };
}

/** A read-only text attribute (0444). */
export function roFile(read: () => string): TextFileNode {
  return { type: 'file', mode: 0o444, uid: 0, gid: 0, read: () => ({ ok: true, value: read() }) };
}

/** A text attribute that root may write. */
export function rwFile(
  read: (() => Result<string>) | undefined,
  write: (data: string, ctx: SyscallContext) => Result<void>,
  mode = read ? 0o644 : 0o200,
): TextFileNode {
  return read ? { type: 'file', mode, uid: 0, gid: 0, read, write } : { type: 'file', mode, uid: 0, gid: 0, write };
}
