/**
 * The vfio-pci core device (struct vfio_pci_core_device, drivers/vfio/pci/vfio_pci_core.c):
 * per registered device, the device model behind it, the virtual config space, interrupt
 * state, ioeventfds, low-power state, and the open/close paths.
 *
 * Invariants: `vconf` exists exactly while the device is open; at most one of INTx, MSI,
 * MSI-X is active (`irqType`); ERR and REQ are independent of it; the first open resets the
 * function when a reset method exists (`resetWorks`), the last close tears the interrupt
 * setup down, removes ioeventfds, and resets again.
 */
import type { VfToken } from './sriov.js';
import type { DeviceModel } from '../../hardware/devices/model-types.js';
import { CFG, CMD } from '../../hardware/devices/config-space.js';
import type { EventFd } from '../eventfd.js';
import type { Kernel } from '../kernel.js';
import type { VfioDevice } from '../vfio/vfio-device.js';
import { VConfig } from './config.js';
import type { MsiBlock } from './host-irq.js';
import { disableIrqs } from './intrs.js';
import { intxHandler, virqDisable } from './intx.js';
import { initialMigState, migrationReset, type MigState } from './migration.js';

export type IrqType = 'none' | 'intx' | 'msi' | 'msix';

export interface IntxCtx {
  trigger: EventFd | null;
  masked: boolean;
  /** The unmask irqfd and its unsubscribe. */
  unmask: { fd: EventFd; off: () => void } | null;
}

export interface Ioeventfd {
  readonly bar: number;
  readonly pos: number;
  readonly data: bigint;
  readonly width: 1 | 2 | 4 | 8;
  off: (() => void) | null;
}

export class VfioPciCoreDevice {
  #model: DeviceModel | null = null;
  vconf: VConfig | null = null;
  resetWorks = false;
  needsReset = false;
  irqType: IrqType = 'none';
  intx: IntxCtx = { trigger: null, masked: false, unmask: null };
  /** MSI / MSI-X: per vector the trigger eventfd, and the host vectors. */
  msiVectors: Array<EventFd | null> = [];
  msiBlock: MsiBlock | null = null;
  /** MSI-X vectors added after enable (dynamic MSI-X), freed with the rest at disable. */
  dynMsix: MsiBlock[] = [];
  msiQmax = 0;
  errTrigger: EventFd | null = null;
  reqTrigger: EventFd | null = null;
  readonly ioeventfds: Ioeventfd[] = [];
  /** User's PM_CTRL state (through vconfig), and low power via the feature. */
  powerState = 0;
  lowPower: { wakeup: EventFd | null } | null = null;
  /** VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2 was SET (vfio_device.precopy_info_flags_fix); cleared at close. */
  precopyInfoV2 = false;
  /** Migration FSM state and data session (variant-driver devices only use it). */
  readonly mig: MigState = initialMigState();
  /** SR-IOV PF: its VF token (vfio_pci_vf_init); null on every other function. */
  vfToken: VfToken | null = null;
  /** SR-IOV PF: on vfio_pci_sriov_pfs (it enabled its VFs through vfio-pci). */
  sriovPfsItem = false;
  /** VF: its PF's vfio-pci device when that PF enabled it (sriov_pf_core_dev), else null. */
  sriovPf: VfioPciCoreDevice | null = null;

  constructor(readonly k: Kernel, readonly vdev: VfioDevice) {}

  /**
   * The device model behind the function, looked up on first use (so a model set with
   * Host.setDeviceModel after the probe but before the first open is the one used).
   */
  get model(): DeviceModel {
    return (this.#model ??= this.k.machine.modelOf(this.vdev.pdev.fn));
  }

  get fn() {
    return this.vdev.pdev.fn;
  }

  get bdf(): string {
    return this.vdev.name;
  }

  trace(text: string): void {
    this.k.trace.add('device', this.bdf, `vfio-pci: ${text}`);
  }

  /**
   * __vfio_pci_memory_enabled: virtual MEMORY bit set and the device in D0..D2. This gates
   * pread/pwrite, which run with the device runtime-resumed (a low-power entry does not
   * gate them: the syscall wakes the device for its duration).
   */
  memoryEnabled(): boolean {
    return (this.vconf?.memoryEnabled ?? false) && this.powerState < 3;
  }

  /**
   * What a BAR mmap fault (vfio_pci_mmap_huge_fault) and an ioeventfd write see: also false
   * while low power is engaged (pm_runtime_engaged; the device is treated as suspended).
   */
  mappedAccessOk(): boolean {
    return this.lowPower === null && this.memoryEnabled();
  }

  /** vfio_pci_core_enable + finish_enable: first open. */
  enable(): void {
    const m = this.model;
    this.setPowerState(0); // pm_runtime_resume_and_get: the device is in D0 from here on
    const cmd = m.configRead(CFG.COMMAND, 2);
    m.configWrite(CFG.COMMAND, 2, cmd & ~CMD.MASTER);
    this.resetWorks = this.fn.resetMethods.length > 0;
    if (this.resetWorks) this.functionReset();
    const hasMem = this.fn.bars.some((b) => !b.io && b.size > 0n);
    const hasIo = this.fn.bars.some((b) => b.io && b.size > 0n);
    // pci_enable_device sets the decode bits; vfio_pci_core_enable then clears DisINTx on a
    // PCI 2.3 device (the last close left it set) before vfio_config_init copies COMMAND, so
    // every open starts with INTx virtually enabled.
    const c = m.configRead(CFG.COMMAND, 2) & ~CMD.INTX_DISABLE;
    m.configWrite(CFG.COMMAND, 2, c | (hasMem ? CMD.MEMORY : 0) | (hasIo ? CMD.IO : 0));
    this.vconf = new VConfig(m, {
      intxVirqDisable: (d) => this.virqDisable(d),
      flr: () => this.functionReset(),
      powerState: (s) => this.setPowerState(s),
      msiActive: () => ({ active: this.irqType === 'msi', qmax: this.msiQmax }),
    });
    this.irqType = 'none';
    this.powerState = 0;
    migrationReset(this);
    this.k.machine.interrupts.requestLine(m.fn.bdf, (asserted) => {
      if (asserted) this.intxHandler();
    });
    this.trace(`enabled (reset ${this.resetWorks ? 'works' : 'unavailable'})`);
  }

  /** vfio_pci_core_disable: last close. */
  disable(): void {
    this.lowPower = null; // vfio_pci_runtime_pm_exit
    this.precopyInfoV2 = false; // vfio_pci_core_close_device
    this.setPowerState(0); // vfio_pci_set_power_state(D0) before the reset below
    this.disableIrqs();
    for (const io of this.ioeventfds.splice(0)) io.off?.();
    this.errTrigger = null;
    this.reqTrigger = null;
    migrationReset(this);
    this.model.dmaLog?.stop();
    this.model.configWrite(CFG.COMMAND, 2, CMD.INTX_DISABLE);
    if (this.resetWorks) this.functionReset();
    else this.needsReset = true;
    this.model.configWrite(CFG.COMMAND, 2, CMD.INTX_DISABLE);
    this.k.machine.interrupts.freeLine(this.model.fn.bdf);
    this.vconf = null;
    this.trace('disabled');
  }

  /**
   * pci_try_reset_function: the PCI core saves and restores config around it; a migration
   * driver's reset_done puts the FSM back in RUNNING and ends any data session.
   */
  functionReset(): void {
    const saved = this.model.saveState();
    this.model.reset();
    this.model.restoreState(saved);
    migrationReset(this);
  }

  /** Interrupt teardown at last close (vfio_pci_set_irqs_ioctl with type none). */
  disableIrqs(): void {
    disableIrqs(this);
  }

  virqDisable(disabled: boolean): void {
    virqDisable(this, disabled);
  }

  intxHandler(): void {
    intxHandler(this);
  }

  /**
   * vfio_pci_set_power_state: the user's PM_CTRL write (through vconfig), and D0 before every
   * reset (ioctl, hot reset, last close), so a reset never restores a D3hot config.
   */
  setPowerState(state: number): void {
    this.powerState = state;
    const pm = this.model.config.caps.pm;
    if (pm !== null) {
      const cur = this.model.configRead(pm + 4, 2);
      this.model.configWrite(pm + 4, 2, (cur & ~3) | state);
    }
  }

  freeMsiBlock(): void {
    if (this.msiBlock !== null) this.k.irqs.free(this.msiBlock);
    this.msiBlock = null;
  }
}

/** The core device behind a VfioDevice registered by vfio-pci (made at probe, before its nodes can be opened). */
export function coreOf(vdev: VfioDevice): VfioPciCoreDevice {
  if (vdev.core === null) throw new Error(`vfio-pci: ${vdev.name} has no core device`);
  return vdev.core;
}
