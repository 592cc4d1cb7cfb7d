/**
 * The simulated kernel: one instance per Host, booted on a Machine (src/hardware/machine.ts),
 * whose hardware it programs but never builds. It owns the kernel-side state — driver core,
 * IOMMU groups, VFIO, host IRQs, module parameters, /dev and /sys, tasks — and keeps the
 * machine's clock, trace, memory and IOMMU at hand.
 *
 * Boot order follows Linux: PCI devices are added in probe order, the IOMMU forms their
 * groups and attaches default domains, then drivers bind as the topology says.
 */
import type { Clock } from '../base/clock.js';
import type { Trace } from '../base/trace.js';
import type { Topology } from '../hardware/topology/model.js';
import type { Machine } from '../hardware/machine.js';
import { deriveGroups, type GroupTable } from '../hardware/groups/index.js';
import type { PhysMem } from '../hardware/memory/phys-mem.js';
import { FrameAllocator } from './mm/frame-allocator.js';
import { ok, type Result } from '../base/result.js';
import { DevFs } from './fs/devfs.js';
import { charDevice, staticDir } from './fs/node.js';
import { sysfsRoot } from './fs/sysfs.js';
import { Vfs } from './fs/vfs.js';
import { IommuCore } from './iommu/iommu-core.js';
import type { Iommu } from '../hardware/iommu/iommu.js';
import { AddressSpace } from './mm/address-space.js';
import type { FramePool } from './mm/frames.js';
import { ModuleParams } from './params.js';
import { hostDriver } from './pci/driver.js';
import { pcieportDriver } from './pci/pcieport.js';
import { PciCore } from './pci/driver-core.js';
import { adoptBootVfs, sriovConfigureSimple } from './pci/iov.js';
import { PciDev } from './pci/pci-dev.js';
import { installMemDevs, openNull } from './fs/mem-devs.js';
import { procRoot } from './fs/procfs.js';
import { O_RDWR } from '../uapi/posix.js';
import { Task, type Credentials } from './task.js';
import { uioPciGenericDriver } from './uio/uio-pci-generic.js';
import { UioCore } from './uio/uio.js';
import { openIommufd } from './iommufd/main.js';
import { VfioCore } from './vfio/vfio-core.js';
import { HostIrqs } from './vfio-pci/host-irq.js';
import { vfioPciDriver } from './vfio-pci/vfio-pci-driver.js';

export class Kernel {
  /** The hardware this kernel runs on (device models, fabric, interrupt controller). */
  readonly machine: Machine;
  readonly clock: Clock;
  readonly trace: Trace;
  readonly topology: Topology;
  readonly params: ModuleParams;
  readonly phys: PhysMem;
  readonly frames: FrameAllocator;
  readonly iommu: Iommu | null;
  readonly iommuCore: IommuCore;
  /** The host side of MSIs: vector allocation, IRTEs, handlers in the interrupt controller. */
  readonly irqs: HostIrqs;
  readonly pci: PciCore;
  readonly vfio: VfioCore;
  readonly devfs = new DevFs();
  readonly vfs: Vfs;
  readonly tasks = new Map<number, Task>();
  /** UIO devices (/dev/uio<minor>), registered by uio_pci_generic. */
  readonly uio: UioCore;
  /** Per-UID locked_vm in pages (struct user_struct), shared by every process of the user; iommufd charges it. */
  readonly userLockedVm = new Map<number, bigint>();
  /** How the IOMMU groups were formed (with the reason for each function), or null without an IOMMU. */
  groupTable: GroupTable | null = null;
  /** Why the kernel is tainted (no-IOMMU mode, unsafe interrupts), in order. */
  readonly taints: string[] = [];
  private nextPid = 1;
  private readonly framePool: FramePool;

  constructor(machine: Machine) {
    this.machine = machine;
    this.clock = machine.clock;
    this.trace = machine.trace;
    this.topology = machine.topology;
    this.params = new ModuleParams(machine.topology.kernel.params);
    this.phys = machine.phys;
    this.iommu = machine.iommu;
    this.irqs = new HostIrqs(machine.interrupts, machine.iommu?.irt ?? null);
    this.frames = new FrameAllocator(machine.topology.ramRanges.map((r) => [r.start, r.end + 1n] as const));
    this.framePool = {
      alloc: (count, align) => this.frames.alloc(count, align),
      free: (pfn, count) => {
        this.phys.fill(BigInt(pfn) << 12n, count * 4096, 0);
        this.frames.free(pfn, count);
      },
    };
    const hw = machine.iommu;
    // pci_ats_supported(): the function has ATS and is not untrusted; the IOMMU driver then
    // enables the device TLB in its context entry whenever a domain is attached
    const ats = new Set(machine.topology.functions.filter((f) => f.atsCapable && !f.untrusted).map((f) => f.rid));
    // intel probe: PRI is enabled only with ATS; a domain with a fault handler turns page requests on (iopf_for_domain_set)
    const pri = new Set(machine.topology.functions.filter((f) => f.priCapable && ats.has(f.rid)).map((f) => f.rid));
    this.iommuCore = new IommuCore(
      hw === null
        ? null
        : {
            allocDomain: (type) => hw.allocDomain(type),
            attachRids: (rids, domain) => {
              for (const rid of rids) hw.attach(rid, domain, { atsAllowed: ats.has(rid), priEnabled: pri.has(rid) && domain.faultData !== null });
            },
            detachRids: (rids) => { for (const rid of rids) hw.detach(rid); },
            freeDomain: (domain) => { hw.freeDomain(domain); },
            enableFlushQueue: (domain) => { domain.enableFlushQueue(); },
            isMapped: (domain, iova) => domain.pageTable.iovaToPhys(iova) !== null,
            map: (domain, iova, pa, size) => hw.map(domain, iova, pa, size, { read: true, write: true }),
          },
    );
    this.pci = new PciCore(this.trace);
    this.vfio = new VfioCore(this);
    this.uio = new UioCore(this);
    this.vfs = new Vfs(staticDir({ dev: this.devfs.root(), sys: sysfsRoot(this), proc: procRoot(this) }));
    this.boot();
  }

  private boot(): void {
    const topo = this.topology;
    for (const fn of topo.functions) this.pci.addDevice(new PciDev(fn));
    adoptBootVfs(this);
    if (topo.iommu !== null) this.formGroups();
    this.registerDrivers();
    this.initVfio();
    installMemDevs(this.devfs);
    for (const dev of this.pci.devices) {
      if (dev.fn.driver === null) continue;
      const drv = this.pci.driver(dev.fn.driver)!;
      const r = this.pci.probe(dev, drv);
      if (!r.ok) this.trace.add('driver', dev.bdf, `boot: ${drv.name} failed to bind: ${r.code}`);
    }
  }

  /** IOMMU probe: groups as the configured algorithm forms them, default domains attached. */
  private formGroups(): void {
    const topo = this.topology;
    const table = deriveGroups(topo, { algorithm: topo.kernel.grouping });
    this.groupTable = table;
    const lazy = topo.iommu?.invalidation === 'lazy';
    for (const info of table.groups) {
      const members = info.members.map((bdf) => this.pci.find(bdf)!);
      const rids = [...new Set(info.members.flatMap((bdf) => table.aliasesOf(bdf)))].sort((a, b) => a - b);
      const strict = !lazy || members.some((m) => m.fn.untrusted);
      const g = this.iommuCore.create({ id: info.id, reservedRegions: info.reservedRegions, rids, defaultType: strict ? 'DMA' : 'DMA-FQ', hardware: true });
      g.nonIsolated = info.nonIsolated;
      for (const m of members) {
        g.devices.push(m);
        m.group = g;
      }
    }
  }

  /**
   * The VFIO modules' init: vfio-pci registers its driver (its devices get VFIO device fds),
   * the container node
   * /dev/vfio/vfio (0666, each open a new container), and iommufd's /dev/iommu (root:root
   * 0660, a misc device). Group and cdev nodes appear as devices register (VfioCore).
   */
  private initVfio(): void {
    this.pci.registerDriver(vfioPciDriver(this));
    this.devfs.create('vfio/vfio', charDevice(0o666, (_ctx, flags, path) => ok(this.vfio.openContainer(flags, path))));
    this.devfs.create('iommu', charDevice(0o660, (_ctx, flags, path) => ok(openIommufd(this, flags, path))));
  }

  /** pci-stub and pcieport manage DMA themselves; host drivers named by the topology do not. */
  private registerDrivers(): void {
    this.pci.registerDriver(hostDriver('pci-stub', { driverManagedDma: true }));
    this.pci.registerDriver(pcieportDriver());
    this.pci.registerDriver(uioPciGenericDriver(this));
    for (const dev of this.pci.devices) {
      const name = dev.fn.driver;
      if (name === null || name === 'vfio-pci' || this.pci.driver(name)) continue;
      // a driver the topology binds to an SR-IOV PF configures its VFs (sriov_configure)
      const pfDriver = this.pci.devices.some((d) => d.fn.driver === name && d.fn.sriov !== null);
      this.pci.registerDriver(hostDriver(name, pfDriver ? { sriovConfigure: (d, n) => sriovConfigureSimple(this, d, n) } : {}));
    }
    for (const dev of this.pci.devices) {
      const drv = dev.fn.driver === null ? undefined : this.pci.driver(dev.fn.driver);
      if (drv && drv.name !== 'vfio-pci' && drv.name !== 'pcieport' && drv.name !== 'pci-stub') {
        if (!drv.ids.some((i) => i.vendor === dev.fn.vendor && i.device === dev.fn.device)) drv.ids.push({ vendor: dev.fn.vendor, device: dev.fn.device });
      }
    }
  }

  /** Mark the kernel tainted, as add_taint() does, and say why in the trace. */
  taint(why: string): void {
    this.taints.push(why);
    this.trace.add('kernel', 'kernel', `tainted: ${why}`);
  }

  /**
   * Create a task (a process) with the given credentials. Its fds 0, 1 and 2 are open on
   * /dev/null (one description, as a shell's redirection would leave them) unless `stdio`
   * is false — a process whose parent closed them.
   */
  spawn(cred: Credentials, rlimitMemlock: bigint, stdio = true): Task {
    const t = new Task(this, this.nextPid++, cred, rlimitMemlock, new AddressSpace(this.framePool, this.phys));
    if (stdio) {
      const f = openNull(O_RDWR);
      t.installFd(f);
      t.installFd(f.get());
      t.installFd(f.get());
    }
    this.tasks.set(t.pid, t);
    return t;
  }

  /**
   * fork(2): a child with a copy of the parent's credentials, rlimits, fd table (shared
   * open file descriptions) and address space (see AddressSpace.fork). ENOMEM changes nothing.
   */
  fork(parent: Task): Result<Task> {
    const mm = parent.mm.fork();
    if (!mm.ok) return mm;
    const t = new Task(this, this.nextPid++, parent.cred, parent.rlimitMemlock, mm.value);
    parent.copyFdsTo(t);
    this.tasks.set(t.pid, t);
    return ok(t);
  }

  /** Process exit (do_exit): close every fd (exit_files), then tear down the address space (exit_mm). */
  exit(t: Task): void {
    for (const fd of t.openFds()) t.removeFd(fd)?.put();
    t.mm.destroy();
    this.tasks.delete(t.pid);
  }
}
