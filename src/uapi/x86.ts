/**
 * The x86 interrupt window: a DMA write into [IOAPIC_RANGE_START, IOAPIC_RANGE_END] is an MSI
 * (an interrupt message), never memory — the IOMMU does not translate it and every IOMMU
 * group reserves it. Names as in drivers/iommu/intel/iommu.h (AMD-Vi calls the same range
 * MSI_RANGE_START..MSI_RANGE_END); an MSI address in compatibility format is
 * X86_MSI_BASE_ADDRESS_LOW | (destination APIC id << 12) (arch/x86/include/asm/msi.h).
 * Architectural facts rather than uapi, kept in this leaf so every layer reads one copy; not
 * part of the public `uapi` namespace.
 */
export const IOAPIC_RANGE_START = 0xfee0_0000n;
export const IOAPIC_RANGE_END = 0xfeef_ffffn;
export const X86_MSI_BASE_ADDRESS_LOW = IOAPIC_RANGE_START;

/** Is `addr` inside the interrupt window? */
export function inMsiWindow(addr: bigint): boolean {
  return addr >= IOAPIC_RANGE_START && addr <= IOAPIC_RANGE_END;
}
