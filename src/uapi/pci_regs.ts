/**
 * PCI configuration-space register offsets and bits, named as in include/uapi/linux/pci_regs.h
 * (plus PCI_DEVFN / PCI_SLOT / PCI_FUNC from include/uapi/linux/pci.h).
 *
 * Offsets of capability registers are relative to the capability's own start, as in C.
 * The header's `~0x..UL` address masks are given here as 32-bit masks (what a 32-bit BAR or
 * bridge window register needs); C's unsigned long would carry 32 more one-bits.
 * Function-like macros become functions of a number.
 */

// ---- Config space sizes ----
export const PCI_CFG_SPACE_SIZE = 256;
export const PCI_CFG_SPACE_EXP_SIZE = 4096;
export const PCI_STD_HEADER_SIZEOF = 64;
export const PCI_STD_NUM_BARS = 6;

// ---- Standard header (all types) ----
export const PCI_VENDOR_ID = 0x00;
export const PCI_DEVICE_ID = 0x02;
export const PCI_COMMAND = 0x04;
export const PCI_COMMAND_IO = 0x1;
export const PCI_COMMAND_MEMORY = 0x2;
export const PCI_COMMAND_MASTER = 0x4;
export const PCI_COMMAND_SPECIAL = 0x8;
export const PCI_COMMAND_INVALIDATE = 0x10;
export const PCI_COMMAND_VGA_PALETTE = 0x20;
export const PCI_COMMAND_PARITY = 0x40;
export const PCI_COMMAND_WAIT = 0x80;
export const PCI_COMMAND_SERR = 0x100;
export const PCI_COMMAND_FAST_BACK = 0x200;
export const PCI_COMMAND_INTX_DISABLE = 0x400;

export const PCI_STATUS = 0x06;
export const PCI_STATUS_IMM_READY = 0x01;
export const PCI_STATUS_INTERRUPT = 0x08;
export const PCI_STATUS_CAP_LIST = 0x10;
export const PCI_STATUS_66MHZ = 0x20;
export const PCI_STATUS_UDF = 0x40;
export const PCI_STATUS_FAST_BACK = 0x80;
export const PCI_STATUS_PARITY = 0x100;
export const PCI_STATUS_DEVSEL_MASK = 0x600;
export const PCI_STATUS_DEVSEL_FAST = 0x000;
export const PCI_STATUS_DEVSEL_MEDIUM = 0x200;
export const PCI_STATUS_DEVSEL_SLOW = 0x400;
export const PCI_STATUS_SIG_TARGET_ABORT = 0x800;
export const PCI_STATUS_REC_TARGET_ABORT = 0x1000;
export const PCI_STATUS_REC_MASTER_ABORT = 0x2000;
export const PCI_STATUS_SIG_SYSTEM_ERROR = 0x4000;
export const PCI_STATUS_DETECTED_PARITY = 0x8000;

/** 32 bits: class code in the high 24, revision in the low 8. */
export const PCI_CLASS_REVISION = 0x08;
export const PCI_REVISION_ID = 0x08;
export const PCI_CLASS_PROG = 0x09;
/** 16 bits: base class and sub-class. */
export const PCI_CLASS_DEVICE = 0x0a;
export const PCI_CACHE_LINE_SIZE = 0x0c;
export const PCI_LATENCY_TIMER = 0x0d;
export const PCI_HEADER_TYPE = 0x0e;
export const PCI_HEADER_TYPE_MASK = 0x7f;
export const PCI_HEADER_TYPE_NORMAL = 0;
export const PCI_HEADER_TYPE_BRIDGE = 1;
export const PCI_HEADER_TYPE_CARDBUS = 2;
/** Bit 7: multi-function device. */
export const PCI_HEADER_TYPE_MFD = 0x80;
export const PCI_BIST = 0x0f;
export const PCI_BIST_CODE_MASK = 0x0f;
export const PCI_BIST_START = 0x40;
export const PCI_BIST_CAPABLE = 0x80;

// ---- Base address registers ----
export const PCI_BASE_ADDRESS_0 = 0x10;
export const PCI_BASE_ADDRESS_1 = 0x14;
export const PCI_BASE_ADDRESS_2 = 0x18;
export const PCI_BASE_ADDRESS_3 = 0x1c;
export const PCI_BASE_ADDRESS_4 = 0x20;
export const PCI_BASE_ADDRESS_5 = 0x24;
export const PCI_BASE_ADDRESS_SPACE = 0x01;
export const PCI_BASE_ADDRESS_SPACE_IO = 0x01;
export const PCI_BASE_ADDRESS_SPACE_MEMORY = 0x00;
export const PCI_BASE_ADDRESS_MEM_TYPE_MASK = 0x06;
export const PCI_BASE_ADDRESS_MEM_TYPE_32 = 0x00;
export const PCI_BASE_ADDRESS_MEM_TYPE_1M = 0x02;
export const PCI_BASE_ADDRESS_MEM_TYPE_64 = 0x04;
export const PCI_BASE_ADDRESS_MEM_PREFETCH = 0x08;
export const PCI_BASE_ADDRESS_MEM_MASK = 0xfffffff0;
export const PCI_BASE_ADDRESS_IO_MASK = 0xfffffffc;

// ---- Header type 0 (endpoints) ----
export const PCI_CARDBUS_CIS = 0x28;
export const PCI_SUBSYSTEM_VENDOR_ID = 0x2c;
export const PCI_SUBSYSTEM_ID = 0x2e;
export const PCI_ROM_ADDRESS = 0x30;
export const PCI_ROM_ADDRESS_ENABLE = 0x01;
export const PCI_ROM_ADDRESS_MASK = 0xfffff800;
export const PCI_CAPABILITY_LIST = 0x34;
export const PCI_INTERRUPT_LINE = 0x3c;
export const PCI_INTERRUPT_PIN = 0x3d;
export const PCI_MIN_GNT = 0x3e;
export const PCI_MAX_LAT = 0x3f;

// ---- Header type 1 (PCI-to-PCI bridges) ----
export const PCI_PRIMARY_BUS = 0x18;
export const PCI_SECONDARY_BUS = 0x19;
export const PCI_SUBORDINATE_BUS = 0x1a;
export const PCI_SEC_LATENCY_TIMER = 0x1b;
export const PCI_IO_BASE = 0x1c;
export const PCI_IO_LIMIT = 0x1d;
export const PCI_IO_RANGE_TYPE_MASK = 0x0f;
export const PCI_IO_RANGE_TYPE_16 = 0x00;
export const PCI_IO_RANGE_TYPE_32 = 0x01;
export const PCI_IO_RANGE_MASK = 0xfffffff0;
export const PCI_IO_1K_RANGE_MASK = 0xfffffffc;
export const PCI_SEC_STATUS = 0x1e;
export const PCI_MEMORY_BASE = 0x20;
export const PCI_MEMORY_LIMIT = 0x22;
export const PCI_MEMORY_RANGE_TYPE_MASK = 0x0f;
export const PCI_MEMORY_RANGE_MASK = 0xfffffff0;
export const PCI_PREF_MEMORY_BASE = 0x24;
export const PCI_PREF_MEMORY_LIMIT = 0x26;
export const PCI_PREF_RANGE_TYPE_MASK = 0x0f;
export const PCI_PREF_RANGE_TYPE_32 = 0x00;
export const PCI_PREF_RANGE_TYPE_64 = 0x01;
export const PCI_PREF_RANGE_MASK = 0xfffffff0;
export const PCI_PREF_BASE_UPPER32 = 0x28;
export const PCI_PREF_LIMIT_UPPER32 = 0x2c;
export const PCI_IO_BASE_UPPER16 = 0x30;
export const PCI_IO_LIMIT_UPPER16 = 0x32;
export const PCI_ROM_ADDRESS1 = 0x38;
export const PCI_BRIDGE_CONTROL = 0x3e;
export const PCI_BRIDGE_CTL_PARITY = 0x01;
export const PCI_BRIDGE_CTL_SERR = 0x02;
export const PCI_BRIDGE_CTL_ISA = 0x04;
export const PCI_BRIDGE_CTL_VGA = 0x08;
export const PCI_BRIDGE_CTL_MASTER_ABORT = 0x20;
/** Secondary bus reset. */
export const PCI_BRIDGE_CTL_BUS_RESET = 0x40;
export const PCI_BRIDGE_CTL_FAST_BACK = 0x80;

// ---- Header type 2 (CardBus), only the capability pointer ----
export const PCI_CB_CAPABILITY_LIST = 0x14;

// ---- Capability list ----
export const PCI_CAP_LIST_ID = 0;
export const PCI_CAP_ID_PM = 0x01;
export const PCI_CAP_ID_AGP = 0x02;
export const PCI_CAP_ID_VPD = 0x03;
export const PCI_CAP_ID_SLOTID = 0x04;
export const PCI_CAP_ID_MSI = 0x05;
export const PCI_CAP_ID_CHSWP = 0x06;
export const PCI_CAP_ID_PCIX = 0x07;
export const PCI_CAP_ID_HT = 0x08;
export const PCI_CAP_ID_VNDR = 0x09;
export const PCI_CAP_ID_DBG = 0x0a;
export const PCI_CAP_ID_CCRC = 0x0b;
export const PCI_CAP_ID_SHPC = 0x0c;
export const PCI_CAP_ID_SSVID = 0x0d;
export const PCI_CAP_ID_AGP3 = 0x0e;
export const PCI_CAP_ID_SECDEV = 0x0f;
export const PCI_CAP_ID_EXP = 0x10;
export const PCI_CAP_ID_MSIX = 0x11;
export const PCI_CAP_ID_SATA = 0x12;
export const PCI_CAP_ID_AF = 0x13;
export const PCI_CAP_ID_EA = 0x14;
export const PCI_CAP_ID_MAX = PCI_CAP_ID_EA;
export const PCI_CAP_LIST_NEXT = 1;
export const PCI_CAP_FLAGS = 2;
export const PCI_CAP_SIZEOF = 4;

// ---- Power management ----
export const PCI_PM_PMC = 2;
export const PCI_PM_CAP_VER_MASK = 0x0007;
export const PCI_PM_CAP_PME_CLOCK = 0x0008;
export const PCI_PM_CAP_RESERVED = 0x0010;
export const PCI_PM_CAP_DSI = 0x0020;
export const PCI_PM_CAP_AUX_POWER = 0x01c0;
export const PCI_PM_CAP_D1 = 0x0200;
export const PCI_PM_CAP_D2 = 0x0400;
export const PCI_PM_CAP_PME = 0x0800;
export const PCI_PM_CAP_PME_MASK = 0xf800;
export const PCI_PM_CAP_PME_D0 = 0x0800;
export const PCI_PM_CAP_PME_D1 = 0x1000;
export const PCI_PM_CAP_PME_D2 = 0x2000;
export const PCI_PM_CAP_PME_D3hot = 0x4000;
/** Older spelling of PCI_PM_CAP_PME_D3hot. */
export const PCI_PM_CAP_PME_D3 = 0x4000;
export const PCI_PM_CAP_PME_D3cold = 0x8000;
export const PCI_PM_CAP_PME_SHIFT = 11;
export const PCI_PM_CTRL = 4;
export const PCI_PM_CTRL_STATE_MASK = 0x0003;
/** No reset on D3hot -> D0: without it, a PM reset is possible. */
export const PCI_PM_CTRL_NO_SOFT_RESET = 0x0008;
export const PCI_PM_CTRL_PME_ENABLE = 0x0100;
export const PCI_PM_CTRL_DATA_SEL_MASK = 0x1e00;
export const PCI_PM_CTRL_DATA_SCALE_MASK = 0x6000;
export const PCI_PM_CTRL_PME_STATUS = 0x8000;
export const PCI_PM_PPB_EXTENSIONS = 6;
export const PCI_PM_PPB_B2_B3 = 0x40;
export const PCI_PM_BPCC_ENABLE = 0x80;
export const PCI_PM_DATA_REGISTER = 7;
export const PCI_PM_SIZEOF = 8;

// ---- MSI ----
export const PCI_MSI_FLAGS = 2;
export const PCI_MSI_FLAGS_ENABLE = 0x0001;
/** Multiple Message Capable: log2 of the vectors the function supports, bits 3:1. */
export const PCI_MSI_FLAGS_QMASK = 0x000e;
/** Multiple Message Enable: log2 of the vectors enabled, bits 6:4. */
export const PCI_MSI_FLAGS_QSIZE = 0x0070;
export const PCI_MSI_FLAGS_64BIT = 0x0080;
export const PCI_MSI_FLAGS_MASKBIT = 0x0100;
export const PCI_MSI_RFU = 3;
export const PCI_MSI_ADDRESS_LO = 4;
export const PCI_MSI_ADDRESS_HI = 8;
export const PCI_MSI_DATA_32 = 8;
export const PCI_MSI_MASK_32 = 12;
export const PCI_MSI_PENDING_32 = 16;
export const PCI_MSI_DATA_64 = 12;
export const PCI_MSI_MASK_64 = 16;
export const PCI_MSI_PENDING_64 = 20;

// ---- MSI-X ----
export const PCI_MSIX_FLAGS = 2;
/** Table size minus one. */
export const PCI_MSIX_FLAGS_QSIZE = 0x07ff;
export const PCI_MSIX_FLAGS_MASKALL = 0x4000;
export const PCI_MSIX_FLAGS_ENABLE = 0x8000;
export const PCI_MSIX_TABLE = 4;
export const PCI_MSIX_TABLE_BIR = 0x00000007;
export const PCI_MSIX_TABLE_OFFSET = 0xfffffff8;
export const PCI_MSIX_PBA = 8;
export const PCI_MSIX_PBA_BIR = 0x00000007;
export const PCI_MSIX_PBA_OFFSET = 0xfffffff8;
/** Deprecated alias of PCI_MSIX_PBA_BIR. */
export const PCI_MSIX_FLAGS_BIRMASK = PCI_MSIX_PBA_BIR;
export const PCI_CAP_MSIX_SIZEOF = 12;
export const PCI_MSIX_ENTRY_SIZE = 16;
export const PCI_MSIX_ENTRY_LOWER_ADDR = 0;
export const PCI_MSIX_ENTRY_UPPER_ADDR = 4;
export const PCI_MSIX_ENTRY_DATA = 8;
export const PCI_MSIX_ENTRY_VECTOR_CTRL = 12;
export const PCI_MSIX_ENTRY_CTRL_MASKBIT = 0x00000001;

// ---- Advanced Features (conventional-PCI FLR) ----
export const PCI_AF_LENGTH = 2;
export const PCI_AF_CAP = 3;
export const PCI_AF_CAP_TP = 0x01;
export const PCI_AF_CAP_FLR = 0x02;
export const PCI_AF_CTRL = 4;
export const PCI_AF_CTRL_FLR = 0x01;
export const PCI_AF_STATUS = 5;
export const PCI_AF_STATUS_TP = 0x01;
export const PCI_CAP_AF_SIZEOF = 6;

// ---- Vendor-specific / bridge subsystem id ----
export const PCI_SSVID_VENDOR_ID = 4;
export const PCI_SSVID_DEVICE_ID = 6;

/** Bus, device (slot) and function packing: devfn = slot << 3 | func. */
export function PCI_DEVFN(slot: number, func: number): number {
  return ((slot & 0x1f) << 3) | (func & 0x07);
}
export function PCI_SLOT(devfn: number): number {
  return (devfn >> 3) & 0x1f;
}
export function PCI_FUNC(devfn: number): number {
  return devfn & 0x07;
}
