/**
 * The machine: every piece of hardware of one simulated host, built in this one constructor
 * from a parsed topology — the virtual clock and the trace, the seeded PRNG, physical memory,
 * the IOMMU (or none), the PCIe fabric, the CPUs' interrupt controller and one device model
 * per PCI function. Every wire between them is made here, explicitly:
 *
 *   device model ──DMA──▶ fabric ──▶ IOMMU ──▶ fabric.physAccess (a BAR, or RAM)
 *        │                  │          └─MSI (remapped)─▶ interrupt controller ──▶ kernel handler
 *        │                  └─MSI (no IOMMU / boot window)─▶ interrupt controller
 *        └──INTx level───────────────────────────────────▶ interrupt controller
 *
 * The kernel (src/kernel) boots on a Machine and constructs no hardware; it programs it (IOMMU
 * domains and IRTEs, handlers in the interrupt controller) as Linux programs a real one.
 *
 * Invariants: one model instance per function for the life of the machine (replaced only by
 * `setDeviceModel`); every model gets the same context (this machine's clock, memory, IOMMU,
 * fabric, trace, interrupt delivery and seeded rng); nothing here reads the wall clock.
 */
import { Clock } from '../base/clock.js';
import { Rng } from '../base/rng.js';
import { Trace } from '../base/trace.js';
import { InterruptController } from './cpu/interrupt-controller.js';
import { createDeviceModel } from './devices/catalog.js';
import type { DeviceContext, DeviceModel, DeviceModelMaker } from './devices/model-types.js';
import { Fabric } from './fabric/fabric.js';
import { Iommu } from './iommu/iommu.js';
import type { IommuConfig } from './iommu/iommu-types.js';
import type { MsiMessage } from './iommu/interrupt-remap.js';
import { PhysMem } from './memory/phys-mem.js';
import type { PciFunction, Topology } from './topology/model.js';

export interface MachineOptions {
  /** Seed of the machine's PRNG, the only randomness device models may use (default 1). */
  readonly seed?: number | undefined;
  /** Device models by full BDF, replacing the function's built-in (or inert) model. */
  readonly models?: Readonly<Record<string, DeviceModelMaker>> | undefined;
}

export class Machine {
  readonly topology: Topology;
  readonly clock: Clock;
  readonly trace: Trace;
  readonly rng: Rng;
  /** Host physical memory. */
  readonly phys: PhysMem;
  /** The CPUs' interrupt side: where every message-signalled interrupt ends. */
  readonly interrupts: InterruptController;
  /** The IOMMU, or null on a machine without one. */
  readonly iommu: Iommu | null;
  /** The PCIe fabric every device-originated request crosses (P2P, ACS) before the IOMMU. */
  readonly fabric: Fabric;
  /** What every device model is given. */
  readonly deviceContext: DeviceContext;
  private readonly models = new Map<string, DeviceModel>();
  /** Functions that appeared after boot (SR-IOV VFs), by BDF; the topology lists the rest. */
  private readonly added = new Map<string, PciFunction>();
  /** Functions of the topology that went away (VFs enabled at boot, then disabled). */
  private readonly gone = new Set<string>();

  constructor(topology: Topology, opts: MachineOptions = {}) {
    this.topology = topology;
    this.clock = new Clock();
    this.trace = new Trace(() => this.clock.now());
    this.rng = new Rng(opts.seed ?? 1);
    this.phys = new PhysMem();
    this.interrupts = new InterruptController(this.trace);
    const msiSink = (msg: MsiMessage): void => this.interrupts.deliver(msg);
    this.iommu = topology.iommu === null ? null : new Iommu(this.phys, this.clock, {
      ...iommuConfig(topology),
      msiSink,
      // after translation, an address a BAR decodes is that device's registers (policed P2P)
      physSink: (pa, write, buf, off, n) => this.fabric.physAccess(pa, write, buf, off, n),
      onEvent: (kind, text) => this.trace.add(kind === 'fault' ? 'fault' : 'iommu', 'iommu', text),
    });
    this.fabric = new Fabric(topology, {
      iommu: this.iommu, phys: this.phys, now: () => this.clock.now(), trace: this.trace,
      modelOf: (fn) => this.models.get(fn.bdf), msiSink,
      iommuEnabledAt: topology.iommu?.enabledAtNs ?? 0n,
    });
    this.deviceContext = {
      clock: this.clock, phys: this.phys, iommu: this.iommu, trace: this.trace, fabric: this.fabric, rng: this.rng,
      msiSink, intxSink: (bdf, asserted) => this.interrupts.intx(bdf, asserted),
    };
    const makers = new Map(Object.entries(opts.models ?? {}).map(([bdf, make]) => [this.fn(bdf).bdf, make] as const));
    for (const fn of topology.functions) this.models.set(fn.bdf, (makers.get(fn.bdf) ?? createDeviceModel)(fn, this.deviceContext));
  }

  /** The model of `fn` (every function of the topology has one). */
  modelOf(fn: PciFunction): DeviceModel {
    return this.models.get(fn.bdf)!;
  }

  /** The model of the function at `bdf`; throws RangeError for a BDF the topology lacks. */
  model(bdf: string): DeviceModel {
    return this.modelOf(this.fn(bdf));
  }

  /**
   * Replace the model of `bdf` with `make`'s (before user space opens the device). Throws
   * RangeError for a BDF the topology lacks. Returns the new model.
   */
  setDeviceModel(bdf: string, make: DeviceModelMaker): DeviceModel {
    const fn = this.fn(bdf);
    const m = make(fn, this.deviceContext);
    this.models.set(fn.bdf, m);
    return m;
  }

  /**
   * A function appears (the PF's VF Enable set a VF alive): it gets the built-in model its
   * description names and is found by BDF from now on. Throws RangeError when the BDF is taken.
   */
  addFunction(fn: PciFunction): DeviceModel {
    if ((this.topology.byBdf(fn.bdf) !== undefined && !this.gone.has(fn.bdf)) || this.added.has(fn.bdf)) throw new RangeError(`PCI function ${fn.bdf} exists`);
    this.added.set(fn.bdf, fn);
    const m = createDeviceModel(fn, this.deviceContext);
    this.models.set(fn.bdf, m);
    return m;
  }

  /** A VF goes away with its model (VF Enable cleared); throws RangeError for any other function. */
  removeFunction(fn: PciFunction): void {
    if (!fn.isVf || this.fn(fn.bdf) !== fn) throw new RangeError(`PCI function ${fn.bdf} is not a present VF`);
    if (!this.added.delete(fn.bdf)) this.gone.add(fn.bdf);
    this.models.delete(fn.bdf);
  }

  /** Functions added at run time (VFs), in the order they appeared. */
  addedFunctions(): PciFunction[] {
    return [...this.added.values()];
  }

  private fn(bdf: string): PciFunction {
    const boot = this.topology.byBdf(bdf);
    const fn = boot !== undefined && !this.gone.has(boot.bdf) ? boot : this.added.get(boot?.bdf ?? bdf);
    if (fn === undefined) throw new RangeError(`no PCI function ${bdf}`);
    return fn;
  }
}

/** The IOMMU unit the topology describes, with fault lines naming functions by BDF. */
function iommuConfig(topology: Topology): IommuConfig {
  const cfg = topology.iommu!;
  const names = new Map(topology.functions.map((f) => [f.rid, f.bdf] as const));
  return {
    addressWidth: cfg.addressWidth,
    pageSizes: cfg.pageSizeBitmap,
    interruptRemapping: cfg.interruptRemapping,
    invalidation: cfg.invalidation,
    platform: cfg.platform,
    fqSize: cfg.fqSize,
    fqTimeoutNs: cfg.fqTimeoutNs,
    faultSlots: cfg.faultSlots,
    ...(cfg.pageTablePages === null ? {} : { pageTablePages: cfg.pageTablePages }),
    ridName: (rid) => names.get(rid) ?? `0000:${(rid >> 8).toString(16).padStart(2, '0')}:${((rid >> 3) & 0x1f).toString(16).padStart(2, '0')}.${rid & 7}`,
  };
}
