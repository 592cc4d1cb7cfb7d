/**
 * IsolationLab: a Host opened up for threat experiments — the fabric, every device model,
 * the hostile device, and a record of every interrupt message the CPUs received. Tests,
 * scenarios and users drive attacks through it and read the outcome: IOMMU faults
 * (`host.faults()`), fabric events (P2P deliveries and ACS drops), delivered MSIs, memory.
 *
 * Invariant: the lab only observes and pokes hardware the way a device or a test harness
 * could; kernel state changes only through the Host's public surface.
 */
import { Host, type HostOptions } from '../host/host.js';
import type { Fabric } from '../hardware/fabric/fabric.js';
import type { DeviceModel } from '../hardware/devices/model-types.js';
import { HostileModel } from '../hardware/devices/hostile.js';
import { CFG, CMD } from '../hardware/devices/config-space.js';
import type { MsiMessage } from '../hardware/iommu/interrupt-remap.js';
import type { PciFunction } from '../hardware/topology/model.js';
import type { Iommu } from '../hardware/iommu/iommu.js';
import type { IommuDomain } from '../hardware/iommu/domain.js';
import type { IommuGroup } from '../kernel/iommu/iommu-group.js';
import { iommuGroupOf } from './kernel-view.js';

export class IsolationLab {
  readonly host: Host;
  readonly fabric: Fabric;
  /** Every interrupt message that reached the CPUs, oldest first. */
  readonly msis: MsiMessage[] = [];

  constructor(topology?: unknown, opts: HostOptions = {}) {
    this.host = new Host(topology, opts);
    this.fabric = this.host.machine.fabric;
    this.host.machine.interrupts.observe((m) => this.msis.push(m));
  }

  fn(bdf: string): PciFunction {
    const f = this.host.topology.byBdf(bdf);
    if (f === undefined) throw new RangeError(`no PCI function ${bdf}`);
    return f;
  }

  model(bdf: string): DeviceModel {
    return this.host.machine.modelOf(this.fn(bdf));
  }

  hostile(bdf: string): HostileModel {
    const m = this.model(bdf);
    if (!(m instanceof HostileModel)) throw new TypeError(`${bdf} is not a hostile device model`);
    return m;
  }

  /** The kernel's IOMMU group of `bdf` (throws when it has none). */
  group(bdf: string): IommuGroup {
    const g = iommuGroupOf(this.host, bdf);
    if (g === null) throw new RangeError(`${bdf} has no IOMMU group`);
    return g;
  }

  /** The domain the group of `bdf` is attached to right now. */
  domain(bdf: string): IommuDomain {
    const d = this.group(bdf).domain;
    if (d === null) throw new RangeError(`${bdf}'s group has no domain`);
    return d;
  }

  /** The machine's IOMMU (throws on a machine without one). */
  get iommu(): Iommu {
    const i = this.host.iommu;
    if (i === null) throw new RangeError('this machine has no IOMMU');
    return i;
  }

  /** Turn on memory decoding and bus mastering, as a driver (or firmware) would. */
  enable(bdf: string): void {
    const m = this.model(bdf);
    m.configWrite(CFG.COMMAND, 2, m.configRead(CFG.COMMAND, 2) | CMD.MEMORY | CMD.MASTER);
  }
}
