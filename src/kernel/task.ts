/**
 * A task: the kernel's view of a user process — credentials, resource limits, the fd
 * table and the address space. The public `Process` (src/process) is the syscall skin
 * over one Task.
 *
 * Invariants: fd numbers are the lowest free non-negative integers (as open(2) promises);
 * each fd holds exactly one reference on its OpenFile.
 */
import type { OpenFile } from './fs/file.js';
import type { AddressSpace } from './mm/address-space.js';
import type { Kernel } from './kernel.js';

/** Linux capability names the simulator checks. */
export type CapabilityName =
  | 'CAP_CHOWN'
  | 'CAP_DAC_OVERRIDE'
  | 'CAP_DAC_READ_SEARCH'
  | 'CAP_FOWNER'
  | 'CAP_IPC_LOCK'
  | 'CAP_SYS_RAWIO'
  | 'CAP_SYS_ADMIN'
  | 'CAP_SYS_RESOURCE'
  | (string & {});

export interface Credentials {
  readonly uid: number;
  readonly gid: number;
  /** null: every capability (root without an explicit list). */
  readonly caps: ReadonlySet<string> | null;
}

export interface FdEntry {
  readonly file: OpenFile;
  cloexec: boolean;
}

/** RLIMIT_NOFILE's usual soft limit. */
export const DEFAULT_NOFILE = 1024;

export class Task {
  private readonly fds = new Map<number, FdEntry>();
  rlimitNofile = DEFAULT_NOFILE;

  constructor(
    readonly kernel: Kernel,
    readonly pid: number,
    readonly cred: Credentials,
    /** RLIMIT_MEMLOCK in bytes. */
    public rlimitMemlock: bigint,
    readonly mm: AddressSpace,
  ) {}

  capable(cap: CapabilityName): boolean {
    return this.cred.caps === null || this.cred.caps.has(cap);
  }

  get name(): string {
    return `pid ${this.pid}`;
  }

  /** Install `file` at the lowest free fd; the fd takes over the caller's reference. */
  installFd(file: OpenFile, cloexec = false): number | null {
    if (this.fds.size >= this.rlimitNofile) return null;
    let fd = 0;
    while (this.fds.has(fd)) fd++;
    this.fds.set(fd, { file, cloexec });
    return fd;
  }

  fdEntry(fd: number): FdEntry | undefined {
    return this.fds.get(fd);
  }

  file(fd: number): OpenFile | undefined {
    return this.fds.get(fd)?.file;
  }

  /** Remove an fd; returns its file (the caller drops the reference). */
  removeFd(fd: number): OpenFile | undefined {
    const e = this.fds.get(fd);
    if (e === undefined) return undefined;
    this.fds.delete(fd);
    return e.file;
  }

  /**
   * fork(2)'s copy_files/dup_fd: the child's table holds the same open file descriptions
   * (one more reference each), with the same fd numbers and close-on-exec flags.
   */
  copyFdsTo(child: Task): void {
    for (const [fd, e] of this.fds) child.fds.set(fd, { file: e.file.get(), cloexec: e.cloexec });
    child.rlimitNofile = this.rlimitNofile;
  }

  /** Open fds, ascending. */
  openFds(): number[] {
    return [...this.fds.keys()].sort((a, b) => a - b);
  }
}
