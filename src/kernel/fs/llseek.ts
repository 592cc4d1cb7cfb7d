/**
 * The llseek helpers Linux's file systems share (fs/read_write.c, fs/libfs.c), as functions
 * of the current position: each answers the new position or the errno, and the caller
 * stores it. No file here has FMODE_UNSIGNED_OFFSET, so a negative position is always EINVAL.
 * The kernel's loff_t sums wrap (it is built with -fno-strict-overflow): a SEEK_CUR past
 * LLONG_MAX lands negative there, EINVAL; here it lands past s_maxbytes, EINVAL too.
 * `whence` is at most SEEK_MAX here: ksys_lseek refuses the rest first.
 */
import { fail, ok, type Result } from '../../base/result.js';
import { S64_MAX } from '../../base/u64.js';
import { SEEK_CUR, SEEK_DATA, SEEK_END, SEEK_HOLE, SEEK_SET } from '../../uapi/posix.js';

/**
 * MAX_NON_LFS (include/linux/fs.h): alloc_super's default s_maxbytes, which kernfs
 * (kernfs_fill_super) and procfs (proc_fill_super) keep, so generic_file_llseek there stops
 * at 2^31 - 1.
 */
export const MAX_NON_LFS = (1n << 31n) - 1n;

/** MAX_LFS_FILESIZE (include/linux/fs.h, 64-bit): LLONG_MAX, shmem's s_maxbytes. */
export const MAX_LFS_FILESIZE = S64_MAX;

/** vfs_setpos: EINVAL for a negative position or one past `maxsize`. */
function setpos(offset: bigint, maxsize: bigint): Result<bigint> {
  if (offset < 0n) return fail('EINVAL', 'vfs_setpos: negative position');
  if (offset > maxsize) return fail('EINVAL', 'vfs_setpos: position past the file system maximum (s_maxbytes)');
  return ok(offset);
}

/**
 * generic_file_llseek_size (must_set_pos, then vfs_setpos): SEEK_END counts from `eof`;
 * SEEK_CUR by 0 answers the position as it is; SEEK_DATA at or past `eof` (compared
 * unsigned, so a negative offset too) is ENXIO, else the offset; SEEK_HOLE likewise, else
 * `eof` (the whole file is data, with a virtual hole at its end).
 */
export function genericLlseekSize(pos: bigint, offset: bigint, whence: number, maxsize: bigint, eof: bigint): Result<bigint> {
  switch (whence) {
    case SEEK_END:
      return setpos(offset + eof, maxsize);
    case SEEK_CUR:
      return offset === 0n ? ok(pos) : setpos(pos + offset, maxsize);
    case SEEK_DATA:
      if (BigInt.asUintN(64, offset) >= eof) return fail('ENXIO', 'must_set_pos: SEEK_DATA at or past end of file');
      return setpos(offset, maxsize);
    case SEEK_HOLE:
      if (BigInt.asUintN(64, offset) >= eof) return fail('ENXIO', 'must_set_pos: SEEK_HOLE at or past end of file');
      return setpos(eof, maxsize);
    default: // SEEK_SET
      return setpos(offset, maxsize);
  }
}

/**
 * SEEK_SET and SEEK_CUR only, else EINVAL; a negative result EINVAL (so LLONG_MAX + 1 too,
 * which wraps). The rule of seq_lseek (fs/seq_file.c: /proc and debugfs text files),
 * dcache_dir_lseek (simple_dir_operations: debugfs, ramfs) and offset_dir_llseek
 * (simple_offset_dir_operations: shmem, so tmpfs and devtmpfs). dcache_dir_lseek and seq_lseek
 * set any other position with no upper bound; offset_dir_llseek passes it to vfs_setpos with
 * LONG_MAX, which no loff_t exceeds -- so the three answer alike. `why` names the caller.
 */
export function setCurLseek(pos: bigint, offset: bigint, whence: number, why: string): Result<bigint> {
  if (whence !== SEEK_SET && whence !== SEEK_CUR) return fail('EINVAL', `${why}: only SEEK_SET and SEEK_CUR`);
  const to = whence === SEEK_CUR ? BigInt.asIntN(64, pos + offset) : offset; // the loff_t sum wraps
  return to < 0n ? fail('EINVAL', `${why}: negative position`) : ok(to);
}

/**
 * default_llseek (fs/read_write.c), hugetlbfs's llseek: SEEK_END counts from `eof`; SEEK_DATA
 * at or past `eof` (compared signed) is ENXIO, else the offset; SEEK_HOLE likewise, else
 * `eof`. There is no s_maxbytes bound: only a negative result is EINVAL (a sum past LLONG_MAX
 * wraps negative, as the kernel's loff_t does).
 */
export function defaultLlseek(pos: bigint, offset: bigint, whence: number, eof: bigint): Result<bigint> {
  let to = offset;
  if (whence === SEEK_END) to = BigInt.asIntN(64, offset + eof);
  else if (whence === SEEK_CUR) to = BigInt.asIntN(64, offset + pos); // by 0: the position, as the kernel's shortcut
  else if (whence === SEEK_DATA || whence === SEEK_HOLE) {
    if (offset >= eof) return fail('ENXIO', `default_llseek: ${whence === SEEK_DATA ? 'SEEK_DATA' : 'SEEK_HOLE'} at or past end of file`);
    if (whence === SEEK_HOLE) to = eof;
  }
  return to < 0n ? fail('EINVAL', 'default_llseek: negative position') : ok(to);
}
