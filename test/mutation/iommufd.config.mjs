// iommufd's IO page table of IOVA areas and its allowed/reserved IOVA ranges
// (src/kernel/iommufd/io-pagetable.ts, iova-ranges.ts) and the tests that drive them.
import { mutationConfig } from './base.mjs';

export default mutationConfig('iommufd', ['src/kernel/iommufd/io-pagetable.ts', 'src/kernel/iommufd/iova-ranges.ts'], [
  'test/iommufd/*.test.ts',
]);
