/**
 * Resets (vfio_pci_ioctl_reset, vfio_pci_ioctl_get_pci_hot_reset_info,
 * vfio_pci_ioctl_pci_hot_reset, vfio_pci_dev_set_hot_reset): a function reset, and the
 * slot or secondary-bus reset that hits every function in its scope — allowed only when the
 * caller proves it owns every VFIO device affected by handing in all their group fds.
 *
 * Invariants: vconfig, interrupt setup and ioeventfds survive every reset; the PCI core
 * saves and restores each function's config (BARs, command, MSI/MSI-X programming) around
 * it; device-internal state is reset. A failed hot reset resets nothing.
 */
import { fail, ok, type Result } from '../../base/result.js';
import type { PciBus, PciFunction } from '../../hardware/topology/model.js';
import type { OpenFile, SyscallContext } from '../fs/file.js';
import type { Kernel } from '../kernel.js';
import { ctxOfHasGroup, devidInCtxOf } from '../iommufd/device-bind.js';
import { groupOfFile } from '../vfio/group-fd.js';
import type { VfioGroup } from '../vfio/group.js';
import type { VfioDevice, VfioDeviceFile } from '../vfio/vfio-device.js';
import { sizeofStruct } from '../../uapi/structs.js';
import type { StructArg } from '../ioctl-table.js';
import { flexArray, u32 } from '../uaccess.js';
import { coreOf, type VfioPciCoreDevice } from './vfio-pci-core.js';

/** VFIO_DEVICE_RESET. */
export function deviceReset(d: VfioPciCoreDevice): Result<number> {
  if (!d.resetWorks) return fail('EINVAL', 'vfio_pci_ioctl_reset: no function reset method');
  d.setPowerState(0); // vfio_pci_ioctl_reset: vfio_pci_set_power_state(D0) first
  d.functionReset();
  d.trace('function reset');
  return ok(0);
}

/** Every function below `bus`, in pci_walk_bus order. */
function walkBus(bus: PciBus, out: PciFunction[]): void {
  for (const f of bus.devices) {
    out.push(f);
    if (f.subordinate !== null) walkBus(f.subordinate, out);
  }
}

/** The functions a slot or bus reset of `fn` hits; null when neither is possible (ENODEV). */
export function resetScope(fn: PciFunction): PciFunction[] | null {
  const bus = fn.parentBus;
  if (fn.resetMethods.includes('slot')) return bus.devices.filter((f) => f.slot === fn.slot);
  if (bus.isRoot || bus.self === null) return null;
  const out: PciFunction[] = [];
  walkBus(bus, out);
  return out;
}

/** VFIO_DEVICE_GET_PCI_HOT_RESET_INFO. ENOSPC still writes the header, as Linux does. */
export function hotResetInfo(k: Kernel, d: VfioPciCoreDevice, f: OpenFile<VfioDeviceFile>, a: StructArg): Result<number> {
  const { argsz, minsz } = a;
  if (argsz < minsz) return fail('EINVAL', 'vfio_pci_ioctl_get_pci_hot_reset_info: argsz < minsz');
  const scope = resetScope(d.fn);
  if (scope === null) return fail('ENODEV', 'vfio_pci_ioctl_get_pci_hot_reset_info: no slot or bus reset');
  const cdev = f.priv.via === 'cdev';
  if (scope.length > Math.floor((argsz - minsz) / sizeofStruct('vfio_pci_dependent_device'))) {
    Object.assign(a.obj, { count: scope.length, flags: 0 });
    return fail('ENOSPC', 'vfio_pci_ioctl_get_pci_hot_reset_info: buffer too small; count written');
  }
  let flags = cdev ? 0x1 | 0x2 : 0;
  const devices: Array<Record<string, number>> = [];
  for (const fn of scope) {
    let id: number;
    if (!cdev) {
      const g = k.pci.find(fn.bdf)?.group;
      if (g === null || g === undefined) return fail('EPERM', 'vfio_pci_fill_devs: function without an IOMMU group');
      id = g.id;
    } else {
      const vdev = k.vfio.devices.get(fn.bdf);
      const devid = vdev === undefined ? null : devidInCtxOf(f, vdev);
      if (devid !== null) id = devid;
      else if (vdev !== undefined && ctxOfHasGroup(f, vdev.pdev.group)) id = 0;
      else {
        id = 0xffff_ffff;
        flags &= ~0x2;
      }
    }
    devices.push({ group_id: id, devid: id, segment: fn.segment, bus: fn.bus, devfn: fn.devfn });
  }
  Object.assign(a.obj, { flags, count: devices.length, devices });
  return ok(0);
}

/** VFIO_DEVICE_PCI_HOT_RESET. */
export function hotReset(k: Kernel, d: VfioPciCoreDevice, f: OpenFile<VfioDeviceFile>, a: StructArg, ctx: SyscallContext): Result<number> {
  const flags = u32(a.f, 'flags');
  const count = u32(a.f, 'count');
  const why = 'vfio_pci_ioctl_pci_hot_reset';
  if (a.argsz < a.minsz || flags !== 0) return fail('EINVAL', `${why}: argsz < minsz or flags`);
  const cdev = f.priv.via === 'cdev';
  if (!cdev && count === 0) return fail('EINVAL', `${why}: no group fds`);
  if (cdev && count !== 0) return fail('EINVAL', `${why}: cdev device takes no group fds`);
  const scope = resetScope(d.fn);
  if (scope === null) return fail('ENODEV', `${why}: no slot or bus reset`);
  if (!cdev && count > scope.length) return fail('EINVAL', `${why}: more group fds than affected functions`);
  const groups: VfioGroup[] = [];
  if (!cdev) {
    const fds = flexArray(a.obj, 'group_fds', count);
    if (!fds.ok) return fds;
    for (const fd of fds.value) {
      const gf = typeof fd === 'number' ? ctx.task.file(fd) : undefined;
      if (gf === undefined) return fail('EBADF', `${why}: group fd not open`);
      const g = groupOfFile(gf);
      if (g === null) return fail('EINVAL', `${why}: not a VFIO group fd`);
      groups.push(g);
    }
  }
  const devs: VfioDevice[] = [];
  for (const fn of scope) {
    const pdev = k.pci.find(fn.bdf);
    if (pdev?.driver?.name !== 'vfio-pci') return fail('EINVAL', 'vfio_pci_dev_set_resettable: a function in scope is not bound to vfio-pci');
    const vdev = pdev.vfioDevice;
    if (vdev !== null) devs.push(vdev);
  }
  for (const vdev of devs) {
    const owned = cdev
      ? devidInCtxOf(f, vdev) !== null || ctxOfHasGroup(f, vdev.pdev.group)
      : groups.includes(vdev.group);
    if (!owned) return fail('EINVAL', `vfio_pci_dev_set_hot_reset: ${vdev.name} is not owned by the caller`);
  }
  for (const vdev of devs) {
    const core = coreOf(vdev);
    core.setPowerState(0); // vfio_pci_dev_set_hot_reset: every device to D0 before pci_reset_bus
    core.functionReset();
  }
  k.trace.add('device', d.bdf, `vfio-pci: ${d.fn.resetMethods.includes('slot') ? 'slot' : 'bus'} reset of ${devs.map((x) => x.name).join(', ')}`);
  return ok(0);
}
