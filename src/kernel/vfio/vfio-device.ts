/**
 * A device registered with VFIO (struct vfio_device): what a bus driver such as vfio-pci
 * hands to the VFIO core. The core gives it a cdev index and a VFIO group; the bus driver
 * supplies the operations behind the device fd (struct vfio_device_ops).
 *
 * Invariant: `openCount` counts open device fds (group path or bound cdev); unregistering
 * waits for it to reach zero.
 */
import type { Result } from '../../base/result.js';
import type { DeviceMapping, MmapRequest, OpenFile, SyscallContext } from '../fs/file.js';
import type { CdevBinding } from '../iommufd/device-bind.js';
import type { PciDev } from '../pci/pci-dev.js';
import type { VfioPciCoreDevice } from '../vfio-pci/vfio-pci-core.js';
import type { VfioGroup } from './group.js';

type DevFile = OpenFile<VfioDeviceFile>;

/**
 * What a VFIO bus driver provides for its devices (struct vfio_device_ops): open/close of
 * the device, and what the generic device-fd dispatch (device-fd.ts) calls after its own steps.
 */
export interface VfioDeviceOps {
  readonly name: string;
  /** First open of the device (open_device): reset state, enable the function. */
  openDevice?(dev: VfioDevice): void;
  /** Last close (close_device): disable interrupts, drop mappings, reset. */
  closeDevice?(dev: VfioDevice): void;
  /** The host wants the device back (an unbind is waiting): signal the REQ interrupt. */
  request?(dev: VfioDevice, count: number): void;
  /** Runtime-PM wake-up before an ioctl (vfio-pci: ends a low-power entry with wakeup); rw wakes itself. */
  wake?(f: DevFile): void;
  /**
   * match_token_uuid / the token half of match: check a VF token (null: none given) as the
   * driver requires. Absent: the device takes no token (EINVAL when one is given).
   */
  matchTokenUuid?(dev: VfioDevice, uuid: Uint8Array | null): Result<void>;
  feature(f: DevFile, arg: unknown, ctx: SyscallContext): Result<number>;
  regionInfo(f: DevFile, arg: unknown, ctx: SyscallContext): Result<number>;
  ioctl(f: DevFile, request: number, arg: unknown, ctx: SyscallContext): Result<number>;
  rw(f: DevFile, data: Uint8Array, off: bigint, write: boolean): Result<number>;
  mmap(f: DevFile, req: MmapRequest): Result<DeviceMapping>;
}

/** The private data of one open device fd (struct vfio_device_file). */
export interface VfioDeviceFile {
  readonly device: VfioDevice;
  /** How it was opened: through a group fd, or the cdev. */
  readonly via: 'group' | 'cdev';
  /** cdev path: the iommufd this fd is bound to (VFIO_DEVICE_BIND_IOMMUFD), null until then. */
  iommufd: CdevBinding | null;
}

export class VfioDevice {
  openCount = 0;
  /** The vfio-pci core device behind it (vfio-pci is the only bus driver), set at probe. */
  core: VfioPciCoreDevice | null = null;
  /** Set while an unbind waits for the last fd to close (vfio_device's `comp`); called then. */
  private releaseWaiter: (() => void) | null = null;

  constructor(
    readonly pdev: PciDev,
    /** cdev index: /dev/vfio/devices/vfio<index> (noiommu-vfio<index>). */
    readonly index: number,
    readonly group: VfioGroup,
    readonly ops: VfioDeviceOps,
  ) {}

  get name(): string {
    return this.pdev.bdf;
  }

  /**
   * vfio_device_is_noiommu(): no IOMMU driver manages the function, and it was registered
   * while vfio.enable_unsafe_noiommu_mode was on (vfio_device_set_noiommu_and_name), so
   * its group is a no-IOMMU group.
   */
  get noiommu(): boolean {
    return this.group.type === 'noiommu';
  }

  /** The cdev's name (dev_set_name "%svfio%d"): /dev/vfio/devices/<cdevName>, "noiommu-vfio<index>" for a no-IOMMU device. */
  get cdevName(): string {
    return `${this.noiommu ? 'noiommu-' : ''}vfio${this.index}`;
  }

  /** Is an unbind waiting for this device's fds to close (the device is going away)? */
  get unregistering(): boolean {
    return this.releaseWaiter !== null;
  }

  /** vfio_unregister_group_dev() with fds still open: `finish` runs when the last one closes. */
  awaitRelease(finish: () => void): void {
    this.releaseWaiter = finish;
  }

  /** The waiting unbind's completion, handed over once (the caller runs it after its own teardown). */
  takeReleaseWaiter(): (() => void) | null {
    const w = this.releaseWaiter;
    this.releaseWaiter = null;
    return w;
  }

  /** A device fd was opened (vfio_df_open): the first open calls the driver's open_device. */
  fdOpened(): void {
    if (this.openCount++ === 0) this.ops.openDevice?.(this);
  }

  /** A device fd was released (vfio_df_close): the last close calls close_device and lets a waiting unbind finish. */
  fdClosed(): void {
    if (this.openCount === 0) return;
    if (--this.openCount > 0) return;
    this.ops.closeDevice?.(this);
    this.takeReleaseWaiter()?.();
  }
}
