/**
 * memfd_create(2) (mm/memfd.c) and the file it returns: an anonymous shmem (or, with
 * MFD_HUGETLB, hugetlbfs) file of size 0, opened O_RDWR, named "memfd:<name>".
 *
 * - flags: unknown bits EINVAL; the MFD_HUGE_* size bits only with MFD_HUGETLB; MFD_EXEC
 *   with MFD_NOEXEC_SEAL EINVAL; a name longer than 249 bytes EINVAL; a hugetlb size x86-64
 *   has no hstate for ENODEV (hugetlb_file_setup).
 * - read/write/pread/pwrite move bytes at the file position within i_size; a write past
 *   the end grows the file (shmem); hugetlbfs has no write: EINVAL.
 * - ftruncate sets i_size; pages past it are freed (shmem_setattr); on hugetlbfs the size
 *   must be a multiple of the huge page size (hugetlbfs_setattr: EINVAL).
 * - mmap shares the object: MAP_SHARED mappings in every process see the same pages; a
 *   hugetlbfs mapping needs a huge-aligned offset (EINVAL) and a writable one grows i_size
 *   to cover it (hugetlbfs_file_mmap). Access past i_size is SIGBUS.
 *
 * - MAP_PRIVATE mappings read the file until a page is written; the writer gets a private
 *   copy of that page (do_cow_fault), which the file and other mappings never see.
 *
 * - lseek: shmem_file_llseek — SEEK_DATA/SEEK_HOLE see the pages allocated (written, faulted
 *   in, pinned) as data and the rest as holes; hugetlbfs: default_llseek (all data).
 *
 * Not modelled: seals (F_ADD_SEALS), fallocate (its !uptodate pages would be holes).
 */
import { fail, ok, okVoid, type Result } from '../../base/result.js';
import { O_LARGEFILE, O_RDWR, SEEK_DATA, SEEK_HOLE } from '../../uapi/posix.js';
import { MAP_PRIVATE } from '../../uapi/posix.js';
import type { ShmemObject } from '../mm/shmem.js';
import type { Task } from '../task.js';
import { OpenFile, type FileOperations } from './file.js';
import { defaultLlseek, genericLlseekSize, MAX_LFS_FILESIZE } from './llseek.js';

/** NAME_MAX - strlen("memfd:") */
export const MFD_NAME_MAX_LEN = 249;

export interface Memfd {
  readonly obj: ShmemObject;
}

function readAt(f: OpenFile<Memfd>, len: number, off: bigint, phys: Task['kernel']['phys']): Uint8Array {
  const obj = f.priv.obj;
  const end = off + BigInt(len) < obj.size ? off + BigInt(len) : obj.size;
  if (off >= end) return new Uint8Array(0);
  const out = new Uint8Array(Number(end - off));
  for (let at = off; at < end; ) {
    const stop = ((at >> 12n) + 1n) << 12n < end ? ((at >> 12n) + 1n) << 12n : end;
    const pfn = obj.frameAt(Number(at >> 12n));
    if (pfn !== undefined) out.set(phys.read((BigInt(pfn) << 12n) | (at & 0xfffn), Number(stop - at)), Number(at - off));
    at = stop;
  }
  return out;
}

function writeAt(f: OpenFile<Memfd>, data: Uint8Array, off: bigint, phys: Task['kernel']['phys']): Result<number> {
  const obj = f.priv.obj;
  if (obj.blockPages > 1) return fail('EINVAL', 'hugetlbfs has no write_iter');
  const end = off + BigInt(data.length);
  const oldSize = obj.size;
  if (end > obj.size) obj.size = end;
  for (let at = off; at < end; ) {
    const stop = ((at >> 12n) + 1n) << 12n < end ? ((at >> 12n) + 1n) << 12n : end;
    const pfn = obj.populate(Number(at >> 12n));
    if (pfn === null) {
      obj.size = oldSize;
      return fail('ENOSPC', 'shmem_get_folio: out of memory');
    }
    phys.write((BigInt(pfn) << 12n) | (at & 0xfffn), data.subarray(Number(at - off), Number(stop - off)));
    at = stop;
  }
  return ok(data.length);
}

/**
 * shmem_file_llseek (mm/shmem.c): SEEK_SET/CUR/END as generic_file_llseek_size up to
 * MAX_LFS_FILESIZE; SEEK_DATA and SEEK_HOLE find the pages present (ShmemObject.seekHoleData,
 * mapping_seek_hole_data), a negative offset ENXIO first.
 */
function shmemFileLlseek(obj: ShmemObject, pos: bigint, offset: bigint, whence: number): Result<bigint> {
  if (whence !== SEEK_DATA && whence !== SEEK_HOLE) return genericLlseekSize(pos, offset, whence, MAX_LFS_FILESIZE, obj.size);
  if (offset < 0n) return fail('ENXIO', 'shmem_file_llseek: negative offset');
  const to = obj.seekHoleData(offset, whence === SEEK_DATA);
  if (to !== null) return ok(to);
  return fail('ENXIO', offset >= obj.size ? 'mapping_seek_hole_data: offset at or past i_size' : 'mapping_seek_hole_data: SEEK_DATA found no page from offset to i_size');
}

const memfdFops: FileOperations<Memfd> = {
  kind: 'memfd',
  read(f, len, ctx) {
    const out = readAt(f, len, f.pos, ctx.task.kernel.phys);
    f.pos += BigInt(out.length);
    return ok(out);
  },
  pread: (f, len, off, ctx) => ok(readAt(f, len, off, ctx.task.kernel.phys)),
  write(f, data, ctx) {
    const r = writeAt(f, data, f.pos, ctx.task.kernel.phys);
    if (r.ok) f.pos += BigInt(r.value);
    return r;
  },
  pwrite: (f, data, off, ctx) => writeAt(f, data, off, ctx.task.kernel.phys),
  llseek(f, offset, whence) {
    const obj = f.priv.obj;
    const r = obj.blockPages > 1 ? defaultLlseek(f.pos, offset, whence, obj.size) : shmemFileLlseek(obj, f.pos, offset, whence);
    if (r.ok) f.pos = r.value;
    return r;
  },
  truncate(f, length) {
    const obj = f.priv.obj;
    if (obj.blockPages > 1 && length & (obj.blockBytes - 1n)) return fail('EINVAL', 'hugetlbfs_setattr: size not a multiple of the huge page size');
    obj.truncate(length);
    return okVoid();
  },
  mmap(f, req) {
    const obj = f.priv.obj;
    if (obj.blockPages > 1) {
      if (req.offset & (obj.blockBytes - 1n)) return fail('EINVAL', 'hugetlbfs_file_mmap: offset not huge-page aligned');
      const len = ((req.length + obj.blockBytes - 1n) & ~(obj.blockBytes - 1n)) + req.offset;
      if (req.prot & 2 && (req.flags & 0x0f) !== MAP_PRIVATE && obj.size < len) obj.size = len;
    }
    return ok(obj);
  },
  release(f) {
    f.priv.obj.put();
  },
};

/** Is `f` a hugetlbfs file (is_file_hugepages)? */
export function isHugetlbFile(f: OpenFile): boolean {
  return f.ops === (memfdFops as FileOperations<never>) && (f.priv as Memfd).obj.blockPages > 1;
}

/** The shmem object behind a memfd, or null for any other file (memfd_pin_folios' check). */
export function memfdObject(f: OpenFile): ShmemObject | null {
  return f.ops === (memfdFops as FileOperations<never>) ? (f.priv as Memfd).obj : null;
}

/** The file memfd_create installs: an O_RDWR description of `obj`. */
export function openMemfd(obj: ShmemObject, name: string): OpenFile<Memfd> {
  return new OpenFile(memfdFops, { obj }, O_RDWR | O_LARGEFILE, `/memfd:${name}`);
}
