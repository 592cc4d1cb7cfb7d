/**
 * The VFIO group (struct vfio_group): VFIO's view of one IOMMU group, reachable as
 * /dev/vfio/<id> (or /dev/vfio/noiommu-<id>), holding the VFIO devices registered in it.
 *
 * Invariants: a group exists while at least one of its devices is registered; its node
 * disappears with the last device, though an already-open group fd lives on (and fails
 * its ioctls); the group fd can be open only once at a time.
 */
import type { IommuGroup } from '../iommu/iommu-group.js';
import type { VfioContainer } from './container.js';
import type { GroupFileState, GroupIommufd } from './group-fd.js';
import type { VfioDevice } from './vfio-device.js';

export type VfioGroupType = 'iommu' | 'noiommu';

export class VfioGroup {
  readonly devices: VfioDevice[] = [];
  /** The open group fd's state (group->opened_file), or null when not open (only one open at a time). */
  opened: GroupFileState | null = null;
  /** The legacy container the group is attached to (group->container). */
  container: VfioContainer | null = null;
  /** The iommufd given to VFIO_GROUP_SET_CONTAINER instead of a container (group->iommufd). */
  iommufd: GroupIommufd | null = null;
  /** Devices of the group bound through their cdev (group->cdev_device_open_cnt); the group node refuses to open while > 0. */
  cdevUsers = 0;
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
  /** Attached to a container or an iommufd (VFIO_GROUP_FLAGS_CONTAINER_SET). */
  get attached(): boolean {
    return this.container !== null || this.iommufd !== null;
  }

  get nodeName(): string {
    return this.type === 'noiommu' ? `vfio/noiommu-${this.id}` : `vfio/${this.id}`;
  }

  findDevice(name: string): VfioDevice | undefined {
    return this.devices.find((d) => d.name === name);
  }
}
