/**
 * /sys, computed from kernel state on every lookup so it can never disagree with it:
 * /sys/kernel/iommu_groups, /sys/bus/pci/{devices,drivers,drivers_probe},
 * /sys/devices/pci<seg>:<bus>/… (the device directories, nested under their bridges)
 * and /sys/module/<module>/parameters. Links are relative, as sysfs makes them.
 * Writes need uid 0 (every writable attribute is root-owned); the VFS checks that.
 */
import { ok } from '../../base/result.js';
import { hex } from '../../base/u64.js';
import type { Kernel } from '../kernel.js';
import type { PciDev } from '../pci/pci-dev.js';
import { PARAM_TABLE } from '../params.js';
import { storeGroupType } from '../iommu/group-type.js';
import { compareNames } from './devfs.js';
import { computedDir, link, roFile, rwFile, staticDir, type DirNode, type FsNode } from './node.js';
import { configNode, resourceBars, resourceNode } from './sysfs-pci-bin.js';
import { deviceModelOf } from '../vfio-pci/machine-devices.js';

/** The path of a device's directory below /sys, e.g. "devices/pci0000:00/0000:00:01.0/0000:01:00.0". */
export function deviceDirPath(dev: PciDev): string {
  const chain: string[] = [];
  let f: PciDev['fn'] | null = dev.fn;
  let top = dev.fn;
  while (f !== null) {
    chain.unshift(f.bdf);
    top = f;
    f = f.parent ?? f.physfn?.parent ?? null;
  }
  const root = `pci${top.bdf.slice(0, 4)}:${top.bdf.slice(5, 7)}`;
  return ['devices', root, ...chain].join('/');
}

/** A link from a directory `depth` levels below /sys to `target` (relative to /sys). */
function up(depth: number, target: string): FsNode {
  return link('../'.repeat(depth) + target);
}

function depthOf(path: string): number {
  return path.split('/').length;
}

export function sysfsRoot(k: Kernel): DirNode {
  return staticDir({
    kernel: staticDir({ iommu_groups: computedDir(() => k.iommuCore.list().map((g) => [String(g.id), groupDir(k, g.id)] as const)) }),
    bus: staticDir({
      pci: staticDir({
        devices: computedDir(() => k.pci.devices.map((d) => [d.bdf, up(3, deviceDirPath(d))] as const)),
        drivers: computedDir(() => [...k.pci.drivers.keys()].sort(compareNames).map((n) => [n, driverDir(k, n)] as const)),
        drivers_probe: rwFile(undefined, (data) => k.pci.driversProbeStore(data)),
      }),
    }),
    devices: computedDir(() => rootBuses(k).map((name) => [name, busDir(k, name)] as const)),
    module: computedDir(() => moduleNames().map((m) => [m, staticDir({ parameters: paramsDir(k, m) })] as const)),
  });
}

function groupDir(k: Kernel, id: number): DirNode {
  const g = (): ReturnType<typeof k.iommuCore.get> => k.iommuCore.get(id);
  const base = `kernel/iommu_groups/${id}/devices`;
  return staticDir({
    devices: computedDir(() => (g()?.devices ?? []).map((d) => [d.bdf, up(depthOf(base), deviceDirPath(d))] as const)),
    reserved_regions: roFile(() =>
      (g()?.reservedRegions ?? []).map((r) => `${hex(r.start, 16)} ${hex(r.end, 16)} ${r.type}\n`).join(''),
    ),
    // iommu_group_show_type(): the default domain's type ("unknown" without one);
    // writable by root with CAP_SYS_ADMIN + CAP_SYS_RAWIO (iommu_group_store_type)
    type: rwFile(() => {
      const grp = g();
      if (grp === undefined || grp.defaultDomain === null) return ok('unknown\n');
      return ok(`${grp.defaultType}\n`);
    }, (data, ctx) => storeGroupType(g(), data, ctx)),
    name: () => {
      const name = g()?.name;
      return name ? roFile(() => `${name}\n`) : undefined;
    },
  });
}

function driverDir(k: Kernel, name: string): DirNode {
  const drv = (): NonNullable<ReturnType<typeof k.pci.driver>> => k.pci.driver(name)!;
  const base = `bus/pci/drivers/${name}`;
  return computedDir(() => [
    ['bind', rwFile(undefined, (data) => k.pci.bindStore(drv(), data))] as const,
    ['new_id', rwFile(undefined, (data) => k.pci.newIdStore(drv(), data))] as const,
    ['remove_id', rwFile(undefined, (data) => k.pci.removeIdStore(drv(), data))] as const,
    ['unbind', rwFile(undefined, (data) => k.pci.unbindStore(drv(), data))] as const,
    ...k.pci.devices.filter((d) => d.driver?.name === name).map((d) => [d.bdf, up(depthOf(base), deviceDirPath(d))] as const),
  ]);
}

function rootBuses(k: Kernel): string[] {
  const names = new Set<string>();
  for (const d of k.pci.devices) names.add(deviceDirPath(d).split('/')[1]!);
  return [...names].sort(compareNames);
}

function busDir(k: Kernel, busName: string): DirNode {
  return computedDir(() =>
    k.pci.devices
      .filter((d) => {
        const p = deviceDirPath(d).split('/');
        return p[1] === busName && p.length === 3;
      })
      .map((d) => [d.bdf, deviceDir(k, d)] as const),
  );
}

function deviceDir(k: Kernel, dev: PciDev): DirNode {
  const path = deviceDirPath(dev);
  const depth = depthOf(path);
  const fn = dev.fn;
  const attrs = (): Array<readonly [string, FsNode]> => {
    const out: Array<readonly [string, FsNode]> = [
      ['class', roFile(() => `0x${fn.classCode.toString(16).padStart(6, '0')}\n`)],
      ['config', configNode(() => deviceModelOf(k, fn))],
      ['device', roFile(() => `0x${fn.device.toString(16).padStart(4, '0')}\n`)],
      ['driver_override', rwFile(() => ok(`${dev.driverOverride ?? '(null)'}\n`), (data) => k.pci.overrideStore(dev, data))],
      ['revision', roFile(() => `0x${fn.revision.toString(16).padStart(2, '0')}\n`)],
      ['subsystem_device', roFile(() => `0x${fn.subsystemDevice.toString(16).padStart(4, '0')}\n`)],
      ['subsystem_vendor', roFile(() => `0x${fn.subsystemVendor.toString(16).padStart(4, '0')}\n`)],
      ['vendor', roFile(() => `0x${fn.vendor.toString(16).padStart(4, '0')}\n`)],
    ];
    for (const bar of resourceBars(fn.bars)) out.push([`resource${bar.index}`, resourceNode(() => deviceModelOf(k, fn), fn.bdf, bar)]);
    if (dev.driver !== null) out.push(['driver', up(depth, `bus/pci/drivers/${dev.driver.name}`)]);
    if (dev.group !== null) out.push(['iommu_group', up(depth, `kernel/iommu_groups/${dev.group.id}`)]);
    const vdev = k.vfio.devices.get(dev.bdf);
    if (vdev !== undefined) out.push(['vfio-dev', staticDir({ [`vfio${vdev.index}`]: staticDir({ dev: roFile(() => `${VFIO_CDEV_MAJOR}:${vdev.index}\n`) }) })]);
    for (const child of k.pci.devices) {
      if (child !== dev && deviceDirPath(child) === `${path}/${child.bdf}`) out.push([child.bdf, deviceDir(k, child)]);
    }
    return out.sort((a, b) => compareNames(a[0], b[0]));
  };
  return computedDir(attrs);
}

/** The major number Linux's vfio cdevs get varies; we show a fixed one. */
const VFIO_CDEV_MAJOR = 511;

function moduleNames(): string[] {
  return [...new Set(PARAM_TABLE.map((p) => p.module))].sort();
}

function paramsDir(k: Kernel, module: string): DirNode {
  return computedDir(() =>
    PARAM_TABLE.filter((p) => p.module === module).map((p) => {
      const node: FsNode =
        p.mode & 0o200
          ? rwFile(() => ok(k.params.show(p)), (data) => k.params.store(p, data), p.mode)
          : roFile(() => k.params.show(p));
      return [p.name, node] as const;
    }),
  );
}

