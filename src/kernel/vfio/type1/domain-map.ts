/**
 * Installing a mapping's translation into a hardware domain (vfio_iommu_map, iommu_map):
 * each physically contiguous pinned run is mapped with the mapping's permissions; the IO
 * page table picks huge leaves where size and alignment allow, unless
 * vfio_iommu_type1.disable_hugepages makes VFIO hand the pages over one at a time.
 *
 * Invariant: on failure nothing of the mapping stays in the domain.
 */
import { okVoid, type Result } from '../../../base/result.js';
import type { IommuDomain } from '../../../hardware/iommu/domain.js';
import type { Kernel } from '../../kernel.js';
import type { VfioDma } from './dma.js';

const PAGE = 0x1000n;

export function mapIntoDomain(k: Kernel, domain: IommuDomain, dma: VfioDma): Result<void> {
  const hw = k.iommu!;
  const prot = { read: dma.read, write: dma.write };
  const onePage = k.params.bool('vfio_iommu_type1', 'disable_hugepages');
  for (const run of dma.runs ?? []) {
    const iova = dma.iova + (run.vaddr - dma.vaddr);
    const step = onePage ? PAGE : run.bytes;
    for (let off = 0n; off < run.bytes; off += step) {
      const r = hw.map(domain, iova + off, run.pa + off, step, prot);
      if (!r.ok) {
        hw.unmap(domain, dma.iova, dma.size);
        return r;
      }
    }
  }
  return okVoid();
}

export function unmapFromDomain(k: Kernel, domain: IommuDomain, dma: VfioDma): void {
  k.iommu?.unmap(domain, dma.iova, dma.size);
}
