/**
 * SR-IOV in the PCI core (drivers/pci/iov.c): the `sriov_numvfs` store and the VF life
 * cycle a PF driver drives through pci_enable_sriov() / pci_disable_sriov().
 *
 * Enabling N VFs adds N functions, each as Linux adds one (pci_iov_add_virtfn): the machine
 * gets the function and its inert model, the driver core a pci_dev, the IOMMU places it in a
 * group with pci_device_group()'s rules applied to it (hardware/groups), the PF's driver hears
 * of it (vfio-pci's bus notifier sets driver_override), and, when `sriov_drivers_autoprobe`
 * is set, drivers are offered it (pci_bus_add_device). Disabling removes every VF with all
 * of that: driver, vfio device, group (freed with its domains when emptied), pci_dev, model.
 *
 * What holds: a failed call changes nothing — every check runs before the first VF is added,
 * and a disable that cannot finish is refused before the first VF is removed.
 */
import { fail, ok, okVoid, type Result } from '../../base/result.js';
import { dmaAliases, groupRegions, placeAddedFunction } from '../../hardware/groups/index.js';
import { makeVf, vfPlacement } from '../../hardware/topology/vf.js';
import { PCI_CFG_SPACE_EXP_SIZE, PCI_CFG_SPACE_SIZE } from '../../uapi/pci_regs.js';
import { PCI_EXT_CAP_ID_SRIOV, PCI_SRIOV_CTRL, PCI_SRIOV_CTRL_MSE, PCI_SRIOV_CTRL_VFE, PCI_SRIOV_NUM_VF } from '../../uapi/pci_regs_ext.js';
import type { Kernel } from '../kernel.js';
import { PciDev } from './pci-dev.js';

/** kstrtou16(buf, 0): optional '+', then decimal, 0x-hex or 0-octal, one trailing newline. */
export function kstrtou16(text: string): number | null {
  const m = /^\+?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)\n?$/.exec(text);
  if (m === null) return null;
  const body = m[1]!;
  const v = /^0[xX]/.test(body) ? parseInt(body.slice(2), 16) : body.length > 1 && body.startsWith('0') ? parseInt(body, 8) : parseInt(body, 10);
  return v > 0xffff ? null : v;
}

/** sriov_numvfs_store(), check by check in the kernel's order. */
export function sriovNumvfsStore(k: Kernel, pf: PciDev, text: string): Result<void> {
  const iov = pf.sriov!;
  const n = kstrtou16(text);
  if (n === null) return fail('EINVAL', 'sriov_numvfs_store: kstrtou16 failed');
  if (n > pf.fn.sriov!.totalVfs) return fail('ERANGE', `sriov_numvfs_store: ${n} exceeds sriov_totalvfs ${pf.fn.sriov!.totalVfs}`);
  if (n === iov.numVfs) return okVoid();
  const drv = pf.driver;
  if (drv === null) return fail('ENOENT', 'sriov_numvfs_store: no PF driver is loaded');
  if (drv.sriovConfigure === undefined) return fail('ENOENT', `sriov_numvfs_store: ${drv.name} does not support SRIOV configuration via sysfs`);
  if (n === 0) {
    const r = drv.sriovConfigure(pf, 0);
    return r.ok ? okVoid() : r;
  }
  if (iov.numVfs !== 0) return fail('EBUSY', `sriov_numvfs_store: ${iov.numVfs} VFs already enabled, disable before enabling ${n}`);
  const r = drv.sriovConfigure(pf, n);
  if (!r.ok) return r;
  if (r.value !== n) k.trace.add('driver', pf.bdf, `${n} VFs requested; only ${r.value} enabled`);
  return okVoid();
}

/** sriov_drivers_autoprobe_store(): kstrtobool. */
export function sriovAutoprobeStore(pf: PciDev, text: string): Result<void> {
  const c = text[0];
  const v = c === '1' || c === 'y' || c === 'Y' ? true : c === '0' || c === 'n' || c === 'N' ? false
    : /^on/i.test(text) ? true : /^of/i.test(text) ? false : null;
  if (v === null) return fail('EINVAL', 'sriov_drivers_autoprobe_store: kstrtobool failed');
  pf.sriov!.driversAutoprobe = v;
  return okVoid();
}

/**
 * pci_enable_sriov() → sriov_enable(): EINVAL when VFs are already enabled or n is out of
 * range; ENOMEM when a VF's RID would leave the PF's bus (virtfn_add_bus: a new virtual bus
 * is not modelled); EEXIST when a VF's address is already a function's (device_add).
 */
export function pciEnableSriov(k: Kernel, pf: PciDev, n: number): Result<void> {
  const iov = pf.sriov;
  if (iov === null) return fail('ENODEV', 'pci_enable_sriov: not an SR-IOV PF');
  if (iov.numVfs !== 0) return fail('EINVAL', 'sriov_enable: VFs are already enabled');
  if (n < 1 || n > pf.fn.sriov!.totalVfs) return fail('EINVAL', 'sriov_enable: nr_virtfn out of range');
  for (let i = 0; i < n; i++) {
    const at = vfPlacement(pf.fn, i);
    if (at === null) return fail('ENOMEM', `pci_iov_add_virtfn: VF ${i} would sit on a bus other than the PF's (not modelled)`);
    if (k.pci.find(at.bdf) !== undefined) return fail('EEXIST', `pci_iov_add_virtfn: ${at.bdf} already exists`);
  }
  setVfEnable(k, pf, n);
  for (let i = 0; i < n; i++) iov.vfs.push(addVirtfn(k, pf, i));
  iov.numVfs = n;
  k.trace.add('driver', pf.bdf, `SR-IOV enabled: ${n} VFs`);
  for (const vf of iov.vfs) if (iov.driversAutoprobe) busAddDevice(k, vf);
  return okVoid();
}

/**
 * pci_disable_sriov() → sriov_del_vfs(): every VF goes, VF 0 first. Linux waits in the
 * VF driver's remove while user space holds a VF open (vfio_unregister_group_dev); a
 * simulated sysfs write cannot block, so that case is refused with EBUSY before anything
 * is removed.
 */
export function pciDisableSriov(k: Kernel, pf: PciDev): Result<void> {
  const iov = pf.sriov;
  if (iov === null || iov.numVfs === 0) return okVoid();
  const busy = iov.vfs.find((vf) => vf.driver?.inUse?.(vf) ?? false);
  if (busy !== undefined) return fail('EBUSY', `pci_disable_sriov: ${busy.bdf} is open in user space (Linux would wait in vfio_unregister_group_dev)`);
  for (const vf of iov.vfs) removeVirtfn(k, vf);
  iov.vfs.length = 0;
  iov.numVfs = 0;
  setVfEnable(k, pf, 0);
  k.trace.add('driver', pf.bdf, 'SR-IOV disabled');
  return okVoid();
}

/**
 * pci_sriov_configure_simple(), the sriov_configure of host PF drivers here (i40e and the
 * like configure more, but answer the same): 0 disables, n enables and returns n.
 */
export function sriovConfigureSimple(k: Kernel, pf: PciDev, n: number): Result<number> {
  if (pf.sriov === null) return fail('ENODEV', 'pci_sriov_configure_simple: not a PF');
  const r = n === 0 ? pciDisableSriov(k, pf) : pciEnableSriov(k, pf, n);
  return r.ok ? ok(n) : r;
}

/** pci_find_ext_capability(pf, PCI_EXT_CAP_ID_SRIOV): the capability's offset, or null. */
function sriovCap(k: Kernel, pf: PciDev): number | null {
  if (!pf.fn.isPcie) return null;
  const m = k.machine.modelOf(pf.fn);
  for (let at = PCI_CFG_SPACE_SIZE, ttl = (PCI_CFG_SPACE_EXP_SIZE - PCI_CFG_SPACE_SIZE) / 8; at >= PCI_CFG_SPACE_SIZE && ttl > 0; ttl--) {
    const h = m.configRead(at, 4);
    if (h === 0 || h === 0xffffffff) return null;
    if ((h & 0xffff) === PCI_EXT_CAP_ID_SRIOV) return at;
    at = (h >>> 20) & 0xffc;
  }
  return null;
}

/** sriov_enable / sriov_disable's register writes: NumVFs, then VF Enable and VF MSE in Control. */
function setVfEnable(k: Kernel, pf: PciDev, n: number): void {
  const at = sriovCap(k, pf);
  if (at === null) return;
  const m = k.machine.modelOf(pf.fn);
  const ctrl = m.configRead(at + PCI_SRIOV_CTRL, 2) & ~(PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
  if (n > 0) m.configWrite(at + PCI_SRIOV_NUM_VF, 2, n);
  m.configWrite(at + PCI_SRIOV_CTRL, 2, ctrl | (n > 0 ? PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE : 0));
  if (n === 0) m.configWrite(at + PCI_SRIOV_NUM_VF, 2, 0);
}

/** pci_iov_add_virtfn() up to device_add: the function, its pci_dev and its IOMMU group. */
function addVirtfn(k: Kernel, pf: PciDev, index: number): PciDev {
  const fn = makeVf(pf.fn, index);
  k.machine.addFunction(fn);
  const vf = new PciDev(fn);
  k.pci.addDevice(vf);
  if (k.topology.iommu !== null) joinGroup(k, vf);
  k.trace.add('driver', vf.bdf, `VF ${index} of ${pf.bdf} added (${fn.vendor.toString(16).padStart(4, '0')}:${fn.device.toString(16).padStart(4, '0')})`);
  pf.driver?.vfAdded?.(pf, vf);
  return vf;
}

/** iommu_probe_device(): the group pci_device_group() picks, or a new one with a default domain. */
function joinGroup(k: Kernel, vf: PciDev): void {
  const live = k.iommuCore.list().map((g) => ({ id: g.id, members: g.devices.map((d) => d.fn), nonIsolated: g.nonIsolated }));
  const place = placeAddedFunction(vf.fn, live, k.topology.kernel.grouping);
  const rids = [...new Set(dmaAliases(vf.fn).map((a) => a.rid))].sort((a, b) => a - b);
  const existing = place.join === null ? undefined : k.iommuCore.get(place.join);
  if (existing !== undefined) {
    existing.addMember(vf, rids);
    vf.group = existing;
  } else {
    const strict = k.topology.iommu?.invalidation !== 'lazy' || vf.fn.untrusted;
    const g = k.iommuCore.create({ reservedRegions: groupRegions([vf.fn], k.topology.platform), rids, defaultType: strict ? 'DMA' : 'DMA-FQ', hardware: true });
    g.devices.push(vf);
    vf.group = g;
  }
  k.trace.add('iommu', vf.bdf, place.reason);
}

/** pci_bus_add_device() → device_attach(); a VF named a driver in the topology gets it when nothing else took it. */
function busAddDevice(k: Kernel, vf: PciDev): void {
  const r = k.pci.attach(vf);
  if (!r.ok) k.trace.add('driver', vf.bdf, `probe failed: ${r.code}`);
  const named = vf.fn.driver === null ? undefined : k.pci.driver(vf.fn.driver);
  if (vf.driver === null && vf.driverOverride === null && named !== undefined) k.pci.probe(vf, named);
}

/** pci_iov_remove_virtfn() → pci_stop_and_remove_bus_device(): driver, group, pci_dev, model. */
function removeVirtfn(k: Kernel, vf: PciDev): void {
  k.pci.release(vf);
  const g = vf.group;
  if (g !== null) {
    const rids = [...new Set(dmaAliases(vf.fn).map((a) => a.rid))];
    if (g.removeMember(vf, rids)) k.iommuCore.remove(g.id);
  }
  k.pci.removeDevice(vf);
  k.machine.removeFunction(vf.fn);
  k.trace.add('driver', vf.bdf, 'VF removed');
}

/** Boot: VFs the topology enabled from the start (its `sriov.numVfs`) belong to their PF. */
export function adoptBootVfs(k: Kernel): void {
  for (const dev of k.pci.devices) {
    const pfFn = dev.fn.physfn;
    if (pfFn === null) continue;
    const pf = k.pci.find(pfFn.bdf)?.sriov;
    if (pf === undefined || pf === null) continue;
    pf.vfs.push(dev);
    pf.numVfs = pf.vfs.length;
  }
}
