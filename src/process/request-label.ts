/**
 * The uapi fd kind of an open file. Container, group and device requests share numbers, so
 * the kind of file decides which request (name, argument struct) a number means.
 */
import type { FdKind } from '../uapi/ioctls.js';

const FD_KINDS = {
  'vfio-container': 'container',
  'vfio-group': 'group',
  'vfio-device': 'device',
  'vfio-migration': 'migration',
  iommufd: 'iommufd',
} as const;

/** The uapi fd kind of a file kind ('vfio-device' → 'device'), or undefined for a file no ioctl table covers. */
export function fdKindOf(kind?: string): FdKind | undefined {
  return kind !== undefined && Object.hasOwn(FD_KINDS, kind) ? FD_KINDS[kind as keyof typeof FD_KINDS] : undefined;
}
