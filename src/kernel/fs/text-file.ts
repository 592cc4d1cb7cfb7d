/**
 * A text attribute opened as a file (sysfs through kernfs, /proc and debugfs through seq_file),
 * with the semantics C's stdio relies on:
 *
 * - read(2) at position 0 runs the attribute's show() and keeps the text for this open file
 *   (seq_read_iter resets its iterator at offset 0); later reads continue from the file
 *   position, and a read at the end returns 0 bytes — end of file — so an fgets() loop ends.
 * - pread(2) reads at an offset without moving the position (a fresh show(), as seq_file's
 *   traverse does for an offset other than its read position).
 * - lseek(2): sysfs uses generic_file_llseek with i_size = PAGE_SIZE (sysfs_add_file_mode_ns)
 *   and kernfs's s_maxbytes, MAX_NON_LFS (fs/llseek.ts); /proc and debugfs use seq_lseek
 *   (SEEK_SET / SEEK_CUR only, EINVAL otherwise).
 * - open(2) on sysfs checks the attribute as kernfs_fop_open does on a root mounted with
 *   KERNFS_ROOT_EXTRA_OPEN_PERM_CHECK: opening for write needs a write bit in the mode and a
 *   store handler, for read a read bit and a show handler; else EACCES, root included.
 * - write(2) of 0 bytes returns 0 without reaching the store handler (sysfs_kf_write); a
 *   longer write is cut to PAGE_SIZE (kernfs_fop_write_iter without atomic_write_len).
 */
import { fail, ok, type Result } from '../../base/result.js';
import { PAGE_SIZE } from '../../base/u64.js';
import { fsOf } from './dir-file.js';
import { OpenFile, type FileOperations, type SyscallContext } from './file.js';
import { genericLlseekSize, MAX_NON_LFS, setCurLseek } from './llseek.js';
import type { TextFileNode } from './node.js';

/** Which file system serves the attribute: its llseek and open checks differ. */
export type TextFs = 'sysfs' | 'seq';

export interface TextFile {
  readonly node: TextFileNode;
  readonly fs: TextFs;
  /** The text the last show() produced for this open file (seq_file's buffer), or null. */
  text: Uint8Array | null;
}

function show(node: TextFileNode): Result<Uint8Array> {
  if (!node.read) return fail('EIO', 'kernfs_seq_show: attribute has no show');
  const r = node.read();
  return r.ok ? ok(new TextEncoder().encode(r.value)) : r;
}

function slice(text: Uint8Array, off: bigint, len: number): Uint8Array {
  if (off >= BigInt(text.length)) return new Uint8Array(0);
  const at = Number(off);
  return text.slice(at, at + len);
}

const textFops: FileOperations<TextFile> = {
  kind: 'sysfs',
  read(f, len) {
    const tf = f.priv;
    if (f.pos === 0n || tf.text === null) {
      const t = show(tf.node);
      if (!t.ok) return t;
      tf.text = t.value;
    }
    const out = slice(tf.text, f.pos, len);
    f.pos += BigInt(out.length);
    return ok(out);
  },
  pread(f, len, off) {
    const t = show(f.priv.node);
    return t.ok ? ok(slice(t.value, off, len)) : t;
  },
  write(f, data, ctx) {
    return store(f, data, ctx);
  },
  pwrite(f, data, _off, ctx) {
    return store(f, data, ctx);
  },
  llseek(f, offset, whence) {
    const r = f.priv.fs === 'sysfs' ? genericLlseekSize(f.pos, offset, whence, MAX_NON_LFS, BigInt(PAGE_SIZE)) : setCurLseek(f.pos, offset, whence, 'seq_lseek');
    if (!r.ok) return r;
    if (r.value !== f.pos) f.priv.text = null;
    f.pos = r.value;
    return r;
  },
};

/** sysfs_kf_write: 0 bytes never reach the store; at most a page does. */
function store(f: OpenFile<TextFile>, data: Uint8Array, ctx: SyscallContext): Result<number> {
  const node = f.priv.node;
  if (!node.write) return fail('EIO', 'kernfs_fop_write_iter: attribute has no store');
  const len = Math.min(data.length, PAGE_SIZE);
  if (len === 0) return ok(0);
  const r = node.write(new TextDecoder().decode(data.subarray(0, len)), ctx);
  if (!r.ok) return r;
  f.pos += BigInt(len);
  return ok(len);
}

const S_IWUGO = 0o222;
const S_IRUGO = 0o444;

/**
 * Open a text attribute. On sysfs, kernfs_fop_open's KERNFS_ROOT_EXTRA_OPEN_PERM_CHECK:
 * EACCES for write without a write bit or store, or for read without a read bit or show.
 */
export function openTextFile(node: TextFileNode, fs: TextFs, flags: number, path: string, wantRead: boolean, wantWrite: boolean): Result<OpenFile<TextFile>> {
  if (fs === 'sysfs') {
    if (wantWrite && ((node.mode & S_IWUGO) === 0 || !node.write)) return fail('EACCES', 'kernfs_fop_open: opened for write, attribute has no write permission or store');
    if (wantRead && ((node.mode & S_IRUGO) === 0 || !node.read)) return fail('EACCES', 'kernfs_fop_open: opened for read, attribute has no read permission or show');
  }
  return ok(new OpenFile(textFops, { node, fs, text: null }, flags, path));
}

/** Which text file system a canonical path is on (fsOf): kernfs is sysfs; debugfs and /proc are seq_file. */
export function textFsOf(path: string): TextFs {
  return fsOf(path) === 'kernfs' ? 'sysfs' : 'seq';
}
