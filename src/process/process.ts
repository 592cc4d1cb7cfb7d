/**
 * Process: the syscall surface a user-space driver programs against (contract §3).
 *
 * This is the thin skin over the kernel: it checks JS argument types (TypeError, as Node
 * does), calls the kernel's syscall function, records the call in the trace, and turns a
 * Failure into a thrown SystemError. CPU loads and stores are not syscalls: where Linux
 * would deliver a signal they throw SignalError.
 */
import { invalidArgType, outOfRange, SignalError, SystemError } from '../base/errors.js';
import type { Result } from '../base/result.js';
import type { Task } from '../kernel/task.js';
import { createEventFd } from '../kernel/eventfd.js';
import * as files from '../kernel/sys/files.js';
import { O_CLOEXEC, O_RDWR } from '../uapi/posix.js';
import type { ArgFor } from '../uapi/requests.js';
import { sysMmap, sysMunmap } from '../kernel/sys/mman.js';
import { sysFtruncate, sysMemfdCreate } from '../kernel/sys/memfd.js';
import { checkBytes, checkInt, checkLength, checkS64, checkString, checkU64 } from './args.js';
import { checkIoctlFields } from './arg-fields.js';
import { fdKindOf } from './request-label.js';
import { formatRequest } from '../uapi/names.js';
import { bufSnapshot } from './trace-decode.js';
import { SYSCALLS, type CallSpec, type CallValues } from './trace-calls.js';
import { ioctlRecord, recordIoctl } from './trace-ioctl.js';
import { recordAccess, recordCall } from './trace-record.js';

export class Process {
  /** @internal */
  constructor(readonly task: Task) {}

  get pid(): number {
    return this.task.pid;
  }

  get uid(): number {
    return this.task.cred.uid;
  }

  /** Record a syscall in the trace: the raw values `spec` shows (trace-calls.ts), then `ret` or the errno. */
  private traceCall(spec: CallSpec, values: CallValues, r: Result<unknown>, ret?: string): void {
    recordCall(this.task, spec, values, r, ret);
  }

  private get tracing(): boolean {
    return this.task.kernel.trace.enabled;
  }

  private unwrap<T>(r: Result<T>, syscall: string, extra: { path?: string; request?: string; fd?: number } = {}): T {
    if (r.ok) return r.value;
    if (r.typeError !== undefined) throw invalidArgType(r.typeError.name, r.typeError.expected, r.typeError.actual);
    if (r.rangeError !== undefined) throw outOfRange(r.rangeError.name, r.rangeError.range, r.rangeError.actual);
    // Built here rather than in a helper: one skin frame fewer in the recorded stack, so
    // SystemError.stackFrameLimit frames reach further into the caller's code.
    const info = { ...(extra.request !== undefined ? { request: extra.request } : {}), ...(extra.fd !== undefined ? { fd: extra.fd } : {}), ...(r.why !== undefined ? { why: r.why } : {}) };
    throw new SystemError(r.code, syscall, { ...(extra.path !== undefined ? { path: extra.path } : {}), info });
  }

  open(path: string, flags: number = O_RDWR): number {
    checkString('path', path);
    checkInt('flags', flags);
    const r = files.sysOpen(this.task, path, flags);
    this.traceCall(SYSCALLS.open, [path, flags], r, r.ok ? String(r.value) : undefined);
    return this.unwrap(r, 'open', { path });
  }

  close(fd: number): void {
    checkInt('fd', fd);
    const r = files.sysClose(this.task, fd);
    this.traceCall(SYSCALLS.close, [fd], r);
    this.unwrap(r, 'close', { fd });
  }

  /**
   * ioctl(2). A request constant from `uapi` carries its argument's type, so a misspelt field
   * fails to compile; at run time a field the struct lacks is a TypeError (arg-fields.ts)
   * before the kernel sees the call. A plain number as the request takes any argument.
   */
  ioctl<R extends number, A extends ArgFor<R, A> | undefined = undefined>(fd: number, request: R, arg?: A): number {
    checkInt('fd', fd);
    checkInt('request', request);
    const kind = fdKindOf(this.task.file(fd)?.ops.kind);
    checkIoctlFields(kind, request, arg);
    const traced = this.tracing ? ioctlRecord(this.task, fd, request, kind, arg) : null;
    const r = files.sysIoctl(this.task, fd, request, arg);
    if (traced !== null) recordIoctl(traced, arg, r);
    // the name is only for the error; a successful call does not build it
    return r.ok ? r.value : this.unwrap(r, 'ioctl', { request: formatRequest(request, kind), fd });
  }

  mmap(addr: bigint, length: bigint, prot: number, flags: number, fd: number, offset: bigint): bigint {
    addr = checkU64('addr', addr);
    length = checkU64('length', length);
    checkInt('prot', prot);
    checkInt('flags', flags);
    checkInt('fd', fd);
    offset = checkU64('offset', offset);
    const r = sysMmap(this.task, addr, length, prot, flags, fd, offset);
    if (this.tracing) this.traceCall(SYSCALLS.mmap, [addr, length, prot, flags, fd, offset, this.task.file(fd)?.ops.kind], r, r.ok ? `0x${r.value.toString(16)}` : undefined);
    return this.unwrap(r, 'mmap');
  }

  munmap(addr: bigint, length: bigint): void {
    addr = checkU64('addr', addr);
    length = checkU64('length', length);
    const r = sysMunmap(this.task, addr, length);
    this.traceCall(SYSCALLS.munmap, [addr, length], r);
    this.unwrap(r, 'munmap');
  }

  pread(fd: number, length: number, offset: bigint): Uint8Array {
    checkInt('fd', fd);
    checkLength('length', length);
    offset = checkS64('offset', offset);
    const r = files.sysPread(this.task, fd, length, offset);
    if (this.tracing) this.traceCall(SYSCALLS.pread, [fd, r.ok ? bufSnapshot(r.value) : null, length, offset, this.task.file(fd)?.ops.kind], r, r.ok ? String(r.value.length) : undefined);
    return this.unwrap(r, 'pread', { fd });
  }

  pwrite(fd: number, data: Uint8Array, offset: bigint): number {
    checkInt('fd', fd);
    checkBytes('data', data);
    offset = checkS64('offset', offset);
    const r = files.sysPwrite(this.task, fd, data, offset);
    if (this.tracing) this.traceCall(SYSCALLS.pwrite, [fd, bufSnapshot(data), data.length, offset, this.task.file(fd)?.ops.kind], r, r.ok ? String(r.value) : undefined);
    return this.unwrap(r, 'pwrite', { fd });
  }

  eventfd(initval = 0, flags = 0): number {
    checkInt('initval', initval);
    checkInt('flags', flags);
    const f = createEventFd(initval, flags);
    let r: Result<number>;
    if (f.ok) {
      const fd = this.task.installFd(f.value, (flags & O_CLOEXEC) !== 0);
      r = fd === null ? { ok: false, code: 'EMFILE' } : { ok: true, value: fd };
    } else {
      r = f;
    }
    this.traceCall(SYSCALLS.eventfd, [initval, flags], r, r.ok ? String(r.value) : undefined);
    return this.unwrap(r, 'eventfd');
  }

  read(fd: number, length: number): Uint8Array {
    checkInt('fd', fd);
    checkLength('length', length);
    const r = files.sysRead(this.task, fd, length);
    if (this.tracing) this.traceCall(SYSCALLS.read, [fd, r.ok ? bufSnapshot(r.value) : null, length], r, r.ok ? String(r.value.length) : undefined);
    return this.unwrap(r, 'read', { fd });
  }

  write(fd: number, data: Uint8Array): number {
    checkInt('fd', fd);
    checkBytes('data', data);
    const r = files.sysWrite(this.task, fd, data);
    if (this.tracing) this.traceCall(SYSCALLS.write, [fd, bufSnapshot(data), data.length], r, r.ok ? String(r.value) : undefined);
    return this.unwrap(r, 'write', { fd });
  }

  /** memfd_create(2): an fd on a new anonymous shmem (or MFD_HUGETLB hugetlbfs) file of size 0. */
  memfdCreate(name: string, flags = 0): number {
    checkString('name', name);
    checkInt('flags', flags);
    const r = sysMemfdCreate(this.task, name, flags);
    this.traceCall(SYSCALLS.memfd_create, [name, flags], r, r.ok ? String(r.value) : undefined);
    return this.unwrap(r, 'memfd_create');
  }

  /** ftruncate(2). */
  ftruncate(fd: number, length: bigint): void {
    checkInt('fd', fd);
    length = checkS64('length', length);
    const r = sysFtruncate(this.task, fd, length);
    this.traceCall(SYSCALLS.ftruncate, [fd, length], r);
    this.unwrap(r, 'ftruncate', { fd });
  }

  /** lseek(2): the new file position. ESPIPE on a file that cannot seek (an eventfd, a VFIO fd). */
  lseek(fd: number, offset: bigint, whence: number): bigint {
    checkInt('fd', fd);
    offset = checkS64('offset', offset);
    checkInt('whence', whence);
    const r = files.sysLseek(this.task, fd, offset, whence);
    this.traceCall(SYSCALLS.lseek, [fd, offset, whence], r, r.ok ? String(r.value) : undefined);
    return this.unwrap(r, 'lseek', { fd });
  }

  fcntl(fd: number, cmd: number, arg = 0): number {
    checkInt('fd', fd);
    checkInt('cmd', cmd);
    checkInt('arg', arg);
    const r = files.sysFcntl(this.task, fd, cmd, arg);
    this.traceCall(SYSCALLS.fcntl, [fd, cmd, arg], r, r.ok ? String(r.value) : undefined);
    return this.unwrap(r, 'fcntl', { fd });
  }

  readFile(path: string): string {
    checkString('path', path);
    const r = files.sysReadFile(this.task, path);
    return this.unwrap(r, 'open', { path });
  }

  writeFile(path: string, data: string): void {
    checkString('path', path);
    checkString('data', data);
    const r = files.sysWriteFile(this.task, path, data);
    this.traceCall(SYSCALLS.writeFile, [path, data], r);
    this.unwrap(r, 'write', { path });
  }

  readdir(path: string): string[] {
    checkString('path', path);
    return this.unwrap(files.sysReaddir(this.task, path), 'scandir', { path });
  }

  readlink(path: string): string {
    checkString('path', path);
    return this.unwrap(files.sysReadlink(this.task, path), 'readlink', { path });
  }

  chown(path: string, uid: number, gid: number): void {
    checkString('path', path);
    checkInt('uid', uid);
    checkInt('gid', gid);
    const r = files.sysChown(this.task, path, uid, gid);
    this.traceCall(SYSCALLS.chown, [path, uid, gid], r);
    this.unwrap(r, 'chown', { path });
  }

  // ---- CPU loads and stores (not syscalls) -------------------------------------------

  readMem(addr: bigint, length: number): Uint8Array {
    addr = checkU64('addr', addr);
    checkLength('length', length);
    const r = this.task.mm.load(addr, length);
    if ('signal' in r || !r.ok) {
      const f = 'signal' in r ? r : { signal: 'SIGBUS' as const, address: addr, why: r.why ?? r.code };
      recordAccess(this.task, 'load', addr, length, null, `${f.signal}: ${f.why}`);
      throw new SignalError(f.signal, f.address, f.why);
    }
    recordAccess(this.task, 'load', addr, length, r.value);
    return r.value;
  }

  writeMem(addr: bigint, data: Uint8Array): void {
    addr = checkU64('addr', addr);
    checkBytes('data', data);
    const r = this.task.mm.store(addr, data);
    recordAccess(this.task, 'store', addr, data.length, 'signal' in r ? null : data, 'signal' in r ? `${r.signal}: ${r.why}` : undefined);
    if ('signal' in r) throw new SignalError(r.signal, r.address, r.why);
  }

  read8(addr: bigint): number {
    return this.readMem(addr, 1)[0]!;
  }

  read16(addr: bigint): number {
    const b = this.readMem(addr, 2);
    return b[0]! | (b[1]! << 8);
  }

  read32(addr: bigint): number {
    const b = this.readMem(addr, 4);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
  }

  read64(addr: bigint): bigint {
    const b = this.readMem(addr, 8);
    return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
  }

  write8(addr: bigint, v: number): void {
    this.writeMem(addr, Uint8Array.of(checkInt('value', v) & 0xff));
  }

  write16(addr: bigint, v: number): void {
    checkInt('value', v);
    this.writeMem(addr, Uint8Array.of(v & 0xff, (v >>> 8) & 0xff));
  }

  write32(addr: bigint, v: number): void {
    checkInt('value', v);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, true);
    this.writeMem(addr, b);
  }

  write64(addr: bigint, v: bigint): void {
    const u = checkU64('value', v);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, u, true);
    this.writeMem(addr, b);
  }

  /**
   * fork(2): a child process with a copy of this one's fd table (the same open file
   * descriptions: container, group, device, iommufd and eventfd fds work from both, and
   * closing one side's fd leaves the other's open), credentials, capabilities and rlimits,
   * and a copy of its address space (private memory copied, MAP_SHARED and BAR mappings
   * shared; pins stay with this process). Throws ENOMEM when the copy does not fit.
   */
  fork(): Process {
    const r = this.task.kernel.fork(this.task);
    this.traceCall(SYSCALLS.fork, [], r, r.ok ? String(r.value.pid) : undefined);
    return new Process(this.unwrap(r, 'fork'));
  }

  /**
   * Exit: close every fd (what the last reference of each releases — DMA mappings, pins and
   * their locked_vm — goes with it) and drop the address space. The Process is unusable
   * afterwards. `status` is recorded in the trace only (there is no wait()).
   */
  exit(status = 0): void {
    checkInt('status', status);
    this.task.kernel.exit(this.task);
    this.traceCall(SYSCALLS.exit, [status], { ok: true, value: undefined });
  }
}
