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
import { PARAM_TABLE } from '../../uapi/module-params.js';
import { storeGroupType } from '../iommu/group-type.js';
import { debugfsRoot } from './debugfs.js';
import { iovEntries } from './sysfs-iov.js';
import { compareNames } from './devfs.js';
import { computedDir, link, roFile, rwFile, staticDir, type DirNode, type FsNode } from './node.js';
import { configNode, resourceBars, resourceNode } from './sysfs-pci-bin.js';

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
    kernel: staticDir({
      debug: debugfsRoot(k),
      iommu_groups: computedDir(
        () => k.iommuCore.list().map((g) => [String(g.id), groupDir(k, g.id)] as const),
        undefined,
        (name) => {
          const g = k.iommuCore.list().find((x) => String(x.id) === name);
          return g === undefined ? undefined : groupDir(k, g.id);
        },
      ),
    }),
    bus: staticDir({
      pci: staticDir({
        devices: computedDir(
          () => k.pci.devices.map((d) => [d.bdf, up(3, deviceDirPath(d))] as const),
          undefined,
          (name) => {
            const d = k.pci.devices.find((x) => x.bdf === name);
            return d === undefined ? undefined : up(3, deviceDirPath(d));
          },
        ),
        drivers: computedDir(
          () => [...k.pci.drivers.keys()].sort(compareNames).map((n) => [n, driverDir(k, n)] as const),
          undefined,
          (name) => (k.pci.drivers.has(name) ? driverDir(k, name) : undefined),
        ),
        drivers_probe: rwFile(undefined, (data) => k.pci.driversProbeStore(data)),
      }),
    }),
    devices: computedDir(
      () => rootBuses(k).map((name) => [name, busDir(k, name)] as const),
      undefined,
      (name) => (k.pci.devices.some((d) => rootBusOf(d) === name) ? busDir(k, name) : undefined),
    ),
    module: computedDir(
      () => MODULES.map((m) => [m, moduleDir(k, m)] as const),
      undefined,
      (name) => (MODULES.includes(name) ? moduleDir(k, name) : undefined),
    ),
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

/** A driver's store files, by name. */
const DRIVER_FILES = ['bind', 'new_id', 'remove_id', 'unbind'] as const;

function driverDir(k: Kernel, name: string): DirNode {
  const drv = (): NonNullable<ReturnType<typeof k.pci.driver>> => k.pci.driver(name)!;
  const base = `bus/pci/drivers/${name}`;
  const file = (f: (typeof DRIVER_FILES)[number]): FsNode => {
    switch (f) {
      case 'bind': return rwFile(undefined, (data) => k.pci.bindStore(drv(), data));
      case 'new_id': return rwFile(undefined, (data) => k.pci.newIdStore(drv(), data));
      case 'remove_id': return rwFile(undefined, (data) => k.pci.removeIdStore(drv(), data));
      case 'unbind': return rwFile(undefined, (data) => k.pci.unbindStore(drv(), data));
    }
  };
  const bound = (d: PciDev): FsNode => up(depthOf(base), deviceDirPath(d));
  return computedDir(
    () => [
      ...DRIVER_FILES.map((f) => [f, file(f)] as const),
      ...k.pci.devices.filter((d) => d.driver?.name === name).map((d) => [d.bdf, bound(d)] as const),
    ],
    undefined,
    (entry) => {
      if ((DRIVER_FILES as readonly string[]).includes(entry)) return file(entry as (typeof DRIVER_FILES)[number]);
      const d = k.pci.devices.find((x) => x.bdf === entry && x.driver?.name === name);
      return d === undefined ? undefined : bound(d);
    },
  );
}

/** The /sys/devices directory a device's chain starts in, e.g. "pci0000:00". */
function rootBusOf(dev: PciDev): string {
  let top = dev.fn;
  for (let f: PciDev['fn'] | null = dev.fn; f !== null; f = f.parent ?? f.physfn?.parent ?? null) top = f;
  return `pci${top.bdf.slice(0, 4)}:${top.bdf.slice(5, 7)}`;
}

function rootBuses(k: Kernel): string[] {
  const names = new Set<string>();
  for (const d of k.pci.devices) names.add(rootBusOf(d));
  return [...names].sort(compareNames);
}

function busDir(k: Kernel, busName: string): DirNode {
  const onBus = (d: PciDev): boolean => {
    const p = deviceDirPath(d).split('/');
    return p[1] === busName && p.length === 3;
  };
  return computedDir(
    () => k.pci.devices.filter(onBus).map((d) => [d.bdf, deviceDir(k, d)] as const),
    undefined,
    (name) => {
      const d = k.pci.devices.find((x) => x.bdf === name && onBus(x));
      return d === undefined ? undefined : deviceDir(k, d);
    },
  );
}

/** A device directory's fixed attributes, each built from the device on demand. */
const DEVICE_ATTRS: Readonly<Record<string, (k: Kernel, dev: PciDev) => FsNode>> = {
  class: (_k, d) => roFile(() => `0x${d.fn.classCode.toString(16).padStart(6, '0')}\n`),
  config: (k, d) => configNode(() => k.machine.modelOf(d.fn)),
  device: (_k, d) => roFile(() => `0x${d.fn.device.toString(16).padStart(4, '0')}\n`),
  driver_override: (k, d) => rwFile(() => ok(`${d.driverOverride ?? '(null)'}\n`), (data) => k.pci.overrideStore(d, data)),
  revision: (_k, d) => roFile(() => `0x${d.fn.revision.toString(16).padStart(2, '0')}\n`),
  subsystem_device: (_k, d) => roFile(() => `0x${d.fn.subsystemDevice.toString(16).padStart(4, '0')}\n`),
  subsystem_vendor: (_k, d) => roFile(() => `0x${d.fn.subsystemVendor.toString(16).padStart(4, '0')}\n`),
  vendor: (_k, d) => roFile(() => `0x${d.fn.vendor.toString(16).padStart(4, '0')}\n`),
};

function deviceDir(k: Kernel, dev: PciDev): DirNode {
  const path = deviceDirPath(dev);
  const depth = depthOf(path);
  const fn = dev.fn;
  const isChild = (child: PciDev): boolean => child !== dev && deviceDirPath(child) === `${path}/${child.bdf}`;
  const vfioDev = (): FsNode | undefined => {
    const vdev = k.vfio.devices.get(dev.bdf);
    return vdev === undefined ? undefined : staticDir({ [vdev.cdevName]: staticDir({ dev: roFile(() => `${VFIO_CDEV_MAJOR}:${vdev.index}\n`) }) });
  };
  const iov = (): Array<readonly [string, FsNode]> => iovEntries(k, dev, (other) => up(depth, deviceDirPath(other)));
  const attrs = (): Array<readonly [string, FsNode]> => {
    const out: Array<readonly [string, FsNode]> = Object.entries(DEVICE_ATTRS).map(([n, make]) => [n, make(k, dev)] as const);
    for (const bar of resourceBars(fn.bars)) out.push([`resource${bar.index}`, resourceNode(() => k.machine.modelOf(fn), fn.bdf, bar)]);
    if (dev.driver !== null) out.push(['driver', up(depth, `bus/pci/drivers/${dev.driver.name}`)]);
    if (dev.group !== null) out.push(['iommu_group', up(depth, `kernel/iommu_groups/${dev.group.id}`)]);
    const v = vfioDev();
    if (v !== undefined) out.push(['vfio-dev', v]);
    for (const child of k.pci.devices) if (isChild(child)) out.push([child.bdf, deviceDir(k, child)]);
    out.push(...iov());
    return out.sort((a, b) => compareNames(a[0], b[0]));
  };
  // one name, the same node attrs() would list under it
  const find = (name: string): FsNode | undefined => {
    const make = Object.hasOwn(DEVICE_ATTRS, name) ? DEVICE_ATTRS[name] : undefined;
    if (make !== undefined) return make(k, dev);
    if (name.startsWith('resource')) {
      const bar = resourceBars(fn.bars).find((b) => `resource${b.index}` === name);
      return bar === undefined ? undefined : resourceNode(() => k.machine.modelOf(fn), fn.bdf, bar);
    }
    if (name === 'driver') return dev.driver === null ? undefined : up(depth, `bus/pci/drivers/${dev.driver.name}`);
    if (name === 'iommu_group') return dev.group === null ? undefined : up(depth, `kernel/iommu_groups/${dev.group.id}`);
    if (name === 'vfio-dev') return vfioDev();
    const child = k.pci.devices.find((c) => c.bdf === name && isChild(c));
    if (child !== undefined) return deviceDir(k, child);
    return iov().find(([n]) => n === name)?.[1];
  };
  return computedDir(attrs, undefined, find);
}

/** The major number Linux's vfio cdevs get varies; we show a fixed one. */
const VFIO_CDEV_MAJOR = 511;

/** Modules with parameters, sorted (PARAM_TABLE is fixed). */
const MODULES: readonly string[] = [...new Set(PARAM_TABLE.map((p) => p.module))].sort();

function moduleDir(k: Kernel, module: string): DirNode {
  return staticDir({ parameters: paramsDir(k, module) });
}

function paramsDir(k: Kernel, module: string): DirNode {
  const node = (p: (typeof PARAM_TABLE)[number]): FsNode =>
    p.mode & 0o200 ? rwFile(() => ok(k.params.show(p)), (data) => k.params.store(p, data), p.mode) : roFile(() => k.params.show(p));
  return computedDir(
    () => PARAM_TABLE.filter((p) => p.module === module).map((p) => [p.name, node(p)] as const),
    undefined,
    (name) => {
      const p = PARAM_TABLE.find((x) => x.module === module && x.name === name);
      return p === undefined ? undefined : node(p);
    },
  );
}
