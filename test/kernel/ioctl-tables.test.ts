/**
 * Every row of every ioctl dispatch table against the uapi, as the kernel's selftests check
 * struct sizes: the struct exists, the row's minsz is offsetofend of its last field, and the
 * request number is the header's _IO(VFIO_TYPE, VFIO_BASE + n) / _IO(IOMMUFD_TYPE,
 * IOMMUFD_CMD_*). The n of each VFIO request is written out here from linux/vfio.h, apart
 * from src/uapi, so a wrong constant there cannot pass by agreeing with itself.
 */
import { describe, expect, it } from 'vitest';
import { COMPAT_IOCTLS } from '../../src/kernel/iommufd/compat.js';
import { CDEV_IOCTLS } from '../../src/kernel/iommufd/device-bind.js';
import { IOMMUFD_IOCTL_OPS } from '../../src/kernel/iommufd/main.js';
import type { IoctlOp } from '../../src/kernel/ioctl-table.js';
import { MIG_IOCTLS } from '../../src/kernel/vfio-pci/migration.js';
import { VFIO_PCI_IOCTLS } from '../../src/kernel/vfio-pci/vfio-pci-ops.js';
import { CONTAINER_IOCTLS } from '../../src/kernel/vfio/container.js';
import { GROUP_IOCTLS } from '../../src/kernel/vfio/group-fd.js';
import { TYPE1_IOCTLS } from '../../src/kernel/vfio/type1/index.js';
import { _IO } from '../../src/uapi/ioctl.js';
import * as I from '../../src/uapi/iommufd.js';
import { IOMMUFD_IOCTLS, vfioIoctl, type FdKind } from '../../src/uapi/ioctls.js';
import { offsetofend, structLayout } from '../../src/uapi/structs.js';

/** linux/vfio.h: request name → n in _IO(VFIO_TYPE, VFIO_BASE + n). */
const VFIO_N: Readonly<Record<string, number>> = {
  VFIO_GET_API_VERSION: 0, VFIO_CHECK_EXTENSION: 1, VFIO_SET_IOMMU: 2,
  VFIO_GROUP_GET_STATUS: 3, VFIO_GROUP_SET_CONTAINER: 4, VFIO_GROUP_UNSET_CONTAINER: 5, VFIO_GROUP_GET_DEVICE_FD: 6,
  VFIO_DEVICE_GET_INFO: 7, VFIO_DEVICE_GET_REGION_INFO: 8, VFIO_DEVICE_GET_IRQ_INFO: 9, VFIO_DEVICE_SET_IRQS: 10,
  VFIO_DEVICE_RESET: 11, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO: 12, VFIO_DEVICE_PCI_HOT_RESET: 13,
  VFIO_DEVICE_IOEVENTFD: 16, VFIO_DEVICE_FEATURE: 17, VFIO_DEVICE_BIND_IOMMUFD: 18, VFIO_DEVICE_ATTACH_IOMMUFD_PT: 19, VFIO_DEVICE_DETACH_IOMMUFD_PT: 20,
  VFIO_MIG_GET_PRECOPY_INFO: 21,
  VFIO_IOMMU_GET_INFO: 12, VFIO_IOMMU_MAP_DMA: 13, VFIO_IOMMU_UNMAP_DMA: 14, VFIO_IOMMU_DIRTY_PAGES: 17,
};
const VFIO_TYPE = 0x3b; // ';'
const VFIO_BASE = 100;

const TABLES: ReadonlyArray<readonly [string, Exclude<FdKind, 'iommufd'>, readonly IoctlOp<never>[]]> = [
  ['container (vfio_fops)', 'container', CONTAINER_IOCTLS as readonly IoctlOp<never>[]],
  ['type1 (vfio_iommu_type1_ioctl)', 'container', TYPE1_IOCTLS as readonly IoctlOp<never>[]],
  ['iommufd compat (iommufd_vfio_ioctl)', 'container', COMPAT_IOCTLS as readonly IoctlOp<never>[]],
  ['group (vfio_group_fops)', 'group', GROUP_IOCTLS as readonly IoctlOp<never>[]],
  ['device (vfio_pci_core_ioctl)', 'device', VFIO_PCI_IOCTLS as readonly IoctlOp<never>[]],
  ['device, cdev layer (device_cdev.c)', 'device', CDEV_IOCTLS as readonly IoctlOp<never>[]],
  ['migration data fd', 'migration', MIG_IOCTLS as readonly IoctlOp<never>[]],
];

describe('VFIO dispatch tables against the uapi', () => {
  for (const [label, fd, table] of TABLES) {
    describe(label, () => {
      it('has one row per request', () => {
        const reqs = table.map((op) => op.request);
        expect(new Set(reqs).size).toBe(reqs.length);
        expect(table.length).toBeGreaterThan(0);
      });
      for (const op of table) {
        const u = vfioIoctl(fd, op.request);
        const name = u?.name ?? `0x${op.request.toString(16)}`;
        it(`${name}: request, struct and minsz`, () => {
          expect(u, `${name} is not a ${fd} request in uapi/ioctls.ts`).toBeDefined();
          expect(VFIO_N[name], `${name}: n not listed`).toBeDefined();
          expect(op.request).toBe(_IO(VFIO_TYPE, VFIO_BASE + VFIO_N[name]!));
          expect(op.struct).toBe(u!.struct);
          if (op.struct === null) {
            expect(u!.arg).not.toBe('struct');
            expect(op.minsz).toBe(0);
            return;
          }
          expect(structLayout(op.struct), `struct ${op.struct}`).toBeDefined();
          expect(op.last).toBe(u!.minszField);
          expect(op.minsz).toBe(offsetofend(op.struct, op.last!));
          expect(op.minsz).toBe(u!.minsz);
          expect(structLayout(op.struct)!.fields[0]?.name).toBe('argsz');
        });
      }
    });
  }
});

describe('iommufd_ioctl_ops[] against the uapi', () => {
  it('is indexed by command number from IOMMUFD_CMD_BASE, as the kernel indexes it', () => {
    IOMMUFD_IOCTL_OPS.forEach((op, i) => {
      expect(op.request).toBe(_IO(I.IOMMUFD_TYPE, I.IOMMUFD_CMD_BASE + i));
    });
    expect(IOMMUFD_IOCTL_OPS.length).toBe(I.IOMMUFD_CMD_IOAS_NOIOMMU_GET_PA - I.IOMMUFD_CMD_BASE + 1);
  });

  for (const op of IOMMUFD_IOCTL_OPS) {
    const u = IOMMUFD_IOCTLS.find((x) => x.request === op.request);
    it(`${u?.name ?? op.request}: struct, last field, min size`, () => {
      expect(u).toBeDefined();
      const cmd = (I as Record<string, unknown>)[`IOMMUFD_CMD_${u!.name.replace(/^IOMMU_/, '')}`];
      expect(op.request).toBe(_IO(I.IOMMUFD_TYPE, cmd as number));
      expect(structLayout(op.struct)).toBeDefined();
      expect(op.struct).toBe(u!.struct);
      expect(op.last).toBe(u!.lastField);
      expect(op.minsz).toBe(offsetofend(op.struct, op.last));
      expect(structLayout(op.struct)!.fields[0]?.name).toBe('size');
    });
  }
});
