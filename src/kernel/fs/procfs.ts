/**
 * /proc: a directory per live task and `self` (a link to the caller's, proc_self_get_link).
 * Each task directory has
 * - `pagemap` (mode 0400, owned by the task's uid): binary u64 entries, see mm/pagemap.ts.
 *   Opening needs ptrace read access to the task (proc_mem_open → mm_access: the same uid
 *   or CAP_SYS_PTRACE, else EACCES); whether PFNs show is decided by the opener's
 *   CAP_SYS_ADMIN at open (file_ns_capable). A read or pread must start at and cover whole
 *   8-byte entries (EINVAL); after the task is gone it reads 0 bytes. lseek is mem_lseek.
 * - `maps`: one line per VMA as show_map_vma prints it.
 */
import { fail, ok, type Result } from '../../base/result.js';
import { SEEK_CUR, SEEK_SET } from '../../uapi/posix.js';
import type { Kernel } from '../kernel.js';
import { TASK_SIZE } from '../mm/mm-constants.js';
import { pagemapBytes, PM_ENTRY_BYTES } from '../mm/pagemap.js';
import type { Task } from '../task.js';
import { OpenFile, type FileOperations } from './file.js';
import { computedDir, staticDir, type CharDevNode, type DirNode, type FsNode, type LinkNode, type TextFileNode } from './node.js';

interface PagemapFile {
  readonly task: Task;
  readonly showPfn: boolean;
}

function readPagemap(f: OpenFile<PagemapFile>, len: number, off: bigint): Result<Uint8Array> {
  const { task, showPfn } = f.priv;
  if (!task.kernel.tasks.has(task.pid)) return ok(new Uint8Array(0)); // mmget_not_zero failed
  if (off % BigInt(PM_ENTRY_BYTES) !== 0n || len % PM_ENTRY_BYTES !== 0) return fail('EINVAL', 'pagemap_read: offset or count not a multiple of 8');
  return ok(pagemapBytes(task.mm, off / BigInt(PM_ENTRY_BYTES), len / PM_ENTRY_BYTES, TASK_SIZE, showPfn));
}

const pagemapFops: FileOperations<PagemapFile> = {
  kind: 'proc-pagemap',
  read(f, len) {
    const r = readPagemap(f, len, f.pos);
    if (r.ok) f.pos += BigInt(r.value.length);
    return r;
  },
  pread: (f, len, off) => readPagemap(f, len, off),
  llseek(f, offset, whence) {
    // mem_lseek: SEEK_SET and SEEK_CUR, any position
    if (whence !== SEEK_SET && whence !== SEEK_CUR) return fail('EINVAL', 'mem_lseek: only SEEK_SET and SEEK_CUR');
    f.pos = (whence === SEEK_CUR ? f.pos : 0n) + offset;
    return ok(f.pos);
  },
};

function pagemapNode(task: Task): CharDevNode {
  return {
    type: 'chr',
    mode: 0o400,
    uid: task.cred.uid,
    gid: task.cred.gid,
    open(ctx, flags, path) {
      const me = ctx.task;
      if (me.cred.uid !== task.cred.uid && !me.capable('CAP_SYS_PTRACE')) return fail('EACCES', 'proc_mem_open: mm_access: no ptrace read access to the task');
      return ok(new OpenFile(pagemapFops, { task, showPfn: me.capable('CAP_SYS_ADMIN') }, flags, path));
    },
  };
}

const hex = (v: bigint, w = 8) => v.toString(16).padStart(w, '0');

/** /proc/<pid>/maps (show_map_vma): start-end perms offset dev inode, then the name padded to column 73. */
export function mapsText(task: Task): string {
  let out = '';
  for (const v of task.mm.list()) {
    const perms = `${v.prot & 1 ? 'r' : '-'}${v.prot & 2 ? 'w' : '-'}${v.prot & 4 ? 'x' : '-'}${v.backing.kind === 'anon' || (v.backing.kind === 'shmem' && v.backing.cow !== null) ? 'p' : 's'}`;
    const off = v.backing.kind === 'anon' ? 0n : v.backing.pgoff;
    const name = v.backing.kind === 'shmem' ? v.backing.obj.name : v.backing.kind === 'device' ? v.backing.mapping.name : '';
    const head = `${hex(v.start)}-${hex(v.end)} ${perms} ${hex(off)} 00:00 0`;
    out += name === '' ? `${head}\n` : `${head.padEnd(73)}${name}\n`;
  }
  return out;
}

function taskDir(task: Task): DirNode {
  const maps: TextFileNode = { type: 'file', mode: 0o444, uid: task.cred.uid, gid: task.cred.gid, read: () => ok(mapsText(task)) };
  return staticDir({ pagemap: pagemapNode(task), maps });
}

export function procRoot(k: Kernel): DirNode {
  const self: LinkNode = { type: 'link', target: 'self', targetFor: (pid) => String(pid), mode: 0o777, uid: 0, gid: 0 };
  const entries = (): Array<readonly [string, FsNode]> => [['self', self], ...[...k.tasks.values()].map((t) => [String(t.pid), taskDir(t)] as const)];
  return computedDir(entries, { mode: 0o555 }, (name) => {
    if (name === 'self') return self;
    const t = /^[1-9][0-9]*$/.test(name) ? k.tasks.get(Number(name)) : undefined;
    return t === undefined ? undefined : taskDir(t);
  });
}
