// The legacy container's type1 backend (src/kernel/vfio/type1/) and the tests that drive it.
import { mutationConfig } from './base.mjs';

export default mutationConfig('type1', ['src/kernel/vfio/type1/**/*.ts', '!src/**/*.test.ts'], [
  'test/legacy/*.test.ts',
]);
