/**
 * The module parameters vfio-sim models, as the modules declare them with module_param():
 * name, C type, default and sysfs mode. User-visible ABI: each is the file
 * /sys/module/<module>/parameters/<name> and the boot option <module>.<name>=.
 * Data only; the kernel (kernel/params.ts) holds the live values, and a topology's
 * kernel.params are checked against this table (hardware/topology/schema.ts).
 */

export type ParamType = 'bool' | 'int' | 'uint';

export interface ParamDef {
  readonly module: string;
  readonly name: string;
  readonly type: ParamType;
  readonly def: boolean | number;
  /** sysfs mode: 0o644 (S_IRUGO | S_IWUSR) when root may write it, 0o444 when read-only. */
  readonly mode: number;
  readonly doc: string;
}

export const PARAM_TABLE: readonly ParamDef[] = [
  { module: 'vfio', name: 'enable_unsafe_noiommu_mode', type: 'bool', def: false, mode: 0o644, doc: 'Enable UNSAFE, no-IOMMU mode (vfio_main.c)' },
  { module: 'vfio_iommu_type1', name: 'allow_unsafe_interrupts', type: 'bool', def: false, mode: 0o644, doc: 'Enable VFIO IOMMU support on platforms without interrupt remapping' },
  { module: 'vfio_iommu_type1', name: 'disable_hugepages', type: 'bool', def: false, mode: 0o644, doc: 'Disable VFIO IOMMU support for IOMMU hugepages' },
  { module: 'vfio_iommu_type1', name: 'dma_entry_limit', type: 'uint', def: 65535, mode: 0o644, doc: 'Maximum number of user DMA mappings per container (65535)' },
  { module: 'iommufd', name: 'allow_unsafe_interrupts', type: 'bool', def: false, mode: 0o644, doc: 'Allow IOMMUFD to bind to devices even if the platform cannot isolate the MSI interrupt window' },
  { module: 'vfio_pci', name: 'nointxmask', type: 'bool', def: false, mode: 0o644, doc: 'Disable support for PCI 2.3 style INTx masking' },
  { module: 'vfio_pci', name: 'disable_vga', type: 'bool', def: false, mode: 0o444, doc: 'Disable VGA resource access through vfio-pci' },
  { module: 'vfio_pci', name: 'disable_idle_d3', type: 'bool', def: false, mode: 0o644, doc: 'Disable using the PCI D3 low power state for idle, unused devices' },
  { module: 'vfio_pci', name: 'enable_sriov', type: 'bool', def: false, mode: 0o644, doc: 'Enable support for SR-IOV configuration' },
];

/** The table entry for "module.name", or undefined. */
export function findParam(key: string): ParamDef | undefined {
  return PARAM_TABLE.find((p) => `${p.module}.${p.name}` === key);
}
