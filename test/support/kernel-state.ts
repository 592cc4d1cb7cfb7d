/**
 * The tests' one window onto a Host's kernel-side state: what no syscall or sysfs file shows
 * (a group's DMA owner count, a vfio device's open count, the grouping table) and the few
 * levers a test turns (the host's vector limit, a test driver). Tests reach `host.kernel`
 * only through here, so when the kernel's shape changes this file changes, not the tests.
 *
 * Read state through the syscall skin or sysfs wherever a user could; use these only where
 * the kernel keeps the fact to itself. Every function takes a Host or one of its Processes;
 * the last group reads a process's task (its mm's accounting, its open files, its
 * credentials) — tests name `p.task` nowhere else.
 */
import type { Host, Process } from '../../src/index.js';
import type { Kernel } from '../../src/kernel/kernel.js';
import type { PciDev } from '../../src/kernel/pci/pci-dev.js';
import type { PciDriver } from '../../src/kernel/pci/driver.js';
import type { IommuGroup } from '../../src/kernel/iommu/iommu-group.js';
import type { VfioDevice } from '../../src/kernel/vfio/vfio-device.js';
import type { HostIrqs } from '../../src/kernel/vfio-pci/host-irq.js';
import type { Task } from '../../src/kernel/task.js';
import type { OpenFile } from '../../src/kernel/fs/file.js';
import type { AddressSpace } from '../../src/kernel/mm/address-space.js';
import type { GroupTable } from '../../src/hardware/groups/index.js';
import type { Type1Iommu } from '../../src/kernel/vfio/type1/index.js';
import type { VfioContainer } from '../../src/kernel/vfio/container.js';
import type { IommufdCtx } from '../../src/kernel/iommufd/context.js';
import type { Ioas } from '../../src/kernel/iommufd/ioas.js';
import type { IoPagetable } from '../../src/kernel/iommufd/io-pagetable.js';

/** A Host, or a Process of one (its task's kernel). */
export type KernelOwner = Host | Process;

function kernelOf(o: KernelOwner): Kernel {
  return 'kernel' in o ? o.kernel : o.task.kernel;
}

function must<T>(v: T | null | undefined, what: string): T {
  if (v === null || v === undefined) throw new Error(`test support: no ${what}`);
  return v;
}

/** The driver core's PCI device `bdf` (its bound `driver`, its IOMMU `group`, its function). */
export function pciDevice(o: KernelOwner, bdf: string): PciDev {
  return must(kernelOf(o).pci.find(bdf), `PCI device ${bdf}`);
}

/** Every PCI device the driver core knows, in probe order. */
export function pciDevices(o: KernelOwner): readonly PciDev[] {
  return kernelOf(o).pci.devices;
}

/** Register a PCI driver with the driver core (a test's stand-in for a kernel driver module). */
export function registerPciDriver(o: KernelOwner, drv: PciDriver): void {
  kernelOf(o).pci.registerDriver(drv);
}

/** The IOMMU group of device `bdf` (a string), or group number `id`: owner, domains, RIDs, members. */
export function iommuGroup(o: KernelOwner, at: string | number): IommuGroup {
  if (typeof at === 'number') return must(kernelOf(o).iommuCore.get(at), `IOMMU group ${at}`);
  return must(pciDevice(o, at).group, `IOMMU group of ${at}`);
}

/** Every IOMMU group, by number. */
export function iommuGroups(o: KernelOwner): IommuGroup[] {
  return kernelOf(o).iommuCore.list();
}

/** The grouping algorithm's table (`groupOf(bdf)`), as the kernel computed it at boot. */
export function groupTable(o: KernelOwner): GroupTable {
  return must(kernelOf(o).groupTable, 'group table (no IOMMU?)');
}

/** The VFIO device `bdf` (openCount, ops, and `core`, the vfio-pci core device), or undefined if not on vfio-pci. */
export function vfioDevice(o: KernelOwner, bdf: string): VfioDevice | undefined {
  return kernelOf(o).vfio.devices.get(bdf);
}

/** The names (BDFs) of every VFIO device, in registration order. */
export function vfioDeviceNames(o: KernelOwner): string[] {
  return [...kernelOf(o).vfio.devices.keys()];
}

/** Whether VFIO has a group object for IOMMU group `id` (it exists while a member is on vfio-pci). */
export function hasVfioGroup(o: KernelOwner, id: number): boolean {
  return kernelOf(o).vfio.groups.has(id);
}

/** The kernel's free RAM as [first frame, frame count] extents. */
export function freeFrameExtents(o: KernelOwner): ReturnType<Kernel['frames']['freeExtents']> {
  return kernelOf(o).frames.freeExtents();
}

/** Frames of RAM the kernel has handed out (pages, page tables, pins...). */
export function usedFrames(o: KernelOwner): number {
  return kernelOf(o).frames.usedFrames();
}

/** Whether a task with `pid` is still in the kernel's task table (not yet reaped). */
export function hasTask(o: KernelOwner, pid: number): boolean {
  return kernelOf(o).tasks.has(pid);
}

/** How many tasks the kernel's task table holds. */
export function taskCount(o: KernelOwner): number {
  return kernelOf(o).tasks.size;
}

/** Every live task, oldest first (the last is the newest spawn). */
export function tasks(o: KernelOwner): Task[] {
  return [...kernelOf(o).tasks.values()];
}

/** The kernel's taint reasons (e.g. no-IOMMU mode), oldest first. */
export function taints(o: KernelOwner): readonly string[] {
  return kernelOf(o).taints;
}

/** The host interrupt vectors vfio-pci allocates from (`vectorLimit` is a test lever). */
export function hostIrqs(o: KernelOwner): HostIrqs {
  return kernelOf(o).irqs;
}

/** Resolve `path` in the kernel's VFS, as a root lookup would (the inode's owner, mode...). */
export function resolvePath(o: KernelOwner, path: string): ReturnType<Kernel['vfs']['resolve']> {
  return kernelOf(o).vfs.resolve(path);
}

/** The type1 instance behind container fd `c` of `p` (its domains, dma ranges, `v2`). */
export function type1Of(p: Process, c: number): Type1Iommu {
  const cont = must(p.task.file(c), `fd ${c}`).priv as VfioContainer;
  return cont.backend!.inst.data as Type1Iommu;
}

/** The io_pagetable behind IOAS `ioas` of iommufd `fd` (stands in for the selftest's IOMMU_TEST_OP_ADD_RESERVED). */
export function ioptOf(p: Process, fd: number, ioas: number): IoPagetable {
  const ctx = must(p.task.file(fd), `fd ${fd}`).priv as IommufdCtx;
  return (ctx.table.any(ioas) as Ioas).iopt;
}

/** The iommufd context behind fd `fd` (to build what no topology can: a no-IOMMU HWPT beside an IOMMU-backed device). */
export function iommufdCtxOf(p: Process, fd: number): IommufdCtx {
  return must(p.task.file(fd), `fd ${fd}`).priv as IommufdCtx;
}

// ---- a process's task -----------------------------------------------------------------

/** The task behind `p` (for the few kernel-internal constructors a unit test drives, e.g. IoptPages). */
export function taskOf(p: Process): Task {
  return p.task;
}

/** The address space of `p` (its VMAs, pins, accounting). */
export function mmOf(p: Process): AddressSpace {
  return p.task.mm;
}

/** `mm->locked_vm` of `p`, in pages (type1's and iommufd's 'mm' accounting charge it). */
export function lockedVm(p: Process): bigint {
  return p.task.mm.lockedVm;
}

/** `mm->pinned_vm` of `p`, in pages (iommufd's default 'user' accounting and RDMA charge it). */
export function pinnedVm(p: Process): bigint {
  return p.task.mm.pinnedVm;
}

/** How many of `p`'s page frames are pinned right now (any reason, counted once per frame). */
export function pinnedFrames(p: Process): number {
  return p.task.mm.pinnedFrames();
}

/** The physical address behind `p`'s virtual address `va`, or null when nothing backs it yet. */
export function virtToPhys(p: Process, va: bigint): bigint | null {
  return p.task.mm.virtToPhys(va);
}

/** The open file (struct file) behind fd `fd` of `p`: refs, released, path, private data. */
export function openFile(p: Process, fd: number): OpenFile | undefined {
  return p.task.file(fd);
}

/** The fds `p` has open, ascending. */
export function openFds(p: Process): number[] {
  return p.task.openFds();
}

/** Hand `from`'s fd `fd` to `to` (what SCM_RIGHTS over a socket does): the new fd in `to`. */
export function shareFd(from: Process, fd: number, to: Process): number {
  const f = must(from.task.file(fd), `fd ${fd}`);
  return must(to.task.installFd(f.get()), `a free fd in pid ${to.pid}`);
}

/** Whether `p` has capability `cap` (its effective set; root without a set has all). */
export function capable(p: Process, cap: string): boolean {
  return p.task.capable(cap);
}

/** RLIMIT_MEMLOCK of `p`, in bytes. */
export function rlimitMemlock(p: Process): bigint {
  return p.task.rlimitMemlock;
}

/** Set RLIMIT_NOFILE of `p` (what setrlimit(2) would; the skin has no setrlimit). */
export function setRlimitNofile(p: Process, n: number): void {
  p.task.rlimitNofile = n;
}
