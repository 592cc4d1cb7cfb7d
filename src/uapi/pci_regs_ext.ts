/**
 * PCI Express extended capabilities (config space 0x100..0xfff), named as in
 * include/uapi/linux/pci_regs.h. Offsets are relative to the extended capability's 32-bit
 * header, which packs id (bits 15:0), version (19:16) and the next pointer (31:20).
 */

// ---- Extended capabilities ----
export function PCI_EXT_CAP_ID(header: number): number {
  return header & 0x0000ffff;
}
export function PCI_EXT_CAP_VER(header: number): number {
  return (header >>> 16) & 0xf;
}
export function PCI_EXT_CAP_NEXT(header: number): number {
  return (header >>> 20) & 0xffc;
}

export const PCI_EXT_CAP_ID_ERR = 0x01;
export const PCI_EXT_CAP_ID_VC = 0x02;
export const PCI_EXT_CAP_ID_DSN = 0x03;
export const PCI_EXT_CAP_ID_PWR = 0x04;
export const PCI_EXT_CAP_ID_RCLD = 0x05;
export const PCI_EXT_CAP_ID_RCILC = 0x06;
export const PCI_EXT_CAP_ID_RCEC = 0x07;
export const PCI_EXT_CAP_ID_MFVC = 0x08;
export const PCI_EXT_CAP_ID_VC9 = 0x09;
export const PCI_EXT_CAP_ID_RCRB = 0x0a;
export const PCI_EXT_CAP_ID_VNDR = 0x0b;
export const PCI_EXT_CAP_ID_CAC = 0x0c;
export const PCI_EXT_CAP_ID_ACS = 0x0d;
export const PCI_EXT_CAP_ID_ARI = 0x0e;
export const PCI_EXT_CAP_ID_ATS = 0x0f;
export const PCI_EXT_CAP_ID_SRIOV = 0x10;
export const PCI_EXT_CAP_ID_MRIOV = 0x11;
export const PCI_EXT_CAP_ID_MCAST = 0x12;
export const PCI_EXT_CAP_ID_PRI = 0x13;
export const PCI_EXT_CAP_ID_AMD_XXX = 0x14;
export const PCI_EXT_CAP_ID_REBAR = 0x15;
export const PCI_EXT_CAP_ID_DPA = 0x16;
export const PCI_EXT_CAP_ID_TPH = 0x17;
export const PCI_EXT_CAP_ID_LTR = 0x18;
export const PCI_EXT_CAP_ID_SECPCI = 0x19;
export const PCI_EXT_CAP_ID_PMUX = 0x1a;
export const PCI_EXT_CAP_ID_PASID = 0x1b;
export const PCI_EXT_CAP_ID_DPC = 0x1d;
export const PCI_EXT_CAP_ID_L1SS = 0x1e;
export const PCI_EXT_CAP_ID_PTM = 0x1f;
export const PCI_EXT_CAP_ID_DVSEC = 0x23;
export const PCI_EXT_CAP_ID_VF_REBAR = 0x24;
export const PCI_EXT_CAP_ID_DLF = 0x25;
export const PCI_EXT_CAP_ID_PL_16GT = 0x26;
export const PCI_EXT_CAP_ID_NPEM = 0x29;
export const PCI_EXT_CAP_ID_PL_32GT = 0x2a;
export const PCI_EXT_CAP_ID_DOE = 0x2e;
export const PCI_EXT_CAP_DSN_SIZEOF = 12;
export const PCI_EXT_CAP_MCAST_ENDPOINT_SIZEOF = 40;

// ---- Advanced Error Reporting (basics) ----
export const PCI_ERR_UNCOR_STATUS = 4;
export const PCI_ERR_UNCOR_MASK = 8;
export const PCI_ERR_UNCOR_SEVER = 12;
export const PCI_ERR_COR_STATUS = 16;
export const PCI_ERR_COR_MASK = 20;
export const PCI_ERR_CAP = 24;
export function PCI_ERR_CAP_FEP(x: number): number {
  return x & 31;
}
export const PCI_ERR_CAP_ECRC_GENC = 0x00000020;
export const PCI_ERR_CAP_ECRC_GENE = 0x00000040;
export const PCI_ERR_CAP_ECRC_CHKC = 0x00000080;
export const PCI_ERR_CAP_ECRC_CHKE = 0x00000100;
export const PCI_ERR_HEADER_LOG = 28;
export const PCI_ERR_ROOT_COMMAND = 44;
export const PCI_ERR_ROOT_STATUS = 48;
export const PCI_ERR_ROOT_ERR_SRC = 52;
export const PCI_ERR_UNC_DLP = 0x00000010;
export const PCI_ERR_UNC_SURPDN = 0x00000020;
export const PCI_ERR_UNC_POISON_TLP = 0x00001000;
export const PCI_ERR_UNC_COMP_TIME = 0x00004000;
export const PCI_ERR_UNC_COMP_ABORT = 0x00008000;
export const PCI_ERR_UNC_UNX_COMP = 0x00010000;
export const PCI_ERR_UNC_MALF_TLP = 0x00040000;
export const PCI_ERR_UNC_UNSUP = 0x00100000;
export const PCI_ERR_UNC_ACSV = 0x00200000;

// ---- Alternative Routing-ID Interpretation ----
export const PCI_ARI_CAP = 0x04;
export const PCI_ARI_CAP_MFVC = 0x0001;
export const PCI_ARI_CAP_ACS = 0x0002;
export function PCI_ARI_CAP_NFN(x: number): number {
  return (x >> 8) & 0xff;
}
export const PCI_ARI_CTRL = 0x06;
export const PCI_ARI_CTRL_MFVC = 0x0001;
export const PCI_ARI_CTRL_ACS = 0x0002;
export const PCI_EXT_CAP_ARI_SIZEOF = 8;

// ---- Address Translation Services ----
export const PCI_ATS_CAP = 0x04;
export function PCI_ATS_CAP_QDEP(x: number): number {
  return x & 0x1f;
}
export const PCI_ATS_MAX_QDEP = 32;
export const PCI_ATS_CTRL = 0x06;
export const PCI_ATS_CTRL_ENABLE = 0x8000;
export function PCI_ATS_CTRL_STU(x: number): number {
  return x & 0x1f;
}
export const PCI_ATS_MIN_STU = 12;
export const PCI_EXT_CAP_ATS_SIZEOF = 8;

// ---- Page Request Interface / PASID ----
export const PCI_PRI_CTRL = 0x04;
export const PCI_PRI_CTRL_ENABLE = 0x01;
export const PCI_PRI_CTRL_RESET = 0x02;
export const PCI_PRI_STATUS = 0x06;
export const PCI_PRI_MAX_REQ = 0x08;
export const PCI_PRI_ALLOC_REQ = 0x0c;
export const PCI_EXT_CAP_PRI_SIZEOF = 16;
export const PCI_PASID_CAP = 0x04;
export const PCI_PASID_CAP_EXEC = 0x02;
export const PCI_PASID_CAP_PRIV = 0x04;
export const PCI_PASID_CTRL = 0x06;
export const PCI_PASID_CTRL_ENABLE = 0x01;
export const PCI_PASID_CTRL_EXEC = 0x02;
export const PCI_PASID_CTRL_PRIV = 0x04;
export const PCI_EXT_CAP_PASID_SIZEOF = 8;

// ---- Single Root I/O Virtualization ----
export const PCI_SRIOV_CAP = 0x04;
export const PCI_SRIOV_CAP_VFM = 0x01;
export const PCI_SRIOV_CTRL = 0x08;
export const PCI_SRIOV_CTRL_VFE = 0x01;
export const PCI_SRIOV_CTRL_VFM = 0x02;
export const PCI_SRIOV_CTRL_INTR = 0x04;
export const PCI_SRIOV_CTRL_MSE = 0x08;
export const PCI_SRIOV_CTRL_ARI = 0x10;
export const PCI_SRIOV_STATUS = 0x0a;
export const PCI_SRIOV_STATUS_VFM = 0x01;
export const PCI_SRIOV_INITIAL_VF = 0x0c;
export const PCI_SRIOV_TOTAL_VF = 0x0e;
export const PCI_SRIOV_NUM_VF = 0x10;
export const PCI_SRIOV_FUNC_LINK = 0x12;
export const PCI_SRIOV_VF_OFFSET = 0x14;
export const PCI_SRIOV_VF_STRIDE = 0x16;
export const PCI_SRIOV_VF_DID = 0x1a;
export const PCI_SRIOV_SUP_PGSIZE = 0x1c;
export const PCI_SRIOV_SYS_PGSIZE = 0x20;
export const PCI_SRIOV_BAR = 0x24;
export const PCI_SRIOV_NUM_BARS = 6;
export const PCI_SRIOV_VFM = 0x3c;
export const PCI_EXT_CAP_SRIOV_SIZEOF = 64;

// ---- Latency Tolerance Reporting ----
export const PCI_LTR_MAX_SNOOP_LAT = 0x4;
export const PCI_LTR_MAX_NOSNOOP_LAT = 0x6;
export const PCI_EXT_CAP_LTR_SIZEOF = 8;

// ---- Access Control Services ----
export const PCI_ACS_CAP = 0x04;
export const PCI_ACS_SV = 0x01;
export const PCI_ACS_TB = 0x02;
export const PCI_ACS_RR = 0x04;
export const PCI_ACS_CR = 0x08;
export const PCI_ACS_UF = 0x10;
export const PCI_ACS_EC = 0x20;
export const PCI_ACS_DT = 0x40;
/** Byte offset of the Egress Control Vector Size (the upper byte of PCI_ACS_CAP). */
export const PCI_ACS_EGRESS_BITS = 0x05;
export const PCI_ACS_CTRL = 0x06;
export const PCI_ACS_EGRESS_CTL_V = 0x08;

// ---- Vendor-specific and designated vendor-specific ----
export const PCI_VNDR_HEADER = 4;
export function PCI_VNDR_HEADER_ID(x: number): number {
  return x & 0xffff;
}
export function PCI_VNDR_HEADER_REV(x: number): number {
  return (x >>> 16) & 0xf;
}
export function PCI_VNDR_HEADER_LEN(x: number): number {
  return (x >>> 20) & 0xfff;
}
export const PCI_DVSEC_HEADER1 = 0x4;
export const PCI_DVSEC_HEADER2 = 0x8;

// ---- Resizable BAR ----
export const PCI_REBAR_CAP = 4;
export const PCI_REBAR_CTRL = 8;
export const PCI_REBAR_CTRL_BAR_IDX = 0x00000007;
export const PCI_REBAR_CTRL_NBAR_MASK = 0x000000e0;
export const PCI_REBAR_CTRL_NBAR_SHIFT = 5;
export const PCI_REBAR_CTRL_BAR_SIZE = 0x00001f00;
