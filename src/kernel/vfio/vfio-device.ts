/**
 * A device registered with VFIO (struct vfio_device): what a bus driver such as vfio-pci
 * hands to the VFIO core. The core gives it a cdev index and a VFIO group; the bus driver
 * supplies the device-fd operations.
 *
 * Invariant: `openCount` counts open device fds (group path or cdev); unregistering waits
 * for it to reach zero.
 */
import type { FileOperations } from '../fs/file.js';
import type { PciDev } from '../pci/pci-dev.js';
import type { VfioGroup } from './vfio-group.js';

/** What a VFIO bus driver provides for its devices (struct vfio_device_ops). */
export interface VfioDeviceOps {
  readonly name: string;
  /** File operations of the device fd. */
  readonly fops: FileOperations<VfioDeviceFile>;
  /** First open of the device (open_device): reset state, enable the function. */
  openDevice?(dev: VfioDevice): void;
  /** Last close (close_device): disable interrupts, drop mappings, reset. */
  closeDevice?(dev: VfioDevice): void;
  /** The host wants the device back (an unbind is waiting): signal the REQ interrupt. */
  request?(dev: VfioDevice, count: number): void;
}

/** The private data of one open device fd. */
export interface VfioDeviceFile {
  readonly device: VfioDevice;
  /** How it was opened: through a group fd, or the cdev. */
  readonly via: 'group' | 'cdev';
  /** cdev path: bound to an iommufd yet? (set by the iommufd layer). */
  bound: boolean;
  /** Driver-specific state of this fd, owned by the path that opened it. */
  extra: Record<string, unknown>;
}

export class VfioDevice {
  openCount = 0;
  /** Driver-private state (the vfio-pci core device). */
  priv: unknown = null;
  /** Set while an unbind waits for the last fd to close; called then. */
  releaseWaiter: (() => void) | null = null;

  constructor(
    readonly pdev: PciDev,
    /** cdev index: /dev/vfio/devices/vfio<index>. */
    readonly index: number,
    readonly group: VfioGroup,
    readonly ops: VfioDeviceOps,
  ) {}

  get name(): string {
    return this.pdev.bdf;
  }
}
