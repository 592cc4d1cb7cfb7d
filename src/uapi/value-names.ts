/**
 * Which named constants a value is made of, so a trace can print `flags=VFIO_DMA_MAP_FLAG_READ|
 * VFIO_DMA_MAP_FLAG_WRITE` as strace does: for struct fields ("vfio_irq_set.flags"), syscall
 * arguments ("mmap.prot") and by-value ioctl arguments ("VFIO_SET_IOMMU"). The names and
 * numbers are the ones this folder already exports, picked by name (never retyped).
 *
 * A value reads as: the name of the part under `mask` (or of the whole value when there are no
 * bits), then the name of each set bit, then whatever is left in hex, joined with `|`.
 */
import * as I from './iommufd.js';
import * as P from './posix.js';
import * as V from './vfio.js';

export interface ValueNames {
  /** Whole values with a name (or, with `mask`, values of the bits under it). */
  readonly values?: ReadonlyArray<readonly [string, number]>;
  /** The bits `values` names; the rest are flags. Without it, `values` names the whole value. */
  readonly mask?: number;
  /** Single bits with a name, OR-ed together. */
  readonly bits?: ReadonlyArray<readonly [string, number]>;
}

type Table = Readonly<Record<string, number | bigint | unknown>>;

/** The named exports of `ns` with a name starting with `prefix` that are one bit each. */
function bitsOf(ns: Table, prefix: string): Array<readonly [string, number]> {
  return Object.entries(ns)
    .filter((e): e is [string, number] => e[0].startsWith(prefix) && typeof e[1] === 'number' && e[1] > 0 && (e[1] & (e[1] - 1)) === 0)
    .sort((a, b) => a[1] - b[1]);
}

/** These exports of `ns`, by name, with their values. */
function named(ns: Table, names: readonly string[]): Array<readonly [string, number]> {
  return names.map((n) => {
    const v = ns[n];
    if (typeof v !== 'number') throw new Error(`uapi: no numeric constant ${n}`);
    return [n, v] as const;
  });
}

const flags = (ns: Table, prefix: string): ValueNames => ({ bits: bitsOf(ns, prefix) });
const values = (ns: Table, names: readonly string[]): ValueNames => ({ values: named(ns, names) });

const IOMMU_TYPES = ['VFIO_TYPE1_IOMMU', 'VFIO_SPAPR_TCE_IOMMU', 'VFIO_TYPE1v2_IOMMU', 'VFIO_DMA_CC_IOMMU', 'VFIO_EEH', 'VFIO_TYPE1_NESTING_IOMMU', 'VFIO_SPAPR_TCE_v2_IOMMU', 'VFIO_NOIOMMU_IOMMU', 'VFIO_UNMAP_ALL', 'VFIO_UPDATE_VADDR'];
const PCI_IRQ_INDEX = ['VFIO_PCI_INTX_IRQ_INDEX', 'VFIO_PCI_MSI_IRQ_INDEX', 'VFIO_PCI_MSIX_IRQ_INDEX', 'VFIO_PCI_ERR_IRQ_INDEX', 'VFIO_PCI_REQ_IRQ_INDEX'];
const FEATURE_IDS = Object.keys(V).filter((n) => n.startsWith('VFIO_DEVICE_FEATURE_') && !['VFIO_DEVICE_FEATURE_MASK', 'VFIO_DEVICE_FEATURE_GET', 'VFIO_DEVICE_FEATURE_SET', 'VFIO_DEVICE_FEATURE_PROBE', 'VFIO_DEVICE_FEATURE_CLEAR_MASTER', 'VFIO_DEVICE_FEATURE_SET_MASTER'].includes(n));
const IOAS_MAP = flags(I, 'IOMMU_IOAS_MAP_');
const HW_INFO_TYPES = ['IOMMU_HW_INFO_TYPE_INTEL_VTD', 'IOMMU_HW_INFO_TYPE_ARM_SMMUV3', 'IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV', 'IOMMU_HW_INFO_TYPE_AMD'];

/** By key: "struct.field", "syscall.argument", or an ioctl name for its by-value argument. */
const VALUE_NAMES: Readonly<Record<string, ValueNames>> = {
  // vfio.h
  VFIO_SET_IOMMU: values(V, IOMMU_TYPES),
  VFIO_CHECK_EXTENSION: values(V, IOMMU_TYPES),
  'vfio_group_status.flags': flags(V, 'VFIO_GROUP_FLAGS_'),
  'vfio_device_info.flags': flags(V, 'VFIO_DEVICE_FLAGS_'),
  'vfio_region_info.flags': flags(V, 'VFIO_REGION_INFO_FLAG_'),
  'vfio_irq_info.flags': flags(V, 'VFIO_IRQ_INFO_'),
  'vfio_irq_info.index': values(V, PCI_IRQ_INDEX),
  'vfio_irq_set.flags': flags(V, 'VFIO_IRQ_SET_'),
  'vfio_irq_set.index': values(V, PCI_IRQ_INDEX),
  'vfio_pci_hot_reset_info.flags': flags(V, 'VFIO_PCI_HOT_RESET_FLAG_'),
  'vfio_device_ioeventfd.flags': flags(V, 'VFIO_DEVICE_IOEVENTFD_'),
  'vfio_device_gfx_plane_info.flags': flags(V, 'VFIO_GFX_PLANE_TYPE_'),
  'vfio_iommu_spapr_tce_info.flags': flags(V, 'VFIO_IOMMU_SPAPR_INFO_'),
  'vfio_eeh_pe_op.op': values(V, ['VFIO_EEH_PE_DISABLE', 'VFIO_EEH_PE_ENABLE', 'VFIO_EEH_PE_UNFREEZE_IO', 'VFIO_EEH_PE_UNFREEZE_DMA', 'VFIO_EEH_PE_GET_STATE', 'VFIO_EEH_PE_RESET_DEACTIVATE', 'VFIO_EEH_PE_RESET_HOT', 'VFIO_EEH_PE_RESET_FUNDAMENTAL', 'VFIO_EEH_PE_CONFIGURE', 'VFIO_EEH_PE_INJECT_ERR']),
  'vfio_device_feature.flags': { values: named(V, FEATURE_IDS), mask: V.VFIO_DEVICE_FEATURE_MASK, bits: named(V, ['VFIO_DEVICE_FEATURE_GET', 'VFIO_DEVICE_FEATURE_SET', 'VFIO_DEVICE_FEATURE_PROBE']) },
  'vfio_device_feature_migration.flags': flags(V, 'VFIO_MIGRATION_'),
  'vfio_device_bind_iommufd.flags': flags(V, 'VFIO_DEVICE_BIND_FLAG_'),
  'vfio_device_attach_iommufd_pt.flags': flags(V, 'VFIO_DEVICE_ATTACH_'),
  'vfio_device_detach_iommufd_pt.flags': flags(V, 'VFIO_DEVICE_DETACH_'),
  'vfio_precopy_info.flags': flags(V, 'VFIO_PRECOPY_INFO_'),
  'vfio_iommu_type1_info.flags': flags(V, 'VFIO_IOMMU_INFO_'),
  'vfio_iommu_type1_dma_map.flags': flags(V, 'VFIO_DMA_MAP_FLAG_'),
  'vfio_iommu_type1_dma_unmap.flags': flags(V, 'VFIO_DMA_UNMAP_FLAG_'),
  'vfio_iommu_type1_dirty_bitmap.flags': flags(V, 'VFIO_IOMMU_DIRTY_PAGES_FLAG_'),
  // iommufd.h
  'iommu_ioas_map.flags': IOAS_MAP,
  'iommu_ioas_map_file.flags': IOAS_MAP,
  'iommu_ioas_copy.flags': IOAS_MAP,
  'iommu_option.option_id': values(I, ['IOMMU_OPTION_RLIMIT_MODE', 'IOMMU_OPTION_HUGE_PAGES']),
  'iommu_option.op': values(I, ['IOMMU_OPTION_OP_SET', 'IOMMU_OPTION_OP_GET']),
  'iommu_vfio_ioas.op': values(I, ['IOMMU_VFIO_IOAS_GET', 'IOMMU_VFIO_IOAS_SET', 'IOMMU_VFIO_IOAS_CLEAR']),
  'iommu_hwpt_alloc.flags': { bits: named(I, ['IOMMU_HWPT_ALLOC_NEST_PARENT', 'IOMMU_HWPT_ALLOC_DIRTY_TRACKING', 'IOMMU_HWPT_FAULT_ID_VALID', 'IOMMU_HWPT_ALLOC_PASID']) },
  'iommu_hwpt_alloc.data_type': values(I, ['IOMMU_HWPT_DATA_NONE', 'IOMMU_HWPT_DATA_VTD_S1', 'IOMMU_HWPT_DATA_ARM_SMMUV3', 'IOMMU_HWPT_DATA_AMD_GUEST']),
  'iommu_hw_info.flags': flags(I, 'IOMMU_HW_INFO_FLAG_'),
  'iommu_hw_info.in_data_type': values(I, ['IOMMU_HW_INFO_TYPE_DEFAULT', ...HW_INFO_TYPES]),
  'iommu_hw_info.out_data_type': values(I, ['IOMMU_HW_INFO_TYPE_NONE', ...HW_INFO_TYPES]),
  'iommu_hwpt_invalidate.data_type': values(I, ['IOMMU_HWPT_INVALIDATE_DATA_VTD_S1', 'IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3']),
  'iommu_hw_info.out_capabilities': flags(I, 'IOMMU_HW_CAP_'),
  'iommu_hwpt_set_dirty_tracking.flags': flags(I, 'IOMMU_HWPT_DIRTY_TRACKING_'),
  'iommu_hwpt_get_dirty_bitmap.flags': flags(I, 'IOMMU_HWPT_GET_DIRTY_BITMAP_'),
  // syscalls
  'open.flags': { values: named(P, ['O_RDONLY', 'O_WRONLY', 'O_RDWR']), mask: P.O_ACCMODE, bits: bitsOf(P, 'O_').filter(([n]) => !['O_WRONLY', 'O_RDWR', 'O_ACCMODE'].includes(n)) },
  'mmap.prot': { values: named(P, ['PROT_NONE']), bits: bitsOf(P, 'PROT_') },
  'mmap.flags': { values: named(P, ['MAP_SHARED', 'MAP_PRIVATE', 'MAP_SHARED_VALIDATE']), mask: P.MAP_TYPE, bits: bitsOf(P, 'MAP_').filter(([n]) => !['MAP_SHARED', 'MAP_PRIVATE'].includes(n)) },
  'eventfd.flags': flags(P, 'EFD_'),
  'memfd_create.flags': flags(P, 'MFD_'),
  'fcntl.cmd': values(P, ['F_DUPFD', 'F_GETFD', 'F_SETFD', 'F_GETFL', 'F_SETFL', 'F_DUPFD_CLOEXEC']),
  'lseek.whence': values(P, ['SEEK_SET', 'SEEK_CUR', 'SEEK_END', 'SEEK_DATA', 'SEEK_HOLE']),
};

/** The names of `key`'s values, or undefined when its values have none. */
export function valueNames(key: string): ValueNames | undefined {
  return Object.hasOwn(VALUE_NAMES, key) ? VALUE_NAMES[key] : undefined;
}

/** The name of the part of `v` under `mask`, or of the whole value when nothing else names it. */
function wholeName(n: ValueNames, v: bigint): { name: string; part: bigint } | undefined {
  if (n.values === undefined || (n.mask === undefined && n.bits !== undefined)) return undefined;
  const part = n.mask === undefined ? v : v & BigInt(n.mask);
  const hit = n.values.find(([, x]) => BigInt(x) === part);
  return hit === undefined ? undefined : { name: hit[0], part };
}

/**
 * `v` by name (`VFIO_DMA_MAP_FLAG_READ|VFIO_DMA_MAP_FLAG_WRITE`, `O_RDWR|O_CLOEXEC`, bits no
 * name covers left in hex: `VFIO_DMA_MAP_FLAG_READ|0x80`), or undefined when `key` has no names.
 */
export function nameValue(key: string, v: number | bigint): string | undefined {
  const n = valueNames(key);
  if (n === undefined) return undefined;
  let rest = BigInt.asUintN(64, BigInt(v));
  const parts: string[] = [];
  const whole = wholeName(n, rest);
  if (whole !== undefined) {
    parts.push(whole.name);
    rest -= whole.part;
  }
  for (const [name, bit] of n.bits ?? []) {
    if ((rest & BigInt(bit)) === 0n) continue;
    parts.push(name);
    rest &= ~BigInt(bit);
  }
  if (rest !== 0n) parts.push(`0x${rest.toString(16)}`);
  if (parts.length > 0) return parts.join('|');
  return n.values?.find(([, x]) => x === 0)?.[0] ?? '0';
}
