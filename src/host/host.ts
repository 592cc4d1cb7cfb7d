/**
 * Host: one simulated machine and the entry point of the public API (contract §2). It is
 * `new Machine(topology)` (the hardware: clock, trace, rng, RAM, IOMMU, fabric, device
 * models, interrupt delivery) → `new Kernel(machine)` → processes.
 *
 * Determinism: the same topology, the same calls in the same order and the same seed give
 * byte-identical traces and results. Nothing here reads the wall clock or Math.random.
 */
import { SystemError } from '../base/errors.js';
import type { Failure } from '../base/result.js';
import type { Clock } from '../base/clock.js';
import type { Rng } from '../base/rng.js';
import type { Trace } from '../base/trace.js';
import { parseTopology } from '../hardware/topology/index.js';
import type { Topology } from '../hardware/topology/model.js';
import { defaultTopologyJson } from '../hardware/default-machine.js';
import { Kernel } from '../kernel/kernel.js';
import type { Iommu } from '../hardware/iommu/iommu.js';
import type { FaultRecord } from '../hardware/iommu/faults.js';
import type { PhysMem } from '../hardware/memory/phys-mem.js';
import { Machine } from '../hardware/machine.js';
import { Process } from '../process/process.js';
import { checkCount, checkNanoseconds, checkOptions } from '../process/args.js';
import type { DeviceModel, DeviceModelMaker } from '../hardware/devices/model-types.js';


export interface HostOptions {
  /** Seed for every random choice a device model may make (default 1). */
  readonly seed?: number;
  /**
   * The IOMMU grouping algorithm, overriding the topology's `kernel.grouping`:
   * 'classic' (what deployed kernels do) or 'bus-isolation' (the 2025 rewrite).
   */
  readonly grouping?: 'classic' | 'bus-isolation';
  /**
   * Your own device models, by full BDF: each replaces the function's built-in (or inert)
   * model. The function's identity, BARs and capabilities still come from the topology.
   */
  readonly models?: Readonly<Record<string, DeviceModelMaker>>;
}

export interface SpawnOptions {
  readonly uid?: number;
  readonly gid?: number;
  /** RLIMIT_MEMLOCK in bytes (default 8 MiB, the usual distribution default). */
  readonly rlimitMemlock?: bigint;
  /** Exactly the capabilities held, by Linux name; default: all for uid 0, none otherwise. */
  readonly caps?: readonly string[];
  /** Start with fds 0, 1 and 2 open on /dev/null (default true, as every Linux process has them); false: none open. */
  readonly stdio?: boolean;
}

export const DEFAULT_RLIMIT_MEMLOCK = 8n << 20n;

function isTopology(v: unknown): v is Topology {
  return typeof v === 'object' && v !== null && Array.isArray((v as { functions?: unknown }).functions);
}

export class Host {
  /** The hardware: clock, trace, rng, memory, IOMMU, fabric, device models, interrupts. */
  readonly machine: Machine;
  readonly clock: Clock;
  readonly trace: Trace;
  readonly topology: Topology;
  /** The machine's seeded PRNG (HostOptions.seed); device models get it in their context. */
  readonly rng: Rng;
  /** Host physical memory. */
  readonly phys: PhysMem;
  /** The IOMMU, or null on a machine without one. */
  readonly iommu: Iommu | null;
  /** @internal The simulated kernel. */
  readonly kernel: Kernel;
  private readonly root: Process;

  constructor(topology?: unknown, opts: HostOptions = {}) {
    const parsed = topology === undefined ? parseTopology(defaultTopologyJson) : isTopology(topology) ? topology : parseTopology(topology);
    this.topology = opts.grouping === undefined || opts.grouping === parsed.kernel.grouping ? parsed : { ...parsed, kernel: { ...parsed.kernel, grouping: opts.grouping } };
    const m = new Machine(this.topology, { seed: opts.seed, models: opts.models });
    this.machine = m;
    this.clock = m.clock;
    this.trace = m.trace;
    this.rng = m.rng;
    this.phys = m.phys;
    this.iommu = m.iommu;
    this.kernel = new Kernel(m);
    this.root = this.spawn();
  }

  /** Run every event due up to now + ns. */
  advance(ns: bigint): void {
    this.clock.advance(checkNanoseconds('ns', ns));
  }

  /** Run until idle (or `until`, or `maxEvents`); returns the number of events run. */
  run(opts?: { until?: bigint; maxEvents?: number }): number {
    const o = checkOptions('opts', opts);
    const until = o.until === undefined ? undefined : checkNanoseconds('opts.until', o.until);
    const maxEvents = o.maxEvents === undefined ? undefined : checkCount('opts.maxEvents', o.maxEvents);
    return this.clock.run({ ...(until !== undefined ? { until } : {}), ...(maxEvents !== undefined ? { maxEvents } : {}) });
  }

  spawn(opts: SpawnOptions = {}): Process {
    const uid = opts.uid ?? 0;
    const caps = opts.caps !== undefined ? new Set(opts.caps) : uid === 0 ? null : new Set<string>();
    const t = this.kernel.spawn({ uid, gid: opts.gid ?? 0, caps }, opts.rlimitMemlock ?? DEFAULT_RLIMIT_MEMLOCK, opts.stdio ?? true);
    return new Process(t);
  }

  /**
   * Bind `bdf` to `driver` (null: unbind and clear the override), by the sysfs dance a
   * shell script does: driver_override, the current driver's unbind, then drivers_probe
   * or the new driver's bind. Throws SystemError as the failing write would.
   */
  bind(bdf: string, driver: string | null): void {
    const p = this.root;
    const dev = this.kernel.pci.find(bdf);
    if (dev === undefined) throw new SystemError('ENODEV', 'write', { path: `/sys/bus/pci/devices/${bdf}`, info: { why: 'no such device' } });
    p.writeFile(`/sys/bus/pci/devices/${bdf}/driver_override`, driver === null ? '\n' : driver);
    if (dev.driver !== null && dev.driver.name !== driver) p.writeFile(`/sys/bus/pci/drivers/${dev.driver.name}/unbind`, bdf);
    if (driver !== null && dev.driver === null) {
      if (this.kernel.pci.driver(driver) === undefined) throw sysErr({ ok: false, code: 'ENOENT', why: `no driver ${driver}` }, `/sys/bus/pci/drivers/${driver}/bind`);
      p.writeFile(`/sys/bus/pci/drivers/${driver}/bind`, bdf);
    }
  }

  /**
   * Replace the device model of `bdf` with your own, before user space opens the device.
   * Throws RangeError for a BDF the topology lacks. Returns the new model.
   */
  setDeviceModel(bdf: string, make: DeviceModelMaker): DeviceModel {
    return this.machine.setDeviceModel(bdf, make);
  }

  /** Every IOMMU fault since boot, oldest first (a copy). */
  faults(): FaultRecord[] {
    return this.iommu?.faultLog() ?? [];
  }
}

function sysErr(r: Failure, path: string): SystemError {
  return new SystemError(r.code, 'write', { path, ...(r.why ? { info: { why: r.why } } : {}) });
}
