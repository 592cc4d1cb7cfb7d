/**
 * Path calls of a real program on simulated paths: readlink, realpath, directory listings
 * (with each entry's d_type) and stat, answered from the simulated VFS as the program's
 * simulated process sees it.
 */
import { errnoNumber } from '../../base/errno.js';
import type { FsNode } from '../../kernel/fs/node.js';
import type { Process } from '../../process/process.js';
import { errReply } from './session.js';
import type { Reply } from './protocol.js';

const S_IFMT: Readonly<Record<FsNode['type'], number>> = { dir: 0o040000, file: 0o100000, link: 0o120000, chr: 0o020000 };
/** d_type values of <dirent.h>. */
const DT: Readonly<Record<FsNode['type'], number>> = { dir: 4, file: 8, link: 10, chr: 2 };

function resolve(p: Process, path: string, follow: boolean): FsNode | number {
  const r = p.task.kernel.vfs.resolve(path, follow);
  return r.ok ? r.value.node : errnoNumber(r.code);
}

export function readlinkReply(p: Process, path: string): Reply {
  try {
    const t = Buffer.from(p.readlink(path));
    return { err: 0, ret: BigInt(t.length), acts: [], payload: t };
  } catch (e) {
    return errReply(e);
  }
}

export function realpathReply(p: Process, path: string): Reply {
  const r = p.task.kernel.vfs.resolve(path, true);
  if (!r.ok) return { err: errnoNumber(r.code), ret: -1n, acts: [], payload: null };
  const t = Buffer.from(r.value.path);
  return { err: 0, ret: BigInt(t.length), acts: [], payload: t };
}

/** "<d_type><name>\0" per entry. */
export function readdirReply(p: Process, path: string): Reply {
  try {
    const names = ['.', '..', ...p.readdir(path)];
    const parts = names.map((n) => {
      const node = n === '.' || n === '..' ? null : resolve(p, `${path.replace(/\/$/, '')}/${n}`, false);
      const t = node === null ? DT.dir : typeof node === 'number' ? 0 : DT[node.type];
      return Buffer.concat([Buffer.of(t), Buffer.from(n), Buffer.of(0)]);
    });
    const b = Buffer.concat(parts);
    return { err: 0, ret: BigInt(b.length), acts: [], payload: b };
  } catch (e) {
    return errReply(e);
  }
}

/** struct simstat of the shim: u32 mode, uid, gid, nlink; u64 size, rdev, ino. */
export function statReply(p: Process, path: string, follow: boolean): Reply {
  const node = resolve(p, path, follow);
  if (typeof node === 'number') return { err: node, ret: -1n, acts: [], payload: null };
  return { err: 0, ret: 0n, acts: [], payload: simstat(node, path) };
}

export function fstatReply(p: Process, sim: number): Reply {
  const f = p.task.file(sim);
  if (f === undefined) return { err: errnoNumber('EBADF'), ret: -1n, acts: [], payload: null };
  const node = f.path ? resolve(p, f.path, true) : null;
  if (node === null || typeof node === 'number') {
    const b = Buffer.alloc(40);
    b.writeUInt32LE(0o100600, 0);
    b.writeUInt32LE(1, 12);
    return { err: 0, ret: 0n, acts: [], payload: b };
  }
  return { err: 0, ret: 0n, acts: [], payload: simstat(node, f.path) };
}

function simstat(node: FsNode, path: string): Buffer {
  const b = Buffer.alloc(40);
  b.writeUInt32LE(S_IFMT[node.type] | (node.mode & 0o7777), 0);
  b.writeUInt32LE(node.uid, 4);
  b.writeUInt32LE(node.gid, 8);
  b.writeUInt32LE(node.type === 'dir' ? 2 : 1, 12);
  b.writeBigUInt64LE(node.type === 'file' ? 4096n : 0n, 16);
  b.writeBigUInt64LE(0n, 24);
  let h = 0;
  for (const c of path) h = (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0;
  b.writeBigUInt64LE(BigInt(h), 32);
  return b;
}
