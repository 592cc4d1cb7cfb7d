/**
 * Installs the legacy VFIO path: /dev/vfio/vfio (the container, 0666, each open a new
 * container), the opener of group nodes /dev/vfio/<group>, and the IOMMU backends in the
 * order the kernel's driver list holds them (type1 registers last and sits first).
 */
import { charDevice } from '../fs/node.js';
import type { Kernel } from '../kernel.js';
import type { IommuBackend } from './container.js';
import { openContainer } from './container.js';
import { groupRemoved, openGroup } from './group.js';
import { noiommuBackend } from './noiommu.js';
import { type1Backend } from './type1/index.js';

export function installLegacyVfio(k: Kernel): void {
  const backends: readonly IommuBackend[] = [type1Backend, noiommuBackend];
  let nextId = 0;
  k.devfs.create('vfio/vfio', charDevice(0o666, (_ctx, flags, path) => ({ ok: true, value: openContainer(k, backends, nextId++, flags, path) })));
  k.vfio.openers.openGroup = (ctx, group, flags, path) => openGroup(k, ctx, group, flags, path);
  k.vfio.openers.removeGroup = groupRemoved;
}
