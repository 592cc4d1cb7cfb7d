// Which selftest binary runs on which simulated device, and what the REAL kernel would do
// there: every test passes except the skips listed, each with the reason the real selftest
// skips on that device. A skip not listed, a listed skip that passes, a failure or a crash
// fails the run.
//
// Machines: `default` is the bundled workstation (edu devices at 0000:06:00.0 and 0000:07:00.0,
// each alone in its group behind an ACS switch port; QEMU's edu: 1 MiB BAR0, one MSI vector, no
// MSI-X; resettable by a secondary bus reset of its downstream port). `server` is the bundled
// Skylake-SP-like machine with Intel CBDMA (IOAT, 8086:2021) channels at 0000:00:04.0-7.

const EDU = '0000:06:00.0';
const EDU2 = '0000:07:00.0';
const CBDMA = [0, 1, 2, 3, 4, 5, 6, 7].map((f) => `0000:00:04.${f}`);

/** The function a plan entry runs on, from `vfio-sim machine NAME --json`. */
// On an Intel IOMMU the mapping test reads the page table from debugfs and checks the page size
// of each mapping (4K: a PTE, 2M: a PMD leaf, 1G: a PUD leaf); it skips that check silently when
// debugfs has no intel/ directory, or in the VFIO_TYPE1_IOMMU modes. 3 modes × 3 sizes = 9.
const PAGE_SIZE_CHECK = {
  text: 'Found IOMMU mappings for IOVA',
  count: 9,
  why: 'the page-size check of dma_map_unmap in the type1v2, iommufd_compat_type1v2 and iommufd modes, from /sys/kernel/debug/iommu/intel/<bdf>/domain_translation_struct',
};

const sriovPf = (m) => m.functions.find((f) => f.sriov)?.bdf ?? m.functions.find((f) => f.class?.startsWith('0200') && f.model)?.bdf;

// Listed longest first: run.mjs starts them in this order, several at a time.
export const PLAN = [
  // Each test maps a 1 GiB DMA region in its fixture: by far the longest binary.
  { binary: 'vfio_pci_driver_test', machine: 'server', bdfs: [CBDMA[0]] },
  {
    binary: 'vfio_pci_device_test',
    machine: 'default',
    bdfs: [EDU],
    skips: {
      'vfio_pci_irq_test.msix.enable_trigger_disable':
        'edu has no MSI-X capability, so VFIO_DEVICE_GET_IRQ_INFO reports 0 MSI-X vectors (vfio_pci_get_irq_count) and the test skips "MSI-x: not supported"',
    },
  },
  { binary: 'vfio_dma_mapping_test', machine: 'default', bdfs: [EDU], mustPrint: [PAGE_SIZE_CHECK] },
  { binary: 'vfio_dma_mapping_mmio_test', machine: 'default', bdfs: [EDU] },
  { binary: 'vfio_iommufd_setup_test', machine: 'default', bdfs: [EDU] },
  { binary: 'vfio_pci_device_init_perf_test', machine: 'default', bdfs: [EDU, EDU2] },
  {
    binary: 'vfio_pci_driver_test',
    machine: 'default',
    bdfs: [EDU],
    binarySkip: () =>
      'no driver of the selftest library (ioat, dsa, igb, nv_falcon) probes edu (1234:11e8): main() exits KSFT_SKIP "No driver found"',
  },
  {
    binary: 'vfio_pci_device_test',
    machine: 'server',
    bdfs: [CBDMA[0]],
    skips: {
      'vfio_pci_irq_test.msi.enable_trigger_disable':
        'a CBDMA channel has MSI-X (1 vector) and no MSI capability, so VFIO_DEVICE_GET_IRQ_INFO reports 0 MSI vectors and the test skips "MSI: not supported"',
    },
  },
  { binary: 'vfio_pci_device_init_perf_test', machine: 'server', bdfs: CBDMA },
  { binary: 'vfio_dma_mapping_test', machine: 'server', bdfs: [CBDMA[0]], mustPrint: [PAGE_SIZE_CHECK] },
  {
    binary: 'vfio_pci_sriov_uapi_test',
    machine: 'server',
    bdfs: (m) => [sriovPf(m)],
    binarySkip: (m) =>
      m.functions.some((f) => f.sriov)
        ? null
        : 'the server NIC model has no SR-IOV capability yet, so sriov_totalvfs does not exist and vf_setup() exits KSFT_SKIP "SR-IOV may not be supported by the PF"',
  },
];
