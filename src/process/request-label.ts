/**
 * The name of an ioctl request for traces and error messages. Container, group and device
 * requests share numbers, so the kind of file decides which name applies.
 */
import { formatRequest, type FdKind } from '../uapi/names.js';

const FD_KINDS = {
  'vfio-container': 'container',
  'vfio-group': 'group',
  'vfio-device': 'device',
  'vfio-migration': 'migration',
  iommufd: 'iommufd',
} as const;

/** The ioctl tables' fd kind of an open file's kind ('vfio-container' → 'container'). */
export function fdKindOf(kind?: string): FdKind | undefined {
  return kind !== undefined && kind in FD_KINDS ? FD_KINDS[kind as keyof typeof FD_KINDS] : undefined;
}

export function requestLabel(request: number, kind?: string): string {
  return formatRequest(request, fdKindOf(kind));
}
