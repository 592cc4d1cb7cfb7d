/**
 * The VFIO group (struct vfio_group): VFIO's view of one IOMMU group, reachable as
 * /dev/vfio/<id> (or /dev/vfio/noiommu-<id>), holding the VFIO devices registered in it.
 *
 * Invariants: a group exists while at least one of its devices is registered; its node
 * disappears with the last device, though an already-open group fd lives on (and fails
 * its ioctls); the group fd can be open only once at a time.
 */
import type { IommuGroup } from '../iommu/iommu-group.js';
import type { VfioDevice } from './vfio-device.js';

export type VfioGroupType = 'iommu' | 'noiommu';

export class VfioGroup {
  readonly devices: VfioDevice[] = [];
  /** The open group fd's state, or null when not open (only one open at a time). */
  opened: object | null = null;
  /** The container (legacy) or iommufd the group is attached to; set by those layers. */
  container: object | null = null;
  /** Set once the last device unregistered; remaining fds see a dead group. */
  dead = false;

  constructor(
    readonly iommuGroup: IommuGroup,
    readonly type: VfioGroupType,
  ) {}

  get id(): number {
    return this.iommuGroup.id;
  }

  /** The node under /dev: "vfio/3" or "vfio/noiommu-3". */
  get nodeName(): string {
    return this.type === 'noiommu' ? `vfio/noiommu-${this.id}` : `vfio/${this.id}`;
  }

  findDevice(name: string): VfioDevice | undefined {
    return this.devices.find((d) => d.name === name);
  }
}
