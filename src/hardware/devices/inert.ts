/**
 * The model of a function without a `model`: config space and BARs only. Its registers read
 * as zero and ignore writes; it never DMAs and never interrupts.
 */
import { PciDeviceModel } from './model.js';
import type { AccessSize } from './model-types.js';

export class InertModel extends PciDeviceModel {
  protected mmioRead(_bar: number, _off: number, _size: AccessSize): bigint {
    return 0n;
  }

  protected mmioWrite(): void {}

  protected onReset(): void {}
}
