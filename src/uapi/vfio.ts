/**
 * Constants of include/uapi/linux/vfio.h (mainline, read at the VFIO_DEVICE_FEATURE_DMA_BUF
 * era), named exactly as in C so a user-space driver transliterates line for line.
 *
 * Request numbers are computed the way the header computes them, _IO(VFIO_TYPE, VFIO_BASE + n):
 * no size or direction bits, so every VFIO request is 0x3b00 | (100 + n). The same n is reused
 * on different file kinds (container, device, migration data fd); only the fd decides which
 * request is meant — see names.ts for the reverse map.
 *
 * Also here: the vfio-pci region offset helpers (VFIO_PCI_OFFSET_SHIFT & co.), which live in
 * include/linux/vfio_pci_core.h but fix the user-visible layout of a device fd.
 */
import { _IO } from './ioctl.js';
import type { Request } from './requests.js';

export const VFIO_API_VERSION = 0;

// ---- Extensions (VFIO_CHECK_EXTENSION / VFIO_SET_IOMMU arguments) ----
export const VFIO_TYPE1_IOMMU = 1;
export const VFIO_SPAPR_TCE_IOMMU = 2;
export const VFIO_TYPE1v2_IOMMU = 3;
/** The IOMMU enforces DMA cache coherence; may change as groups come and go. */
export const VFIO_DMA_CC_IOMMU = 4;
export const VFIO_EEH = 5;
/** Retired two-stage type1; mainline now spells it __VFIO_RESERVED_TYPE1_NESTING_IOMMU. */
export const VFIO_TYPE1_NESTING_IOMMU = 6;
export const __VFIO_RESERVED_TYPE1_NESTING_IOMMU = 6;
export const VFIO_SPAPR_TCE_v2_IOMMU = 7;
/** No translation, no isolation; taints the kernel. */
export const VFIO_NOIOMMU_IOMMU = 8;
/** VFIO_DMA_UNMAP_FLAG_ALL is supported. */
export const VFIO_UNMAP_ALL = 9;
/** VFIO_DMA_MAP_FLAG_VADDR / VFIO_DMA_UNMAP_FLAG_VADDR are supported. */
export const VFIO_UPDATE_VADDR = 10;

/** ';' */
export const VFIO_TYPE = 0x3b;
export const VFIO_BASE = 100;

// ---- Container fd (/dev/vfio/vfio) ----
export const VFIO_GET_API_VERSION = _IO(VFIO_TYPE, VFIO_BASE + 0) as Request<'VFIO_GET_API_VERSION'>;
export const VFIO_CHECK_EXTENSION = _IO(VFIO_TYPE, VFIO_BASE + 1) as Request<'VFIO_CHECK_EXTENSION'>;
export const VFIO_SET_IOMMU = _IO(VFIO_TYPE, VFIO_BASE + 2) as Request<'VFIO_SET_IOMMU'>;

// ---- Group fd (/dev/vfio/$GROUP) ----
export const VFIO_GROUP_FLAGS_VIABLE = 1 << 0;
export const VFIO_GROUP_FLAGS_CONTAINER_SET = 1 << 1;
export const VFIO_GROUP_GET_STATUS = _IO(VFIO_TYPE, VFIO_BASE + 3) as Request<'VFIO_GROUP_GET_STATUS'>;
export const VFIO_GROUP_SET_CONTAINER = _IO(VFIO_TYPE, VFIO_BASE + 4) as Request<'VFIO_GROUP_SET_CONTAINER'>;
export const VFIO_GROUP_UNSET_CONTAINER = _IO(VFIO_TYPE, VFIO_BASE + 5) as Request<'VFIO_GROUP_UNSET_CONTAINER'>;
export const VFIO_GROUP_GET_DEVICE_FD = _IO(VFIO_TYPE, VFIO_BASE + 6) as Request<'VFIO_GROUP_GET_DEVICE_FD'>;

// ---- Device fd ----
export const VFIO_DEVICE_FLAGS_RESET = 1 << 0;
export const VFIO_DEVICE_FLAGS_PCI = 1 << 1;
export const VFIO_DEVICE_FLAGS_PLATFORM = 1 << 2;
export const VFIO_DEVICE_FLAGS_AMBA = 1 << 3;
export const VFIO_DEVICE_FLAGS_CCW = 1 << 4;
export const VFIO_DEVICE_FLAGS_AP = 1 << 5;
export const VFIO_DEVICE_FLAGS_FSL_MC = 1 << 6;
export const VFIO_DEVICE_FLAGS_CAPS = 1 << 7;
export const VFIO_DEVICE_FLAGS_CDX = 1 << 8;
export const VFIO_DEVICE_GET_INFO = _IO(VFIO_TYPE, VFIO_BASE + 7) as Request<'VFIO_DEVICE_GET_INFO'>;

/** device_api strings a mediated-device type reports. */
export const VFIO_DEVICE_API_PCI_STRING = 'vfio-pci';
export const VFIO_DEVICE_API_PLATFORM_STRING = 'vfio-platform';
export const VFIO_DEVICE_API_AMBA_STRING = 'vfio-amba';
export const VFIO_DEVICE_API_CCW_STRING = 'vfio-ccw';
export const VFIO_DEVICE_API_AP_STRING = 'vfio-ap';

// VFIO_DEVICE_GET_INFO capability ids (1-4: s390 zPCI, laid out in vfio_zdev.h)
export const VFIO_DEVICE_INFO_CAP_ZPCI_BASE = 1;
export const VFIO_DEVICE_INFO_CAP_ZPCI_GROUP = 2;
export const VFIO_DEVICE_INFO_CAP_ZPCI_UTIL = 3;
export const VFIO_DEVICE_INFO_CAP_ZPCI_PFIP = 4;
export const VFIO_DEVICE_INFO_CAP_PCI_ATOMIC_COMP = 5;
export const VFIO_PCI_ATOMIC_COMP32 = 1 << 0;
export const VFIO_PCI_ATOMIC_COMP64 = 1 << 1;
export const VFIO_PCI_ATOMIC_COMP128 = 1 << 2;

// ---- Regions ----
export const VFIO_REGION_INFO_FLAG_READ = 1 << 0;
export const VFIO_REGION_INFO_FLAG_WRITE = 1 << 1;
export const VFIO_REGION_INFO_FLAG_MMAP = 1 << 2;
export const VFIO_REGION_INFO_FLAG_CAPS = 1 << 3;
export const VFIO_DEVICE_GET_REGION_INFO = _IO(VFIO_TYPE, VFIO_BASE + 8) as Request<'VFIO_DEVICE_GET_REGION_INFO'>;

export const VFIO_REGION_INFO_CAP_SPARSE_MMAP = 1;
export const VFIO_REGION_INFO_CAP_TYPE = 2;
export const VFIO_REGION_INFO_CAP_MSIX_MAPPABLE = 3;
/** Deprecated: never produced any more. */
export const VFIO_REGION_INFO_CAP_NVLINK2_SSATGT = 4;
/** Deprecated: never produced any more. */
export const VFIO_REGION_INFO_CAP_NVLINK2_LNKSPD = 5;

/** `1 << 31` in C; as a u32 region type it is 0x80000000. */
export const VFIO_REGION_TYPE_PCI_VENDOR_TYPE = 0x80000000;
export const VFIO_REGION_TYPE_PCI_VENDOR_MASK = 0xffff;
export const VFIO_REGION_TYPE_GFX = 1;
export const VFIO_REGION_TYPE_CCW = 2;
export const VFIO_REGION_TYPE_MIGRATION_DEPRECATED = 3;

// Intel (8086) vendor sub-types
export const VFIO_REGION_SUBTYPE_INTEL_IGD_OPREGION = 1;
export const VFIO_REGION_SUBTYPE_INTEL_IGD_HOST_CFG = 2;
export const VFIO_REGION_SUBTYPE_INTEL_IGD_LPC_CFG = 3;
/** NVIDIA (10de) sub-type; deprecated, region no longer provided. */
export const VFIO_REGION_SUBTYPE_NVIDIA_NVLINK2_RAM = 1;
/** IBM (1014) sub-type; deprecated, region no longer provided. */
export const VFIO_REGION_SUBTYPE_IBM_NVLINK2_ATSD = 1;
export const VFIO_REGION_SUBTYPE_GFX_EDID = 1;
export const VFIO_DEVICE_GFX_LINK_STATE_UP = 1;
export const VFIO_DEVICE_GFX_LINK_STATE_DOWN = 2;
export const VFIO_REGION_SUBTYPE_CCW_ASYNC_CMD = 1;
export const VFIO_REGION_SUBTYPE_CCW_SCHIB = 2;
export const VFIO_REGION_SUBTYPE_CCW_CRW = 3;
export const VFIO_REGION_SUBTYPE_MIGRATION_DEPRECATED = 1;

// Migration v1 (region based, deprecated) device_state bits
export const VFIO_DEVICE_STATE_V1_STOP = 0;
export const VFIO_DEVICE_STATE_V1_RUNNING = 1 << 0;
export const VFIO_DEVICE_STATE_V1_SAVING = 1 << 1;
export const VFIO_DEVICE_STATE_V1_RESUMING = 1 << 2;
export const VFIO_DEVICE_STATE_MASK =
  VFIO_DEVICE_STATE_V1_RUNNING | VFIO_DEVICE_STATE_V1_SAVING | VFIO_DEVICE_STATE_V1_RESUMING;

/** v1 rule: RESUMING may not be combined with another bit. */
export function VFIO_DEVICE_STATE_VALID(state: number): boolean {
  return (state & VFIO_DEVICE_STATE_V1_RESUMING) !== 0
    ? (state & VFIO_DEVICE_STATE_MASK) === VFIO_DEVICE_STATE_V1_RESUMING
    : true;
}

/** v1 error encoding: SAVING and RESUMING together. */
export function VFIO_DEVICE_STATE_IS_ERROR(state: number): boolean {
  return (
    (state & VFIO_DEVICE_STATE_MASK) ===
    (VFIO_DEVICE_STATE_V1_SAVING | VFIO_DEVICE_STATE_V1_RESUMING)
  );
}

export function VFIO_DEVICE_STATE_SET_ERROR(state: number): number {
  return (
    ((state & ~VFIO_DEVICE_STATE_MASK) |
      VFIO_DEVICE_STATE_V1_SAVING |
      VFIO_DEVICE_STATE_V1_RESUMING) >>>
    0
  );
}

// ---- Interrupts ----
export const VFIO_IRQ_INFO_EVENTFD = 1 << 0;
export const VFIO_IRQ_INFO_MASKABLE = 1 << 1;
export const VFIO_IRQ_INFO_AUTOMASKED = 1 << 2;
export const VFIO_IRQ_INFO_NORESIZE = 1 << 3;
export const VFIO_DEVICE_GET_IRQ_INFO = _IO(VFIO_TYPE, VFIO_BASE + 9) as Request<'VFIO_DEVICE_GET_IRQ_INFO'>;

export const VFIO_IRQ_SET_DATA_NONE = 1 << 0;
export const VFIO_IRQ_SET_DATA_BOOL = 1 << 1;
export const VFIO_IRQ_SET_DATA_EVENTFD = 1 << 2;
export const VFIO_IRQ_SET_ACTION_MASK = 1 << 3;
export const VFIO_IRQ_SET_ACTION_UNMASK = 1 << 4;
export const VFIO_IRQ_SET_ACTION_TRIGGER = 1 << 5;
export const VFIO_DEVICE_SET_IRQS = _IO(VFIO_TYPE, VFIO_BASE + 10) as Request<'VFIO_DEVICE_SET_IRQS'>;
export const VFIO_IRQ_SET_DATA_TYPE_MASK =
  VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_DATA_EVENTFD;
export const VFIO_IRQ_SET_ACTION_TYPE_MASK =
  VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_ACTION_UNMASK | VFIO_IRQ_SET_ACTION_TRIGGER;

export const VFIO_DEVICE_RESET = _IO(VFIO_TYPE, VFIO_BASE + 11) as Request<'VFIO_DEVICE_RESET'>;

// vfio-pci fixed region indexes (anonymous enum)
export const VFIO_PCI_BAR0_REGION_INDEX = 0;
export const VFIO_PCI_BAR1_REGION_INDEX = 1;
export const VFIO_PCI_BAR2_REGION_INDEX = 2;
export const VFIO_PCI_BAR3_REGION_INDEX = 3;
export const VFIO_PCI_BAR4_REGION_INDEX = 4;
export const VFIO_PCI_BAR5_REGION_INDEX = 5;
export const VFIO_PCI_ROM_REGION_INDEX = 6;
export const VFIO_PCI_CONFIG_REGION_INDEX = 7;
/** Legacy VGA ranges 0x3b0-0x3bb, 0x3c0-0x3df and 0xa0000-0xbffff at identity offsets. */
export const VFIO_PCI_VGA_REGION_INDEX = 8;
/** Fixed ABI: indexes from 9 on are device specific, described by a region-type cap. */
export const VFIO_PCI_NUM_REGIONS = 9;

// vfio-pci fixed IRQ indexes
export const VFIO_PCI_INTX_IRQ_INDEX = 0;
export const VFIO_PCI_MSI_IRQ_INDEX = 1;
export const VFIO_PCI_MSIX_IRQ_INDEX = 2;
export const VFIO_PCI_ERR_IRQ_INDEX = 3;
export const VFIO_PCI_REQ_IRQ_INDEX = 4;
export const VFIO_PCI_NUM_IRQS = 5;

// vfio-ccw
export const VFIO_CCW_CONFIG_REGION_INDEX = 0;
export const VFIO_CCW_NUM_REGIONS = 1;
export const VFIO_CCW_IO_IRQ_INDEX = 0;
export const VFIO_CCW_CRW_IRQ_INDEX = 1;
export const VFIO_CCW_REQ_IRQ_INDEX = 2;
export const VFIO_CCW_NUM_IRQS = 3;

// vfio-ap
export const VFIO_AP_REQ_IRQ_INDEX = 0;
export const VFIO_AP_CFG_CHG_IRQ_INDEX = 1;
export const VFIO_AP_NUM_IRQS = 2;

// ---- Hot reset ----
/** devid value: not bound in this iommufd, but owned through the same group. */
export const VFIO_PCI_DEVID_OWNED = 0;
/** devid value: -1 in C (reads back as 0xffffffff from the __u32 field). */
export const VFIO_PCI_DEVID_NOT_OWNED = -1;
export const VFIO_PCI_HOT_RESET_FLAG_DEV_ID = 1 << 0;
export const VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED = 1 << 1;
export const VFIO_DEVICE_GET_PCI_HOT_RESET_INFO = _IO(VFIO_TYPE, VFIO_BASE + 12) as Request<'VFIO_DEVICE_GET_PCI_HOT_RESET_INFO'>;
export const VFIO_DEVICE_PCI_HOT_RESET = _IO(VFIO_TYPE, VFIO_BASE + 13) as Request<'VFIO_DEVICE_PCI_HOT_RESET'>;

// ---- Mediated graphics ----
export const VFIO_GFX_PLANE_TYPE_PROBE = 1 << 0;
export const VFIO_GFX_PLANE_TYPE_DMABUF = 1 << 1;
export const VFIO_GFX_PLANE_TYPE_REGION = 1 << 2;
export const VFIO_DEVICE_QUERY_GFX_PLANE = _IO(VFIO_TYPE, VFIO_BASE + 14) as Request<'VFIO_DEVICE_QUERY_GFX_PLANE'>;
export const VFIO_DEVICE_GET_GFX_DMABUF = _IO(VFIO_TYPE, VFIO_BASE + 15) as Request<'VFIO_DEVICE_GET_GFX_DMABUF'>;

// ---- ioeventfd ----
export const VFIO_DEVICE_IOEVENTFD_8 = 1 << 0;
export const VFIO_DEVICE_IOEVENTFD_16 = 1 << 1;
export const VFIO_DEVICE_IOEVENTFD_32 = 1 << 2;
export const VFIO_DEVICE_IOEVENTFD_64 = 1 << 3;
export const VFIO_DEVICE_IOEVENTFD_SIZE_MASK = 0xf;
export const VFIO_DEVICE_IOEVENTFD = _IO(VFIO_TYPE, VFIO_BASE + 16) as Request<'VFIO_DEVICE_IOEVENTFD'>;

// ---- Device features ----
export const VFIO_DEVICE_FEATURE_MASK = 0xffff;
export const VFIO_DEVICE_FEATURE_GET = 1 << 16;
export const VFIO_DEVICE_FEATURE_SET = 1 << 17;
export const VFIO_DEVICE_FEATURE_PROBE = 1 << 18;
export const VFIO_DEVICE_FEATURE = _IO(VFIO_TYPE, VFIO_BASE + 17) as Request<'VFIO_DEVICE_FEATURE'>;

// ---- cdev / iommufd binding ----
export const VFIO_DEVICE_BIND_FLAG_TOKEN = 1 << 0;
export const VFIO_DEVICE_BIND_IOMMUFD = _IO(VFIO_TYPE, VFIO_BASE + 18) as Request<'VFIO_DEVICE_BIND_IOMMUFD'>;
export const VFIO_DEVICE_ATTACH_PASID = 1 << 0;
export const VFIO_DEVICE_ATTACH_IOMMUFD_PT = _IO(VFIO_TYPE, VFIO_BASE + 19) as Request<'VFIO_DEVICE_ATTACH_IOMMUFD_PT'>;
export const VFIO_DEVICE_DETACH_PASID = 1 << 0;
export const VFIO_DEVICE_DETACH_IOMMUFD_PT = _IO(VFIO_TYPE, VFIO_BASE + 20) as Request<'VFIO_DEVICE_DETACH_IOMMUFD_PT'>;

// Feature ids (flags & VFIO_DEVICE_FEATURE_MASK)
export const VFIO_DEVICE_FEATURE_PCI_VF_TOKEN = 0;
export const VFIO_DEVICE_FEATURE_MIGRATION = 1;
export const VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE = 2;
export const VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY = 3;
export const VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP = 4;
export const VFIO_DEVICE_FEATURE_LOW_POWER_EXIT = 5;
export const VFIO_DEVICE_FEATURE_DMA_LOGGING_START = 6;
export const VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP = 7;
export const VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT = 8;
export const VFIO_DEVICE_FEATURE_MIG_DATA_SIZE = 9;
export const VFIO_DEVICE_FEATURE_BUS_MASTER = 10;
export const VFIO_DEVICE_FEATURE_DMA_BUF = 11;
/** SET (no data) opts in to vfio_precopy_info.flags as an output field (VFIO_PRECOPY_INFO_REINIT). */
export const VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2 = 12;

// VFIO_DEVICE_FEATURE_MIGRATION flags
export const VFIO_MIGRATION_STOP_COPY = 1 << 0;
export const VFIO_MIGRATION_P2P = 1 << 1;
export const VFIO_MIGRATION_PRE_COPY = 1 << 2;

// struct vfio_precopy_info flags (output, only after VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2)
export const VFIO_PRECOPY_INFO_REINIT = 1 << 0;

// enum vfio_device_mig_state
export const VFIO_DEVICE_STATE_ERROR = 0;
export const VFIO_DEVICE_STATE_STOP = 1;
export const VFIO_DEVICE_STATE_RUNNING = 2;
export const VFIO_DEVICE_STATE_STOP_COPY = 3;
export const VFIO_DEVICE_STATE_RESUMING = 4;
export const VFIO_DEVICE_STATE_RUNNING_P2P = 5;
export const VFIO_DEVICE_STATE_PRE_COPY = 6;
export const VFIO_DEVICE_STATE_PRE_COPY_P2P = 7;
export const VFIO_DEVICE_STATE_NR = 8;

/** On a migration data fd (not the device fd). */
export const VFIO_MIG_GET_PRECOPY_INFO = _IO(VFIO_TYPE, VFIO_BASE + 21) as Request<'VFIO_MIG_GET_PRECOPY_INFO'>;

// VFIO_DEVICE_FEATURE_BUS_MASTER ops
export const VFIO_DEVICE_FEATURE_CLEAR_MASTER = 0;
export const VFIO_DEVICE_FEATURE_SET_MASTER = 1;

// ---- Type1 IOMMU (container) ----
export const VFIO_IOMMU_INFO_PGSIZES = 1 << 0;
export const VFIO_IOMMU_INFO_CAPS = 1 << 1;
export const VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE = 1;
export const VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION = 2;
export const VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL = 3;
export const VFIO_IOMMU_GET_INFO = _IO(VFIO_TYPE, VFIO_BASE + 12) as Request<'VFIO_IOMMU_GET_INFO'>;

export const VFIO_DMA_MAP_FLAG_READ = 1 << 0;
export const VFIO_DMA_MAP_FLAG_WRITE = 1 << 1;
export const VFIO_DMA_MAP_FLAG_VADDR = 1 << 2;
export const VFIO_IOMMU_MAP_DMA = _IO(VFIO_TYPE, VFIO_BASE + 13) as Request<'VFIO_IOMMU_MAP_DMA'>;

export const VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP = 1 << 0;
export const VFIO_DMA_UNMAP_FLAG_ALL = 1 << 1;
export const VFIO_DMA_UNMAP_FLAG_VADDR = 1 << 2;
export const VFIO_IOMMU_UNMAP_DMA = _IO(VFIO_TYPE, VFIO_BASE + 14) as Request<'VFIO_IOMMU_UNMAP_DMA'>;

/** sPAPR only; type1 answers ENOTTY. */
export const VFIO_IOMMU_ENABLE = _IO(VFIO_TYPE, VFIO_BASE + 15) as Request<'VFIO_IOMMU_ENABLE'>;
/** sPAPR only; type1 answers ENOTTY. */
export const VFIO_IOMMU_DISABLE = _IO(VFIO_TYPE, VFIO_BASE + 16) as Request<'VFIO_IOMMU_DISABLE'>;

export const VFIO_IOMMU_DIRTY_PAGES_FLAG_START = 1 << 0;
export const VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP = 1 << 1;
export const VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP = 1 << 2;
export const VFIO_IOMMU_DIRTY_PAGES = _IO(VFIO_TYPE, VFIO_BASE + 17) as Request<'VFIO_IOMMU_DIRTY_PAGES'>;

// ---- sPAPR TCE IOMMU (container) ----
export const VFIO_IOMMU_SPAPR_INFO_DDW = 1 << 0;
export const VFIO_IOMMU_SPAPR_TCE_GET_INFO = _IO(VFIO_TYPE, VFIO_BASE + 12) as Request<'VFIO_IOMMU_SPAPR_TCE_GET_INFO'>;

export const VFIO_EEH_PE_DISABLE = 0;
export const VFIO_EEH_PE_ENABLE = 1;
export const VFIO_EEH_PE_UNFREEZE_IO = 2;
export const VFIO_EEH_PE_UNFREEZE_DMA = 3;
export const VFIO_EEH_PE_GET_STATE = 4;
export const VFIO_EEH_PE_STATE_NORMAL = 0;
export const VFIO_EEH_PE_STATE_RESET = 1;
export const VFIO_EEH_PE_STATE_STOPPED = 2;
export const VFIO_EEH_PE_STATE_STOPPED_DMA = 4;
export const VFIO_EEH_PE_STATE_UNAVAIL = 5;
export const VFIO_EEH_PE_RESET_DEACTIVATE = 5;
export const VFIO_EEH_PE_RESET_HOT = 6;
export const VFIO_EEH_PE_RESET_FUNDAMENTAL = 7;
export const VFIO_EEH_PE_CONFIGURE = 8;
export const VFIO_EEH_PE_INJECT_ERR = 9;
export const VFIO_EEH_PE_OP = _IO(VFIO_TYPE, VFIO_BASE + 21) as Request<'VFIO_EEH_PE_OP'>;

export const VFIO_IOMMU_SPAPR_REGISTER_MEMORY = _IO(VFIO_TYPE, VFIO_BASE + 17) as Request<'VFIO_IOMMU_SPAPR_REGISTER_MEMORY'>;
export const VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY = _IO(VFIO_TYPE, VFIO_BASE + 18) as Request<'VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY'>;
export const VFIO_IOMMU_SPAPR_TCE_CREATE = _IO(VFIO_TYPE, VFIO_BASE + 19) as Request<'VFIO_IOMMU_SPAPR_TCE_CREATE'>;
export const VFIO_IOMMU_SPAPR_TCE_REMOVE = _IO(VFIO_TYPE, VFIO_BASE + 20) as Request<'VFIO_IOMMU_SPAPR_TCE_REMOVE'>;

// ---- vfio-pci device fd layout (include/linux/vfio_pci_core.h) ----
/** Each region index owns a 1 TiB window of the device fd. */
export const VFIO_PCI_OFFSET_SHIFT = 40;
export const VFIO_PCI_OFFSET_MASK: bigint = (1n << 40n) - 1n;

/** Device fd offset where region `index` starts. */
export function VFIO_PCI_INDEX_TO_OFFSET(index: number): bigint {
  return BigInt(index) << 40n;
}

/** Region index a device fd offset falls in. */
export function VFIO_PCI_OFFSET_TO_INDEX(off: bigint): number {
  return Number(BigInt.asUintN(64, off) >> 40n);
}
