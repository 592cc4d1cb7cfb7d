/**
 * The machine's device models, one per PCI function, created on first use from the
 * topology with `createDeviceModel` (a function without a model gets an inert one).
 * `setDeviceModel` lets a test or a user plug in their own model for a function before
 * anything uses it.
 *
 * Invariant: one model instance per (kernel, bdf), for the life of the machine.
 */
import { createDeviceModel, type DeviceModel } from '../../hardware/devices/index.js';
import type { DeviceContext } from '../../hardware/devices/model.js';
import type { PciFunction } from '../../hardware/topology/model.js';
import type { Kernel } from '../kernel.js';
import { hostIrqs } from './host-irq.js';
import { Fabric } from '../../hardware/fabric/fabric.js';

const models = new WeakMap<Kernel, Map<string, DeviceModel>>();
const fabrics = new WeakMap<Kernel, Fabric>();

/** The machine's PCIe fabric: device DMA is routed through it (P2P, ACS) before the IOMMU. */
export function fabricOf(k: Kernel): Fabric {
  let f = fabrics.get(k);
  if (f === undefined) {
    const irqs = hostIrqs(k);
    f = new Fabric(k.topology, {
      iommu: k.iommu, phys: k.phys, now: () => k.clock.now(), trace: k.trace,
      modelOf: (fn) => deviceModelOf(k, fn), msiSink: (m) => irqs.deliver(m),
      iommuEnabledAt: k.topology.iommu?.enabledAtNs ?? 0n,
    });
    fabrics.set(k, f);
  }
  return f;
}

/** What every model of this machine is given. */
export function deviceContext(k: Kernel): DeviceContext {
  const irqs = hostIrqs(k);
  return { clock: k.clock, phys: k.phys, iommu: k.iommu, trace: k.trace, msiSink: (m) => irqs.deliver(m), fabric: fabricOf(k) };
}

function table(k: Kernel): Map<string, DeviceModel> {
  let t = models.get(k);
  if (t === undefined) {
    t = new Map();
    models.set(k, t);
  }
  return t;
}

export function deviceModelOf(k: Kernel, fn: PciFunction): DeviceModel {
  const t = table(k);
  let m = t.get(fn.bdf);
  if (m === undefined) {
    m = createDeviceModel(fn, deviceContext(k));
    t.set(fn.bdf, m);
  }
  return m;
}

/** Replace the model of `bdf` (before the device is opened); `make` gets the machine context. */
export function setDeviceModel(k: Kernel, bdf: string, make: (fn: PciFunction, ctx: DeviceContext) => DeviceModel): DeviceModel {
  const fn = k.topology.byBdf(bdf);
  if (fn === undefined) throw new RangeError(`no PCI function ${bdf}`);
  const m = make(fn, deviceContext(k));
  table(k).set(fn.bdf, m);
  return m;
}
