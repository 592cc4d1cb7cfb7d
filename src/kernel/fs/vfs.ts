/**
 * Path resolution over the simulated tree (`/dev`, `/sys`), after Linux's namei: absolute
 * paths only, `.` and `..` handled lexically inside the walk, symbolic links followed in
 * every component but the last (and in the last too unless asked not to), ELOOP after 40.
 *
 * Access checks follow generic_permission(): root (CAP_DAC_OVERRIDE) passes every check;
 * others get the owner, group or other bits of the node's mode.
 */
import { fail, ok, type Result } from '../../base/result.js';
import type { DirNode, FsNode } from './node.js';

export interface Resolved {
  readonly node: FsNode;
  /** The canonical path of the node (links resolved). */
  readonly path: string;
}

const MAX_LINKS = 40;

export class Vfs {
  /**
   * Owners set by chown on nodes that are computed afresh on every lookup (sysfs), keyed by
   * canonical path, so a chown there lasts as it does on kernfs. /dev nodes keep their
   * owner on the node itself (and lose it when the node is removed, as with udev).
   */
  private readonly owners = new Map<string, { uid: number; gid: number }>();

  constructor(private readonly root: DirNode) {}

  /** chown(2) on a resolved node; `-1` leaves an id unchanged. */
  chown(resolved: Resolved, uid: number, gid: number): void {
    const node = resolved.node;
    if (uid !== -1) node.uid = uid;
    if (gid !== -1) node.gid = gid;
    if (!resolved.path.startsWith('/dev/')) this.owners.set(resolved.path, { uid: node.uid, gid: node.gid });
  }

  /** Resolve `path` for the process `pid`; `followLast` false leaves a final symlink unresolved (lstat/readlink). */
  resolve(path: string, followLast = true, pid = 0): Result<Resolved> {
    if (typeof path !== 'string' || !path.startsWith('/')) return fail('ENOENT', 'vfs: relative paths are not supported');
    const todo = split(path);
    const stack: Array<{ name: string; node: FsNode }> = [];
    let links = 0;
    while (todo.length > 0) {
      const name = todo.shift()!;
      if (name === '.') continue;
      if (name === '..') {
        stack.pop();
        continue;
      }
      const dir = stack.length === 0 ? this.root : stack[stack.length - 1]!.node;
      if (dir.type !== 'dir') return fail('ENOTDIR', `vfs: ${name}: parent is not a directory`);
      const node = dir.lookup(name);
      if (node === undefined) return fail('ENOENT');
      const isLast = todo.length === 0;
      if (node.type === 'link' && (!isLast || followLast)) {
        if (++links > MAX_LINKS) return fail('ELOOP');
        const target = linkTarget(node, pid);
        if (target.startsWith('/')) stack.length = 0;
        todo.unshift(...split(target));
        continue;
      }
      stack.push({ name, node });
    }
    const node = stack.length === 0 ? this.root : stack[stack.length - 1]!.node;
    const canonical = '/' + stack.map((s) => s.name).join('/');
    const owner = this.owners.get(canonical);
    if (owner !== undefined) {
      node.uid = owner.uid;
      node.gid = owner.gid;
    }
    return ok({ node, path: canonical });
  }
}

/** What a link points to for the process `pid` (readlink(2) prints the same). */
export function linkTarget(node: { target: string; targetFor?: (pid: number) => string }, pid: number): string {
  return node.targetFor ? node.targetFor(pid) : node.target;
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

/** MAY_READ / MAY_WRITE as in include/linux/fs.h. */
export const MAY_WRITE = 2;
export const MAY_READ = 4;

/** generic_permission() for a caller with fsuid/fsgid; `dacOverride` is CAP_DAC_OVERRIDE. */
export function mayAccess(
  attrs: { mode: number; uid: number; gid: number },
  who: { uid: number; gid: number; dacOverride: boolean },
  mask: number,
): boolean {
  if (who.dacOverride) return true;
  let bits: number;
  if (who.uid === attrs.uid) bits = (attrs.mode >> 6) & 7;
  else if (who.gid === attrs.gid) bits = (attrs.mode >> 3) & 7;
  else bits = attrs.mode & 7;
  return (bits & mask) === mask;
}
