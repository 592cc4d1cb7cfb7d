// The IO page table (src/hardware/iommu/io-pgtable.ts) and its unit tests.
import { mutationConfig } from './base.mjs';

export default mutationConfig('io-pgtable', ['src/hardware/iommu/io-pgtable.ts'], [
  'src/hardware/iommu/io-pgtable.test.ts',
  'src/hardware/iommu/table-pages.test.ts',
  'test/hardware/io-pgtable-*.test.ts',
]);
