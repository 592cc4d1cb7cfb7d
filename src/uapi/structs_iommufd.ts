/**
 * Layouts of the structs of include/uapi/linux/iommufd.h on x86-64 (7.3, with
 * IOMMU_IOAS_NOIOMMU_GET_PA): every command struct, and the driver-specific data blocks that
 * HWPT_ALLOC, GET_HW_INFO, HWPT_INVALIDATE, VIOMMU_ALLOC, the fault fd and the vEVENTQ fd carry.
 * Offsets and sizes are written out by hand from the header; structs.test.ts recomputes them
 * with the C rules and must agree. `__aligned_le64 x[n]` arrays are listed as u64 arrays.
 */
import {
  array,
  layout,
  scalar as s,
  type StructLayout,
  unionMember,
  uptr,
} from './struct_layout.js';

export const IOMMUFD_STRUCTS = [
  layout('iommu_destroy', 8, [s('size', 0, 'u32'), s('id', 4, 'u32')]),
  layout('iommu_ioas_alloc', 12, [
    s('size', 0, 'u32'),
    s('flags', 4, 'u32'),
    s('out_ioas_id', 8, 'u32'),
  ]),
  layout('iommu_iova_range', 16, [s('start', 0, 'u64'), s('last', 8, 'u64')]),
  layout('iommu_ioas_iova_ranges', 32, [
    s('size', 0, 'u32'),
    s('ioas_id', 4, 'u32'),
    s('num_iovas', 8, 'u32'),
    s('__reserved', 12, 'u32'),
    uptr('allowed_iovas', 16),
    s('out_iova_alignment', 24, 'u64'),
  ]),
  layout('iommu_ioas_allow_iovas', 24, [
    s('size', 0, 'u32'),
    s('ioas_id', 4, 'u32'),
    s('num_iovas', 8, 'u32'),
    s('__reserved', 12, 'u32'),
    uptr('allowed_iovas', 16),
  ]),
  layout('iommu_ioas_map', 40, [
    s('size', 0, 'u32'),
    s('flags', 4, 'u32'),
    s('ioas_id', 8, 'u32'),
    s('__reserved', 12, 'u32'),
    uptr('user_va', 16),
    s('length', 24, 'u64'),
    s('iova', 32, 'u64'),
  ]),
  layout('iommu_ioas_noiommu_get_pa', 40, [
    s('size', 0, 'u32'),
    s('flags', 4, 'u32'),
    s('ioas_id', 8, 'u32'),
    s('__reserved', 12, 'u32'),
    s('iova', 16, 'u64'),
    s('length', 24, 'u64'),
    s('out_phys', 32, 'u64'),
  ]),
  layout('iommu_ioas_map_file', 40, [
    s('size', 0, 'u32'),
    s('flags', 4, 'u32'),
    s('ioas_id', 8, 'u32'),
    s('fd', 12, 's32'),
    s('start', 16, 'u64'),
    s('length', 24, 'u64'),
    s('iova', 32, 'u64'),
  ]),
  layout('iommu_ioas_copy', 40, [
    s('size', 0, 'u32'),
    s('flags', 4, 'u32'),
    s('dst_ioas_id', 8, 'u32'),
    s('src_ioas_id', 12, 'u32'),
    s('length', 16, 'u64'),
    s('dst_iova', 24, 'u64'),
    s('src_iova', 32, 'u64'),
  ]),
  layout('iommu_ioas_unmap', 24, [
    s('size', 0, 'u32'),
    s('ioas_id', 4, 'u32'),
    s('iova', 8, 'u64'),
    s('length', 16, 'u64'),
  ]),
  layout('iommu_option', 24, [
    s('size', 0, 'u32'),
    s('option_id', 4, 'u32'),
    s('op', 8, 'u16'),
    s('__reserved', 10, 'u16'),
    s('object_id', 12, 'u32'),
    s('val64', 16, 'u64'),
  ]),
  layout('iommu_vfio_ioas', 12, [
    s('size', 0, 'u32'),
    s('ioas_id', 4, 'u32'),
    s('op', 8, 'u16'),
    s('__reserved', 10, 'u16'),
  ]),

  // ---- HW page tables ----
  layout('iommu_hwpt_vtd_s1', 24, [
    s('flags', 0, 'u64'),
    s('pgtbl_addr', 8, 'u64'),
    s('addr_width', 16, 'u32'),
    s('__reserved', 20, 'u32'),
  ]),
  layout('iommu_hwpt_arm_smmuv3', 16, [array('ste', 0, 'u64', 2)]),
  layout('iommu_hwpt_amd_guest', 32, [array('dte', 0, 'u64', 4)]),
  layout('iommu_hwpt_alloc', 48, [
    s('size', 0, 'u32'),
    s('flags', 4, 'u32'),
    s('dev_id', 8, 'u32'),
    s('pt_id', 12, 'u32'),
    s('out_hwpt_id', 16, 'u32'),
    s('__reserved', 20, 'u32'),
    s('data_type', 24, 'u32'),
    s('data_len', 28, 'u32'),
    uptr('data_uptr', 32),
    s('fault_id', 40, 'u32'),
    s('__reserved2', 44, 'u32'),
  ]),

  // ---- hardware info ----
  layout('iommu_hw_info_vtd', 24, [
    s('flags', 0, 'u32'),
    s('__reserved', 4, 'u32'),
    s('cap_reg', 8, 'u64'),
    s('ecap_reg', 16, 'u64'),
  ]),
  layout('iommu_hw_info_amd', 16, [s('efr', 0, 'u64'), s('efr2', 8, 'u64')]),
  layout('iommu_hw_info_arm_smmuv3', 40, [
    s('flags', 0, 'u32'),
    s('__reserved', 4, 'u32'),
    array('idr', 8, 'u32', 6),
    s('iidr', 32, 'u32'),
    s('aidr', 36, 'u32'),
  ]),
  layout('iommu_hw_info_tegra241_cmdqv', 8, [
    s('flags', 0, 'u32'),
    s('version', 4, 'u8'),
    s('log2vcmdqs', 5, 'u8'),
    s('log2vsids', 6, 'u8'),
    s('__reserved', 7, 'u8'),
  ]),
  layout('iommu_hw_info', 40, [
    s('size', 0, 'u32'),
    s('flags', 4, 'u32'),
    s('dev_id', 8, 'u32'),
    s('data_len', 12, 'u32'),
    uptr('data_uptr', 16),
    s('in_data_type', 24, 'u32'),
    unionMember(s('out_data_type', 24, 'u32')),
    s('out_max_pasid_log2', 28, 'u8'),
    array('__reserved', 29, 'u8', 3),
    s('out_capabilities', 32, 'u64'),
  ]),

  // ---- dirty tracking ----
  layout('iommu_hwpt_set_dirty_tracking', 16, [
    s('size', 0, 'u32'),
    s('flags', 4, 'u32'),
    s('hwpt_id', 8, 'u32'),
    s('__reserved', 12, 'u32'),
  ]),
  layout('iommu_hwpt_get_dirty_bitmap', 48, [
    s('size', 0, 'u32'),
    s('hwpt_id', 4, 'u32'),
    s('flags', 8, 'u32'),
    s('__reserved', 12, 'u32'),
    s('iova', 16, 'u64'),
    s('length', 24, 'u64'),
    s('page_size', 32, 'u64'),
    uptr('data', 40),
  ]),

  // ---- cache invalidation ----
  layout('iommu_hwpt_vtd_s1_invalidate', 24, [
    s('addr', 0, 'u64'),
    s('npages', 8, 'u64'),
    s('flags', 16, 'u32'),
    s('__reserved', 20, 'u32'),
  ]),
  layout('iommu_viommu_arm_smmuv3_invalidate', 16, [array('cmd', 0, 'u64', 2)]),
  layout('iommu_hwpt_invalidate', 32, [
    s('size', 0, 'u32'),
    s('hwpt_id', 4, 'u32'),
    uptr('data_uptr', 8),
    s('data_type', 16, 'u32'),
    s('entry_len', 20, 'u32'),
    s('entry_num', 24, 'u32'),
    s('__reserved', 28, 'u32'),
  ]),

  // ---- page faults (records read from / responses written to the fault fd) ----
  layout('iommu_hwpt_pgfault', 40, [
    s('flags', 0, 'u32'),
    s('dev_id', 4, 'u32'),
    s('pasid', 8, 'u32'),
    s('grpid', 12, 'u32'),
    s('perm', 16, 'u32'),
    s('__reserved', 20, 'u32'),
    s('addr', 24, 'u64'),
    s('length', 32, 'u32'),
    s('cookie', 36, 'u32'),
  ]),
  layout('iommu_hwpt_page_response', 8, [s('cookie', 0, 'u32'), s('code', 4, 'u32')]),
  layout('iommu_fault_alloc', 16, [
    s('size', 0, 'u32'),
    s('flags', 4, 'u32'),
    s('out_fault_id', 8, 'u32'),
    s('out_fault_fd', 12, 'u32'),
  ]),

  // ---- virtual IOMMU objects ----
  layout('iommu_viommu_tegra241_cmdqv', 16, [
    s('out_vintf_mmap_offset', 0, 'u64'),
    s('out_vintf_mmap_length', 8, 'u64'),
  ]),
  layout('iommu_viommu_alloc', 40, [
    s('size', 0, 'u32'),
    s('flags', 4, 'u32'),
    s('type', 8, 'u32'),
    s('dev_id', 12, 'u32'),
    s('hwpt_id', 16, 'u32'),
    s('out_viommu_id', 20, 'u32'),
    s('data_len', 24, 'u32'),
    s('__reserved', 28, 'u32'),
    uptr('data_uptr', 32),
  ]),
  layout('iommu_vdevice_alloc', 24, [
    s('size', 0, 'u32'),
    s('viommu_id', 4, 'u32'),
    s('dev_id', 8, 'u32'),
    s('out_vdevice_id', 12, 'u32'),
    s('virt_id', 16, 'u64'),
  ]),
  layout('iommu_ioas_change_process', 8, [s('size', 0, 'u32'), s('__reserved', 4, 'u32')]),
  layout('iommufd_vevent_header', 8, [s('flags', 0, 'u32'), s('sequence', 4, 'u32')]),
  layout('iommu_vevent_arm_smmuv3', 32, [array('evt', 0, 'u64', 4)]),
  layout('iommu_vevent_tegra241_cmdqv', 16, [array('lvcmdq_err_map', 0, 'u64', 2)]),
  layout('iommu_veventq_alloc', 32, [
    s('size', 0, 'u32'),
    s('flags', 4, 'u32'),
    s('viommu_id', 8, 'u32'),
    s('type', 12, 'u32'),
    s('veventq_depth', 16, 'u32'),
    s('out_veventq_id', 20, 'u32'),
    s('out_veventq_fd', 24, 'u32'),
    s('__reserved', 28, 'u32'),
  ]),
  layout('iommu_hw_queue_alloc', 40, [
    s('size', 0, 'u32'),
    s('flags', 4, 'u32'),
    s('viommu_id', 8, 'u32'),
    s('type', 12, 'u32'),
    s('index', 16, 'u32'),
    s('out_hw_queue_id', 20, 'u32'),
    s('nesting_parent_iova', 24, 'u64'),
    s('length', 32, 'u64'),
  ]),
] as const satisfies readonly StructLayout[];
