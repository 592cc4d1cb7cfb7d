/**
 * Layouts of the structs of include/uapi/linux/vfio.h on x86-64: every ioctl argument, every
 * capability of an INFO chain, every VFIO_DEVICE_FEATURE payload and the region layouts the
 * header defines. Offsets and sizes are written out by hand from the header; structs.test.ts
 * recomputes them with the C rules (struct_layout.ts) and must agree.
 */
import {
  flex,
  layout,
  nested,
  scalar as s,
  type StructLayout,
  unionMember,
  uptr,
} from './struct_layout.js';

const HDR = 'vfio_info_cap_header';

export const VFIO_STRUCTS = [
  // ---- capability chain header ----
  layout(HDR, 8, [s('id', 0, 'u16'), s('version', 2, 'u16'), s('next', 4, 'u32')]),

  // ---- group ----
  layout('vfio_group_status', 8, [s('argsz', 0, 'u32'), s('flags', 4, 'u32')]),

  // ---- device info and its capabilities ----
  layout('vfio_device_info', 24, [
    s('argsz', 0, 'u32'),
    s('flags', 4, 'u32'),
    s('num_regions', 8, 'u32'),
    s('num_irqs', 12, 'u32'),
    s('cap_offset', 16, 'u32'),
    s('pad', 20, 'u32'),
  ]),
  layout('vfio_device_info_cap_pci_atomic_comp', 16, [
    nested('header', 0, HDR, 8),
    s('flags', 8, 'u32'),
    s('reserved', 12, 'u32'),
  ]),

  // ---- regions and their capabilities ----
  layout('vfio_region_info', 32, [
    s('argsz', 0, 'u32'),
    s('flags', 4, 'u32'),
    s('index', 8, 'u32'),
    s('cap_offset', 12, 'u32'),
    s('size', 16, 'u64'),
    s('offset', 24, 'u64'),
  ]),
  layout('vfio_region_sparse_mmap_area', 16, [s('offset', 0, 'u64'), s('size', 8, 'u64')]),
  layout('vfio_region_info_cap_sparse_mmap', 16, [
    nested('header', 0, HDR, 8),
    s('nr_areas', 8, 'u32'),
    s('reserved', 12, 'u32'),
    flex('areas', 16, 'vfio_region_sparse_mmap_area'),
  ]),
  layout('vfio_region_info_cap_type', 16, [
    nested('header', 0, HDR, 8),
    s('type', 8, 'u32'),
    s('subtype', 12, 'u32'),
  ]),
  layout('vfio_region_gfx_edid', 24, [
    s('edid_offset', 0, 'u32'),
    s('edid_max_size', 4, 'u32'),
    s('edid_size', 8, 'u32'),
    s('max_xres', 12, 'u32'),
    s('max_yres', 16, 'u32'),
    s('link_state', 20, 'u32'),
  ]),
  layout('vfio_device_migration_info', 32, [
    s('device_state', 0, 'u32'),
    s('reserved', 4, 'u32'),
    s('pending_bytes', 8, 'u64'),
    s('data_offset', 16, 'u64'),
    s('data_size', 24, 'u64'),
  ]),
  layout('vfio_region_info_cap_nvlink2_ssatgt', 16, [
    nested('header', 0, HDR, 8),
    s('tgt', 8, 'u64'),
  ]),
  layout('vfio_region_info_cap_nvlink2_lnkspd', 16, [
    nested('header', 0, HDR, 8),
    s('link_speed', 8, 'u32'),
    s('__pad', 12, 'u32'),
  ]),

  // ---- interrupts ----
  layout('vfio_irq_info', 16, [
    s('argsz', 0, 'u32'),
    s('flags', 4, 'u32'),
    s('index', 8, 'u32'),
    s('count', 12, 'u32'),
  ]),
  layout('vfio_irq_set', 20, [
    s('argsz', 0, 'u32'),
    s('flags', 4, 'u32'),
    s('index', 8, 'u32'),
    s('start', 12, 'u32'),
    s('count', 16, 'u32'),
    flex('data', 20, 'u8'),
  ]),

  // ---- hot reset ----
  layout('vfio_pci_dependent_device', 8, [
    s('group_id', 0, 'u32'),
    unionMember(s('devid', 0, 'u32')),
    s('segment', 4, 'u16'),
    s('bus', 6, 'u8'),
    s('devfn', 7, 'u8'),
  ]),
  layout('vfio_pci_hot_reset_info', 12, [
    s('argsz', 0, 'u32'),
    s('flags', 4, 'u32'),
    s('count', 8, 'u32'),
    flex('devices', 12, 'vfio_pci_dependent_device'),
  ]),
  layout('vfio_pci_hot_reset', 12, [
    s('argsz', 0, 'u32'),
    s('flags', 4, 'u32'),
    s('count', 8, 'u32'),
    flex('group_fds', 12, 's32'),
  ]),

  // ---- mediated graphics ----
  layout('vfio_device_gfx_plane_info', 64, [
    s('argsz', 0, 'u32'),
    s('flags', 4, 'u32'),
    s('drm_plane_type', 8, 'u32'),
    s('drm_format', 12, 'u32'),
    s('drm_format_mod', 16, 'u64'),
    s('width', 24, 'u32'),
    s('height', 28, 'u32'),
    s('stride', 32, 'u32'),
    s('size', 36, 'u32'),
    s('x_pos', 40, 'u32'),
    s('y_pos', 44, 'u32'),
    s('x_hot', 48, 'u32'),
    s('y_hot', 52, 'u32'),
    s('region_index', 56, 'u32'),
    unionMember(s('dmabuf_id', 56, 'u32')),
    s('reserved', 60, 'u32'),
  ]),

  // ---- ioeventfd ----
  layout('vfio_device_ioeventfd', 32, [
    s('argsz', 0, 'u32'),
    s('flags', 4, 'u32'),
    s('offset', 8, 'u64'),
    s('data', 16, 'u64'),
    s('fd', 24, 's32'),
    s('reserved', 28, 'u32'),
  ]),

  // ---- device features: the header and each payload (the part after `flags`) ----
  layout('vfio_device_feature', 8, [
    s('argsz', 0, 'u32'),
    s('flags', 4, 'u32'),
    flex('data', 8, 'u8'),
  ]),
  layout('vfio_device_feature_migration', 8, [s('flags', 0, 'u64')]),
  layout('vfio_device_feature_mig_state', 8, [
    s('device_state', 0, 'u32'),
    s('data_fd', 4, 's32'),
  ]),
  layout('vfio_device_low_power_entry_with_wakeup', 8, [
    s('wakeup_eventfd', 0, 's32'),
    s('reserved', 4, 'u32'),
  ]),
  layout('vfio_device_feature_dma_logging_control', 24, [
    s('page_size', 0, 'u64'),
    s('num_ranges', 8, 'u32'),
    s('__reserved', 12, 'u32'),
    uptr('ranges', 16),
  ]),
  layout('vfio_device_feature_dma_logging_range', 16, [
    s('iova', 0, 'u64'),
    s('length', 8, 'u64'),
  ]),
  layout('vfio_device_feature_dma_logging_report', 32, [
    s('iova', 0, 'u64'),
    s('length', 8, 'u64'),
    s('page_size', 16, 'u64'),
    uptr('bitmap', 24),
  ]),
  layout('vfio_device_feature_mig_data_size', 8, [s('stop_copy_length', 0, 'u64')]),
  layout('vfio_device_feature_bus_master', 4, [s('op', 0, 'u32')]),
  layout('vfio_region_dma_range', 16, [s('offset', 0, 'u64'), s('length', 8, 'u64')]),
  layout('vfio_device_feature_dma_buf', 16, [
    s('region_index', 0, 'u32'),
    s('open_flags', 4, 'u32'),
    s('flags', 8, 'u32'),
    s('nr_ranges', 12, 'u32'),
    flex('dma_ranges', 16, 'vfio_region_dma_range'),
  ]),

  // ---- cdev binding to iommufd ----
  layout('vfio_device_bind_iommufd', 24, [
    s('argsz', 0, 'u32'),
    s('flags', 4, 'u32'),
    s('iommufd', 8, 's32'),
    s('out_devid', 12, 'u32'),
    uptr('token_uuid_ptr', 16),
  ]),
  layout('vfio_device_attach_iommufd_pt', 16, [
    s('argsz', 0, 'u32'),
    s('flags', 4, 'u32'),
    s('pt_id', 8, 'u32'),
    s('pasid', 12, 'u32'),
  ]),
  layout('vfio_device_detach_iommufd_pt', 12, [
    s('argsz', 0, 'u32'),
    s('flags', 4, 'u32'),
    s('pasid', 8, 'u32'),
  ]),

  // ---- migration data fd ----
  layout('vfio_precopy_info', 24, [
    s('argsz', 0, 'u32'),
    s('flags', 4, 'u32'),
    s('initial_bytes', 8, 'u64'),
    s('dirty_bytes', 16, 'u64'),
  ]),

  // ---- type1 IOMMU (container) and its info capabilities ----
  layout('vfio_iommu_type1_info', 24, [
    s('argsz', 0, 'u32'),
    s('flags', 4, 'u32'),
    s('iova_pgsizes', 8, 'u64'),
    s('cap_offset', 16, 'u32'),
    s('pad', 20, 'u32'),
  ]),
  layout('vfio_iova_range', 16, [s('start', 0, 'u64'), s('end', 8, 'u64')]),
  layout('vfio_iommu_type1_info_cap_iova_range', 16, [
    nested('header', 0, HDR, 8),
    s('nr_iovas', 8, 'u32'),
    s('reserved', 12, 'u32'),
    flex('iova_ranges', 16, 'vfio_iova_range'),
  ]),
  layout('vfio_iommu_type1_info_cap_migration', 32, [
    nested('header', 0, HDR, 8),
    s('flags', 8, 'u32'),
    s('pgsize_bitmap', 16, 'u64'),
    s('max_dirty_bitmap_size', 24, 'u64'),
  ]),
  layout('vfio_iommu_type1_info_dma_avail', 12, [
    nested('header', 0, HDR, 8),
    s('avail', 8, 'u32'),
  ]),
  layout('vfio_iommu_type1_dma_map', 32, [
    s('argsz', 0, 'u32'),
    s('flags', 4, 'u32'),
    s('vaddr', 8, 'u64'),
    s('iova', 16, 'u64'),
    s('size', 24, 'u64'),
  ]),
  layout('vfio_bitmap', 24, [s('pgsize', 0, 'u64'), s('size', 8, 'u64'), uptr('data', 16)]),
  layout('vfio_iommu_type1_dma_unmap', 24, [
    s('argsz', 0, 'u32'),
    s('flags', 4, 'u32'),
    s('iova', 8, 'u64'),
    s('size', 16, 'u64'),
    flex('data', 24, 'u8'),
  ]),
  layout('vfio_iommu_type1_dirty_bitmap', 8, [
    s('argsz', 0, 'u32'),
    s('flags', 4, 'u32'),
    flex('data', 8, 'u8'),
  ]),
  layout('vfio_iommu_type1_dirty_bitmap_get', 40, [
    s('iova', 0, 'u64'),
    s('size', 8, 'u64'),
    nested('bitmap', 16, 'vfio_bitmap', 24),
  ]),

  // ---- sPAPR TCE IOMMU (container) ----
  layout('vfio_iommu_spapr_tce_ddw_info', 16, [
    s('pgsizes', 0, 'u64'),
    s('max_dynamic_windows_supported', 8, 'u32'),
    s('levels', 12, 'u32'),
  ]),
  layout('vfio_iommu_spapr_tce_info', 32, [
    s('argsz', 0, 'u32'),
    s('flags', 4, 'u32'),
    s('dma32_window_start', 8, 'u32'),
    s('dma32_window_size', 12, 'u32'),
    nested('ddw', 16, 'vfio_iommu_spapr_tce_ddw_info', 16),
  ]),
  layout('vfio_eeh_pe_err', 24, [
    s('type', 0, 'u32'),
    s('func', 4, 'u32'),
    s('addr', 8, 'u64'),
    s('mask', 16, 'u64'),
  ]),
  layout('vfio_eeh_pe_op', 40, [
    s('argsz', 0, 'u32'),
    s('flags', 4, 'u32'),
    s('op', 8, 'u32'),
    nested('err', 16, 'vfio_eeh_pe_err', 24),
  ]),
  layout('vfio_iommu_spapr_register_memory', 24, [
    s('argsz', 0, 'u32'),
    s('flags', 4, 'u32'),
    s('vaddr', 8, 'u64'),
    s('size', 16, 'u64'),
  ]),
  layout('vfio_iommu_spapr_tce_create', 40, [
    s('argsz', 0, 'u32'),
    s('flags', 4, 'u32'),
    s('page_shift', 8, 'u32'),
    s('__resv1', 12, 'u32'),
    s('window_size', 16, 'u64'),
    s('levels', 24, 'u32'),
    s('__resv2', 28, 'u32'),
    s('start_addr', 32, 'u64'),
  ]),
  layout('vfio_iommu_spapr_tce_remove', 16, [
    s('argsz', 0, 'u32'),
    s('flags', 4, 'u32'),
    s('start_addr', 8, 'u64'),
  ]),
] as const satisfies readonly StructLayout[];
