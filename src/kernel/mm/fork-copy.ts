/**
 * The VMA copy of fork(2) (kernel/fork.c dup_mmap → copy_page_range): each VMA of the parent
 * gets a twin in the child. Private anonymous pages are copied at once — Linux shares them
 * copy-on-write and copies on the first write, which user space sees as a copy; a pinned
 * private page is copied for the child at fork itself (mm/memory.c copy_present_page, when
 * page_needs_cow_for_dma()), and the parent keeps the pinned one, which eager copying gives
 * too. Shmem mappings share their object; device (VM_PFNMAP) mappings are inherited, since
 * vfio_pci_core_mmap and pci_mmap_resource_range do not set VM_DONTCOPY, and each child
 * VMA holds its own reference (vm_ops->open). VM_LOCKED is not inherited; pins are not.
 *
 * A failed copy (ENOMEM) frees what it allocated and changes nothing in the parent.
 */
import { fail, ok, type Result } from '../../base/result.js';
import type { FramePool, PhysAccess } from './frames.js';
import { anonBacking, type AnonBacking, type Vma } from './vma.js';

export function forkVmas(parent: readonly Vma[], frames: FramePool, phys: PhysAccess, drop: (pfn: number) => void): Result<Vma[]> {
  const out: Vma[] = [];
  const allocated: Array<[number, number]> = [];
  for (const v of parent) {
    const src = v.backing.kind === 'anon' ? v.backing : v.backing.kind === 'shmem' ? v.backing.cow : null;
    if (src === null) continue;
    const b = copyAnon(src, frames, phys, allocated);
    if (b === null) {
      for (const [pfn, n] of allocated) for (let k = 0; k < n; k++) drop(pfn + k);
      return fail('ENOMEM', 'dup_mmap: copy_page_range: out of memory for the child\'s copies');
    }
    out.push(v.backing.kind === 'shmem' ? { ...v, backing: { kind: 'shmem', obj: v.backing.obj, pgoff: v.backing.pgoff, cow: b } } : { ...v, backing: b });
  }
  // only now, with every copy made, take the shared references (nothing to undo after this)
  const copies = [...out];
  out.length = 0;
  for (const v of parent) {
    if (v.backing.kind === 'anon') out.push(copies.shift()!);
    else if (v.backing.kind === 'shmem' && v.backing.cow !== null) {
      const c = copies.shift()!;
      v.backing.obj.mapGet();
      out.push(c);
    } else if (v.backing.kind === 'shmem') out.push({ ...v, backing: { kind: 'shmem', obj: v.backing.obj.mapGet(), pgoff: v.backing.pgoff, cow: null } });
    else {
      v.backing.mapping.split?.();
      out.push({ ...v, backing: { kind: 'device', mapping: v.backing.mapping, pgoff: v.backing.pgoff } });
    }
  }
  return ok(out);
}

/** Copy every populated page and block of `src` into fresh frames; null when memory runs out. */
function copyAnon(src: AnonBacking, frames: FramePool, phys: PhysAccess, allocated: Array<[number, number]>): AnonBacking | null {
  const dst = anonBacking(src.blockPages, src.hugetlb);
  const bp = src.blockPages;
  for (const [blk, base] of src.blocks) {
    const nb = frames.alloc(bp, bp);
    if (nb !== null) {
      allocated.push([nb, bp]);
      phys.copy(BigInt(nb) << 12n, BigInt(base) << 12n, bp * 4096);
      dst.blocks.set(blk, nb);
      continue;
    }
    if (src.hugetlb) return null;
    // a transparent huge page may be split for the child: copy it page by page
    for (let k = 0; k < bp; k++) if (!copyPage(dst, blk * bp + k, base + k, frames, phys, allocated)) return null;
  }
  for (const [vpn, pfn] of src.pages) if (!copyPage(dst, vpn, pfn, frames, phys, allocated)) return null;
  return dst;
}

function copyPage(dst: AnonBacking, vpn: number, pfn: number, frames: FramePool, phys: PhysAccess, allocated: Array<[number, number]>): boolean {
  const n = frames.alloc(1, 1);
  if (n === null) return false;
  allocated.push([n, 1]);
  phys.copy(BigInt(n) << 12n, BigInt(pfn) << 12n, 4096);
  dst.pages.set(vpn, n);
  return true;
}
