/**
 * Writes to /sys/kernel/iommu_groups/N/type (Linux iommu_group_store_type(),
 * drivers/iommu/iommu.c; ABI doc sysfs-kernel-iommu_groups). Checks run in the kernel's
 * order: CAP_SYS_ADMIN and CAP_SYS_RAWIO (EACCES), a default domain to change (EINVAL),
 * the text — "identity", "DMA", "DMA-FQ" or "auto", one trailing newline allowed as
 * sysfs_streq() allows it (EINVAL otherwise) — then the group's own rules
 * (IommuGroup.changeDefaultType). A failed write changes nothing.
 */
import { fail, type Result } from '../../base/result.js';
import type { SyscallContext } from '../fs/file.js';
import type { DefaultDomainType, IommuGroup } from './iommu-group.js';

const TYPE_WORDS: Readonly<Record<string, DefaultDomainType | 'auto'>> = {
  identity: 'identity',
  DMA: 'DMA',
  'DMA-FQ': 'DMA-FQ',
  auto: 'auto',
};

/** sysfs_streq(): equal, ignoring one trailing newline. */
function parseType(text: string): DefaultDomainType | 'auto' | undefined {
  const word = text.endsWith('\n') ? text.slice(0, -1) : text;
  return Object.hasOwn(TYPE_WORDS, word) ? TYPE_WORDS[word] : undefined;
}

export function storeGroupType(group: IommuGroup | undefined, text: string, ctx: SyscallContext): Result<void> {
  if (!ctx.task.capable('CAP_SYS_ADMIN') || !ctx.task.capable('CAP_SYS_RAWIO')) {
    return fail('EACCES', 'iommu_group_store_type: needs CAP_SYS_ADMIN and CAP_SYS_RAWIO');
  }
  if (group === undefined || group.defaultDomain === null) {
    return fail('EINVAL', 'iommu_group_store_type: group has no default domain');
  }
  const req = parseType(text);
  if (req === undefined) return fail('EINVAL', `iommu_group_store_type: unknown type ${JSON.stringify(text)}`);
  return group.changeDefaultType(req);
}
