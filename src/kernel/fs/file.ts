/**
 * Open file descriptions and the operations behind them, after Linux's `struct file` and
 * `struct file_operations`.
 *
 * An OpenFile is shared by every fd that refers to it (dup); `refs` counts those fds and
 * kernel-held references. When it drops to zero `release` runs exactly once.
 */
import type { Result } from '../../base/result.js';
import type { ShmemObject } from '../mm/shmem.js';
import type { Task } from '../task.js';

/** Who is calling: the task, and the kernel it runs on. */
export interface SyscallContext {
  readonly task: Task;
}

/** The answer to an mmap of a file: what backs the new VMA. */
export interface MmapRequest {
  readonly offset: bigint;
  readonly length: bigint;
  readonly prot: number;
  readonly flags: number;
}

/** MMIO or file-backed memory handed to the address space by a driver's mmap. */
export interface DeviceMapping {
  readonly kind: 'device';
  /** Human name for traces: "vfio-pci 0000:01:00.0 BAR0". */
  readonly name: string;
  /** For traces of CPU loads and stores: the region offset 0 of the mapping lies in, and where (`bar0`, 0x1000 → `bar0+0x1008`). */
  readonly traceBase?: { readonly region: string; readonly offset: bigint };
  /** A CPU load of `len` bytes at `off` (from the start of the mapping). SIGBUS when it fails. */
  read(off: bigint, len: number): Result<Uint8Array>;
  write(off: bigint, data: Uint8Array): Result<void>;
  /**
   * Host physical address behind `off`, when the mapping is to real memory or a BAR
   * (used when the mapping is pinned for DMA, as type1 does for VM_PFNMAP), else null.
   */
  physAddr?(off: bigint): bigint | null;
  /** Called once when the VMA is torn down (munmap, exit). */
  unmapped?(): void;
  /**
   * A VMA backed by this mapping was split in two (a partial munmap): one more VMA refers to
   * it, and `unmapped` will be called once more (Linux's vm_ops->open on the new VMA).
   */
  split?(): void;
}

export interface FileOperations<P = unknown> {
  /** What kind of file this is; ioctl dispatch and traces use it. */
  readonly kind: string;
  read?(f: OpenFile<P>, len: number, ctx: SyscallContext): Result<Uint8Array>;
  write?(f: OpenFile<P>, data: Uint8Array, ctx: SyscallContext): Result<number>;
  pread?(f: OpenFile<P>, len: number, off: bigint, ctx: SyscallContext): Result<Uint8Array>;
  pwrite?(f: OpenFile<P>, data: Uint8Array, off: bigint, ctx: SyscallContext): Result<number>;
  ioctl?(f: OpenFile<P>, request: number, arg: unknown, ctx: SyscallContext): Result<number>;
  /** A driver's mapping, or the shmem object a memfd maps (shmem_mmap). */
  mmap?(f: OpenFile<P>, req: MmapRequest, ctx: SyscallContext): Result<DeviceMapping | ShmemObject>;
  /** ftruncate(2) on a regular file (notify_change → setattr). Files without it: EINVAL. */
  truncate?(f: OpenFile<P>, length: bigint, ctx: SyscallContext): Result<void>;
  /**
   * lseek(2) (f_op->llseek): the new position, already stored in `f.pos`. A file without it
   * cannot seek (vfs_llseek without FMODE_LSEEK: ESPIPE).
   */
  llseek?(f: OpenFile<P>, offset: bigint, whence: number, ctx: SyscallContext): Result<bigint>;
  /** The last reference is gone. Never fails. */
  release?(f: OpenFile<P>): void;
}

export class OpenFile<P = unknown> {
  /** fds and kernel references that keep this description alive. */
  refs = 1;
  released = false;
  /** The file position (f_pos), shared by every fd of this description, as after dup or fork. */
  pos = 0n;
  /**
   * Opened by path (do_dentry_open): FMODE_PREAD | FMODE_PWRITE are set whatever the file
   * implements, so pread/pwrite reach vfs_read/vfs_write. Anon-inode files (eventfd, fault
   * and migration fds) lack them unless they implement pread/pwrite themselves.
   */
  openedByPath = false;

  constructor(
    readonly ops: FileOperations<P>,
    readonly priv: P,
    /** open(2) flags; only O_NONBLOCK (and O_APPEND) change afterwards, through fcntl. */
    public flags: number,
    readonly path: string,
  ) {}

  get(): this {
    this.refs++;
    return this;
  }

  /** Drop one reference; runs `release` when it was the last. */
  put(): void {
    if (this.released) return;
    if (--this.refs > 0) return;
    this.released = true;
    this.ops.release?.(this);
  }
}
