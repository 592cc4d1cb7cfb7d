/**
 * The walk behind a CPU load or store on an address space: every VMA in the range is checked
 * for the needed protection first (so a faulting access has no effect: SIGSEGV), then the
 * range is handed out page by page; a piece that fails (a device mapping) is SIGBUS.
 */
import { PROT_READ, PROT_WRITE } from '../../uapi/posix.js';
import type { AccessFault } from './mm-constants.js';
import type { Vma } from './vma.js';

/** Per piece: the VMA, the address, the offset into the caller's buffer, the length; an error text or null. */
export type AccessPiece = (v: Vma, a: bigint, off: number, n: number) => string | null;

export function walkAccess(find: (a: bigint) => Vma | undefined, addr: bigint, len: number, write: boolean, each: AccessPiece): AccessFault | null {
  const end = addr + BigInt(len);
  const need = write ? PROT_WRITE : PROT_READ;
  for (let a = addr; a < end; ) {
    const v = find(a);
    if (v === undefined) return { signal: 'SIGSEGV', address: a, why: 'no mapping (SEGV_MAPERR)' };
    if ((v.prot & need) === 0) return { signal: 'SIGSEGV', address: a, why: `mapping is not ${write ? 'writable' : 'readable'} (SEGV_ACCERR)` };
    a = v.end;
  }
  for (let a = addr, off = 0; a < end; ) {
    const v = find(a)!;
    const pageEnd = (a | 0xfffn) + 1n;
    const stop = pageEnd < end ? pageEnd : end;
    const n = Number(stop - a);
    const err = each(v, a, off, n);
    if (err !== null) return { signal: 'SIGBUS', address: a, why: err };
    a = stop;
    off += n;
  }
  return null;
}
