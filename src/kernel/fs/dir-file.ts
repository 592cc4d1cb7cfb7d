/**
 * A directory opened with open(2) (O_RDONLY; anything else was EISDIR). Its read is
 * generic_read_dir (EISDIR, answered in sys/files.ts); its lseek is the llseek of the file
 * system the directory is on, chosen by the canonical path:
 *
 * - sysfs, `/sys` (kernfs_dir_fops) and procfs, `/proc` and `/proc/<pid>`
 *   (proc_root_operations, proc_tgid_base_operations): generic_file_llseek over an i_size of 0
 *   (kernfs_init_inode and proc_get_inode/proc_pid_make_inode set none for a directory) and
 *   s_maxbytes MAX_NON_LFS: SEEK_SET, SEEK_CUR and SEEK_END reach [0, 2^31 - 1] (else
 *   EINVAL); SEEK_DATA and SEEK_HOLE are ENXIO at every offset (none is below end of file).
 * - debugfs, `/sys/kernel/debug` and below (simple_fill_super, debugfs_create_dir:
 *   simple_dir_operations): dcache_dir_lseek.
 * - devtmpfs, `/dev` and below (shmem with CONFIG_TMPFS, drivers/base/devtmpfs.c), and the
 *   root `/`, taken to be the tmpfs rootfs of an initramfs (init/do_mounts.c): shmem gives a
 *   directory simple_offset_dir_operations (shmem_get_inode), so offset_dir_llseek.
 *   Both of these take SEEK_SET and SEEK_CUR to any position >= 0 and refuse SEEK_END,
 *   SEEK_DATA and SEEK_HOLE with EINVAL.
 *
 * The position is the open file's (shared after dup and fork). Nothing reads the directory
 * through it: the simulator lists a directory by path (readdir), it has no getdents(2). The
 * position still bounds read(2): rw_verify_area refuses position + count past LLONG_MAX
 * (EINVAL) before generic_read_dir answers EISDIR.
 */
import type { Result } from '../../base/result.js';
import type { FileOperations } from './file.js';
import { OpenFile } from './file.js';
import { genericLlseekSize, MAX_NON_LFS, setCurLseek } from './llseek.js';
import type { DirNode } from './node.js';

/** The file systems the simulated tree has directories on. */
export type DirFs = 'kernfs' | 'proc' | 'debugfs' | 'shmem';

export interface DirFile {
  readonly node: DirNode;
  readonly fs: DirFs;
}

/** Each file system's directory llseek, from the position to the new one. */
const DIR_LLSEEK: Readonly<Record<DirFs, (pos: bigint, offset: bigint, whence: number) => Result<bigint>>> = {
  kernfs: (pos, offset, whence) => genericLlseekSize(pos, offset, whence, MAX_NON_LFS, 0n),
  proc: (pos, offset, whence) => genericLlseekSize(pos, offset, whence, MAX_NON_LFS, 0n),
  debugfs: (pos, offset, whence) => setCurLseek(pos, offset, whence, 'dcache_dir_lseek'),
  shmem: (pos, offset, whence) => setCurLseek(pos, offset, whence, 'offset_dir_llseek'),
};

const dirFops: FileOperations<DirFile> = {
  kind: 'dir',
  llseek(f, offset, whence) {
    const r = DIR_LLSEEK[f.priv.fs](f.pos, offset, whence);
    if (r.ok) f.pos = r.value;
    return r;
  },
};

const under = (path: string, dir: string): boolean => path === dir || path.startsWith(`${dir}/`);

/** Which file system canonical `path` is on (the simulated mount table; text-file.ts asks it too). */
export function fsOf(path: string): DirFs {
  if (under(path, '/sys/kernel/debug')) return 'debugfs';
  if (under(path, '/sys')) return 'kernfs';
  if (under(path, '/proc')) return 'proc';
  return 'shmem';
}

/** Open the directory `node` found at canonical `path`. */
export function openDir(node: DirNode, flags: number, path: string): OpenFile<DirFile> {
  return new OpenFile(dirFops, { node, fs: fsOf(path) }, flags, path);
}
