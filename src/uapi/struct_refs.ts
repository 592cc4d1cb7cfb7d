/**
 * What the fields of a uAPI struct refer to outside the struct, for code that carries an ioctl
 * argument across a process boundary (`vfio-sim exec`): which fields hold file descriptors the
 * kernel looks up or installs, which pointers lead to user memory the kernel pins, reads or
 * writes, which count + pointer pairs are arrays, what a flexible array member holds, and
 * which struct each capability id of an INFO chain is. The layouts themselves are in
 * structs_vfio.ts / structs_iommufd.ts; this table only adds meaning, never offsets.
 */
import * as V from './vfio.js';

export type StructRef =
  /** A signed int holding a file descriptor the kernel looks up (fdget). */
  | { readonly kind: 'fd-in'; readonly field: string }
  /** A field the kernel writes a newly installed file descriptor into. */
  | { readonly kind: 'fd-out'; readonly field: string }
  /** A user pointer to `len` bytes (a constant, or a field's value times `unit`) the kernel pins or accesses in place. */
  | { readonly kind: 'user-mem'; readonly ptr: string; readonly len: string | number; readonly unit?: number }
  /** VFIO_DEVICE_FEATURE's payload: the struct of the feature in flags (uapi/features.ts), or its bare bytes. */
  | { readonly kind: 'feature-payload'; readonly field: string }
  /** A user pointer to `count` elements of `elem`, copied in and out as a JS array. */
  | { readonly kind: 'array'; readonly ptr: string; readonly count: string; readonly elem: string }
  /** A flexible array member of `count` elements whose element type depends on the flags. */
  | { readonly kind: 'flex'; readonly field: string; readonly count: string; readonly elem: (flags: number) => FlexElem };

/** 'fd': s32 fds (-1 allowed); 'bool': u8 as booleans; 'none': no data. */
export type FlexElem = 'fd' | 'bool' | 'none';

const irqData = (flags: number): FlexElem =>
  flags & V.VFIO_IRQ_SET_DATA_EVENTFD ? 'fd' : flags & V.VFIO_IRQ_SET_DATA_BOOL ? 'bool' : 'none';

export const STRUCT_REFS: Readonly<Record<string, readonly StructRef[]>> = {
  vfio_iommu_type1_dma_map: [{ kind: 'user-mem', ptr: 'vaddr', len: 'size' }],
  vfio_irq_set: [{ kind: 'flex', field: 'data', count: 'count', elem: irqData }],
  vfio_pci_hot_reset: [{ kind: 'flex', field: 'group_fds', count: 'count', elem: () => 'fd' }],
  vfio_device_ioeventfd: [{ kind: 'fd-in', field: 'fd' }],
  vfio_device_feature: [{ kind: 'feature-payload', field: 'data' }],
  vfio_device_feature_mig_state: [{ kind: 'fd-out', field: 'data_fd' }],
  vfio_device_low_power_entry_with_wakeup: [{ kind: 'fd-in', field: 'wakeup_eventfd' }],
  vfio_device_feature_dma_logging_control: [{ kind: 'user-mem', ptr: 'ranges', len: 'num_ranges', unit: 16 }],
  vfio_device_bind_iommufd: [
    { kind: 'fd-in', field: 'iommufd' },
    { kind: 'user-mem', ptr: 'token_uuid_ptr', len: 16 },
  ],
  iommu_ioas_map: [{ kind: 'user-mem', ptr: 'user_va', len: 'length' }],
  iommu_ioas_map_file: [{ kind: 'fd-in', field: 'fd' }],
  iommu_ioas_iova_ranges: [{ kind: 'array', ptr: 'allowed_iovas', count: 'num_iovas', elem: 'iommu_iova_range' }],
  iommu_ioas_allow_iovas: [{ kind: 'array', ptr: 'allowed_iovas', count: 'num_iovas', elem: 'iommu_iova_range' }],
  iommu_fault_alloc: [{ kind: 'fd-out', field: 'out_fault_fd' }],
  iommu_veventq_alloc: [{ kind: 'fd-out', field: 'out_veventq_fd' }],
};

/** The struct of each capability id, by the INFO struct whose chain holds it. */
export const CAP_STRUCTS: Readonly<Record<string, Readonly<Record<number, string>>>> = {
  vfio_iommu_type1_info: {
    [V.VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE]: 'vfio_iommu_type1_info_cap_iova_range',
    [V.VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION]: 'vfio_iommu_type1_info_cap_migration',
    [V.VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL]: 'vfio_iommu_type1_info_dma_avail',
  },
  vfio_region_info: {
    [V.VFIO_REGION_INFO_CAP_SPARSE_MMAP]: 'vfio_region_info_cap_sparse_mmap',
    [V.VFIO_REGION_INFO_CAP_TYPE]: 'vfio_region_info_cap_type',
    [V.VFIO_REGION_INFO_CAP_MSIX_MAPPABLE]: 'vfio_info_cap_header',
    [V.VFIO_REGION_INFO_CAP_NVLINK2_SSATGT]: 'vfio_region_info_cap_nvlink2_ssatgt',
    [V.VFIO_REGION_INFO_CAP_NVLINK2_LNKSPD]: 'vfio_region_info_cap_nvlink2_lnkspd',
  },
  vfio_device_info: {
    [V.VFIO_DEVICE_INFO_CAP_PCI_ATOMIC_COMP]: 'vfio_device_info_cap_pci_atomic_comp',
  },
};

/** Requests whose return value is a new file descriptor. */
export const RETURNS_FD: readonly string[] = ['VFIO_GROUP_GET_DEVICE_FD', 'VFIO_DEVICE_GET_GFX_DMABUF'];
