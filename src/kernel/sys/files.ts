/**
 * The file syscalls (fs/open.c, read_write.c, ioctl.c, fcntl.c, namei.c): path-based
 * calls resolve through the VFS and check access as generic_permission() does; fd-based
 * calls look the fd up (EBADF) and forward to the file's operations (ENOTTY, EINVAL or
 * EBADF where the file has no such operation, as Linux answers).
 */
import { fail, ok, okVoid, type Result } from '../../base/result.js';
import { S64_MAX } from '../../base/u64.js';
import type { OpenFile, SyscallContext } from '../fs/file.js';
import { openDir } from '../fs/dir-file.js';
import type { TextFileNode } from '../fs/node.js';
import { SEEK_MAX } from '../../uapi/posix.js';
import { openTextFile, textFsOf } from '../fs/text-file.js';
import { linkTarget, MAY_READ, MAY_WRITE, mayAccess } from '../fs/vfs.js';
import type { Task } from '../task.js';
import { FD_CLOEXEC, F_GETFD, F_GETFL, F_SETFD, F_SETFL, O_ACCMODE, O_APPEND, O_CLOEXEC, O_DIRECT, O_DIRECTORY, O_NOATIME, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY } from '../../uapi/posix.js';


function who(t: Task): { uid: number; gid: number; dacOverride: boolean } {
  return { uid: t.cred.uid, gid: t.cred.gid, dacOverride: t.capable('CAP_DAC_OVERRIDE') };
}

/** FMODE_READ / FMODE_WRITE of an open file. Access mode 3 asks for both permissions but grants neither (an ioctl-only open). */
export function canRead(flags: number): boolean {
  const acc = flags & O_ACCMODE;
  return acc === O_RDONLY || acc === O_RDWR;
}

export function canWrite(flags: number): boolean {
  const acc = flags & O_ACCMODE;
  return acc === O_WRONLY || acc === O_RDWR;
}

function accessMask(flags: number): number {
  const acc = flags & O_ACCMODE;
  return acc === O_RDONLY ? MAY_READ : acc === O_WRONLY ? MAY_WRITE : MAY_READ | MAY_WRITE;
}

/** open(2). */
export function sysOpen(t: Task, path: string, flags: number): Result<number> {
  const r = t.kernel.vfs.resolve(path, true, t.pid);
  if (!r.ok) return r;
  const node = r.value.node;
  if (flags & O_DIRECTORY && node.type !== 'dir') return fail('ENOTDIR');
  if (node.type === 'dir' && (flags & O_ACCMODE) !== O_RDONLY) return fail('EISDIR');
  // resolve() followed the last link (no O_NOFOLLOW here), so no link reaches this line: it narrows
  // the type for openDir, answering as may_open would for an unfollowed link
  if (node.type === 'link') return fail('ELOOP', 'may_open: a symbolic link');
  if (!mayAccess(node, who(t), accessMask(flags))) return fail('EACCES');
  let file: OpenFile;
  if (node.type === 'chr') {
    const o = node.open({ task: t }, flags, r.value.path);
    if (!o.ok) return o;
    file = o.value;
  } else if (node.type === 'file') {
    const o = openTextFile(node, textFsOf(r.value.path), flags, r.value.path, canRead(flags), canWrite(flags));
    if (!o.ok) return o;
    file = o.value;
  } else {
    file = openDir(node, flags, r.value.path);
  }
  file.openedByPath = true;
  const fd = t.installFd(file, (flags & O_CLOEXEC) !== 0);
  if (fd === null) {
    file.put();
    return fail('EMFILE');
  }
  return ok(fd);
}

/** close(2). */
export function sysClose(t: Task, fd: number): Result<void> {
  const f = t.removeFd(fd);
  if (f === undefined) return fail('EBADF');
  f.put();
  return okVoid();
}

function fileOf(t: Task, fd: number): Result<OpenFile> {
  const f = t.file(fd);
  return f === undefined ? fail('EBADF') : ok(f);
}

/**
 * rw_verify_area(): a transfer whose end would pass LLONG_MAX is EINVAL (no file here has
 * FMODE_UNSIGNED_OFFSET). The count of a JS buffer never exceeds SSIZE_MAX.
 */
function verifyArea(pos: bigint, count: number, why: string): Result<void> {
  return pos + BigInt(count) > S64_MAX ? fail('EINVAL', `rw_verify_area: ${why} position + count passes LLONG_MAX`) : okVoid();
}

/** A directory: its read is generic_read_dir (EISDIR), so it has FMODE_CAN_READ. */
function isDir(file: OpenFile): boolean {
  return file.ops.kind === 'dir';
}

/** FMODE_PREAD / FMODE_PWRITE: any file opened by path, or one that reads and writes at an offset itself. */
function positional(file: OpenFile, op: 'pread' | 'pwrite'): boolean {
  return file.openedByPath || file.ops[op] !== undefined;
}

/**
 * read(2) (ksys_read → vfs_read): EBADF for a closed fd or one not open for reading; EINVAL
 * when the file cannot read (no FMODE_CAN_READ) or the position would pass LLONG_MAX; a
 * directory then answers EISDIR.
 */
export function sysRead(t: Task, fd: number, len: number): Result<Uint8Array> {
  const f = fileOf(t, fd);
  if (!f.ok) return f;
  const file = f.value;
  if (!canRead(file.flags)) return fail('EBADF', 'vfs_read: not open for reading');
  if (!file.ops.read && !isDir(file)) return fail('EINVAL', 'vfs_read: no FMODE_CAN_READ');
  const v = verifyArea(file.pos, len, 'read');
  if (!v.ok) return v;
  if (isDir(file)) return fail('EISDIR', 'generic_read_dir');
  return file.ops.read!(file, len, { task: t });
}

/** write(2) (ksys_write → vfs_write): EBADF, then EINVAL (no FMODE_CAN_WRITE, rw_verify_area). */
export function sysWrite(t: Task, fd: number, data: Uint8Array): Result<number> {
  const f = fileOf(t, fd);
  if (!f.ok) return f;
  const file = f.value;
  if (!canWrite(file.flags)) return fail('EBADF', 'vfs_write: not open for writing');
  if (!file.ops.write) return fail('EINVAL', 'vfs_write: no FMODE_CAN_WRITE');
  const v = verifyArea(file.pos, data.length, 'write');
  if (!v.ok) return v;
  return file.ops.write(file, data, { task: t });
}

/**
 * pread64(2) in ksys_pread64()'s order: a negative offset is EINVAL before the fd is even
 * looked up (EBADF); a file without FMODE_PREAD (a stream, an anon inode without it) is
 * ESPIPE before its open mode is checked (vfs_read: EBADF, EINVAL, rw_verify_area).
 */
export function sysPread(t: Task, fd: number, len: number, off: bigint): Result<Uint8Array> {
  if (off < 0n) return fail('EINVAL', 'ksys_pread64: negative offset');
  const f = fileOf(t, fd);
  if (!f.ok) return f;
  const file = f.value;
  if (!positional(file, 'pread')) return fail('ESPIPE', 'ksys_pread64: no FMODE_PREAD');
  if (!canRead(file.flags)) return fail('EBADF', 'vfs_read: not open for reading');
  if (!file.ops.pread && !file.ops.read && !isDir(file)) return fail('EINVAL', 'vfs_read: no FMODE_CAN_READ');
  const v = verifyArea(off, len, 'pread');
  if (!v.ok) return v;
  if (isDir(file)) return fail('EISDIR', 'generic_read_dir');
  // a file without pread here ignores the position in its read (uio_read)
  return file.ops.pread ? file.ops.pread(file, len, off, { task: t }) : file.ops.read!(file, len, { task: t });
}

/** pwrite64(2) in ksys_pwrite64()'s order: EINVAL (negative offset), EBADF, ESPIPE, then vfs_write's EBADF, EINVAL. */
export function sysPwrite(t: Task, fd: number, data: Uint8Array, off: bigint): Result<number> {
  if (off < 0n) return fail('EINVAL', 'ksys_pwrite64: negative offset');
  const f = fileOf(t, fd);
  if (!f.ok) return f;
  const file = f.value;
  if (!positional(file, 'pwrite')) return fail('ESPIPE', 'ksys_pwrite64: no FMODE_PWRITE');
  if (!canWrite(file.flags)) return fail('EBADF', 'vfs_write: not open for writing');
  if (!file.ops.pwrite && !file.ops.write) return fail('EINVAL', 'vfs_write: no FMODE_CAN_WRITE');
  const v = verifyArea(off, data.length, 'pwrite');
  if (!v.ok) return v;
  return file.ops.pwrite ? file.ops.pwrite(file, data, off, { task: t }) : file.ops.write!(file, data, { task: t });
}

/** ioctl(2): ENOTTY when the file has no ioctl handler. */
export function sysIoctl(t: Task, fd: number, request: number, arg: unknown): Result<number> {
  const f = fileOf(t, fd);
  if (!f.ok) return f;
  const file = f.value;
  if (!file.ops.ioctl) return fail('ENOTTY');
  return file.ops.ioctl(file, request, arg, { task: t });
}

/** fcntl(2): F_GETFD/F_SETFD/F_GETFL/F_SETFL (only O_NONBLOCK and O_APPEND change). */
export function sysFcntl(t: Task, fd: number, cmd: number, arg: number): Result<number> {
  const e = t.fdEntry(fd);
  if (e === undefined) return fail('EBADF');
  switch (cmd) {
    case F_GETFD:
      return ok(e.cloexec ? FD_CLOEXEC : 0);
    case F_SETFD:
      e.cloexec = (arg & FD_CLOEXEC) !== 0;
      return ok(0);
    case F_GETFL:
      return ok(e.file.flags & ~O_CLOEXEC);
    case F_SETFL:
      return setfl(t, e.file, arg);
    default:
      return fail('EINVAL', `fcntl: unsupported command ${cmd}`);
  }
}

/** The open-status flags F_SETFL may change (fs/fcntl.c SETFL_MASK; O_NDELAY is O_NONBLOCK on x86-64). */
const SETFL_MASK = O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME;

/**
 * F_SETFL (fs/fcntl.c setfl), in its order: O_NOATIME only for the inode's owner or
 * CAP_FOWNER (inode_owner_or_capable, EPERM); O_DIRECT only where the file can do direct
 * I/O (FMODE_CAN_ODIRECT, EINVAL) -- no file here can: devices, sysfs, eventfd, anon inodes,
 * memfds (memfd_create's file comes from shmem_file_setup, not shmem_file_open, which sets it).
 * Then the whole mask is replaced. No inode is append-only, so O_APPEND always changes.
 */
function setfl(t: Task, file: OpenFile, arg: number): Result<number> {
  if (arg & O_NOATIME && !(file.flags & O_NOATIME) && !t.capable('CAP_FOWNER')) {
    const node = t.kernel.vfs.resolve(file.path);
    const owner = node.ok ? node.value.node.uid : 0;
    if (owner !== t.cred.uid) return fail('EPERM', 'setfl: O_NOATIME needs the inode owner or CAP_FOWNER (inode_owner_or_capable)');
  }
  if (arg & O_DIRECT) return fail('EINVAL', 'setfl: O_DIRECT on a file without FMODE_CAN_ODIRECT');
  file.flags = (file.flags & ~SETFL_MASK) | (arg & SETFL_MASK);
  return ok(0);
}

/**
 * The open half of sysReadFile/sysWriteFile: resolve `path`, refuse a directory (EISDIR) or a
 * node that is not a text file, check the access, open it for reading or for writing.
 */
function openText(t: Task, path: string, write: boolean): Result<{ node: TextFileNode; file: OpenFile }> {
  const r = t.kernel.vfs.resolve(path, true, t.pid);
  if (!r.ok) return r;
  const node = r.value.node;
  if (node.type === 'dir') return fail('EISDIR');
  if (node.type !== 'file') return fail('EINVAL', `${write ? 'writeFile' : 'readFile'}: not a text file`);
  if (!mayAccess(node, who(t), write ? MAY_WRITE : MAY_READ) || !(write ? node.write : node.read)) return fail('EACCES');
  const o = openTextFile(node, textFsOf(r.value.path), write ? O_WRONLY : O_RDONLY, r.value.path, !write, write);
  return o.ok ? ok({ node, file: o.value }) : o;
}

/** open + read + close of a text file (sysfs attribute). */
export function sysReadFile(t: Task, path: string): Result<string> {
  const o = openText(t, path, false);
  if (!o.ok) return o;
  return o.value.node.read!();
}

/** open + write + close of a text file. */
export function sysWriteFile(t: Task, path: string, data: string): Result<void> {
  const o = openText(t, path, true);
  if (!o.ok) return o;
  const w = o.value.file.ops.write!(o.value.file, new TextEncoder().encode(data), { task: t });
  return w.ok ? okVoid() : w;
}

/**
 * lseek(2): EINVAL for a whence past SEEK_MAX (ksys_lseek), ESPIPE for a file that cannot seek
 * (vfs_llseek), else the file's llseek (a directory's: fs/dir-file.ts).
 */
export function sysLseek(t: Task, fd: number, offset: bigint, whence: number): Result<bigint> {
  const f = fileOf(t, fd);
  if (!f.ok) return f;
  if (whence < 0 || whence > SEEK_MAX) return fail('EINVAL', 'ksys_lseek: whence > SEEK_MAX');
  const file = f.value;
  if (!file.ops.llseek) return fail('ESPIPE', 'vfs_llseek: file has no llseek (no FMODE_LSEEK)');
  return file.ops.llseek(file, offset, whence, { task: t });
}


/** getdents(2) on a directory, names only, without "." and "..". */
export function sysReaddir(t: Task, path: string): Result<string[]> {
  const r = t.kernel.vfs.resolve(path, true, t.pid);
  if (!r.ok) return r;
  if (r.value.node.type !== 'dir') return fail('ENOTDIR');
  return ok(r.value.node.list());
}

/** readlink(2): EINVAL when the path is not a link. */
export function sysReadlink(t: Task, path: string): Result<string> {
  const r = t.kernel.vfs.resolve(path, false, t.pid);
  if (!r.ok) return r;
  return r.value.node.type === 'link' ? ok(linkTarget(r.value.node, t.pid)) : fail('EINVAL');
}

/** chown(2): CAP_CHOWN needed to give a file away (root only here). */
export function sysChown(t: Task, path: string, uid: number, gid: number): Result<void> {
  const r = t.kernel.vfs.resolve(path, true, t.pid);
  if (!r.ok) return r;
  if (!t.capable('CAP_CHOWN')) return fail('EPERM');
  t.kernel.vfs.chown(r.value, uid, gid);
  return okVoid();
}
