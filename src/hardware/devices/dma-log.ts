/**
 * Device-side DMA dirty logging (VFIO_DEVICE_FEATURE_DMA_LOGGING_*): while active, every DMA
 * write a model makes marks the granule-aligned IOVAs it touched inside the logged ranges.
 * What must always hold: only addresses inside a logged range are recorded; a report is
 * ascending and what it reports leaves the log.
 */
import type { DeviceDmaLog, DmaLogRange } from './model-types.js';

/** The dirty log: granule-aligned IOVAs written inside the logged ranges. */
export class DmaLogState implements DeviceDmaLog {
  active = false;
  granule = 4096n;
  private ranges: DmaLogRange[] = [];
  private dirty = new Set<bigint>();

  start(ranges: readonly DmaLogRange[], granule: bigint): void {
    this.active = true;
    this.granule = granule;
    this.ranges = [...ranges];
    this.dirty.clear();
  }

  stop(): void {
    this.active = false;
    this.ranges = [];
    this.dirty.clear();
  }

  record(addr: bigint, len: bigint): void {
    const end = addr + len;
    for (const r of this.ranges) {
      const lo = addr > r.iova ? addr : r.iova;
      const hi = end < r.iova + r.length ? end : r.iova + r.length;
      for (let p = lo - (lo % this.granule); p < hi; p += this.granule) this.dirty.add(p);
    }
  }

  readAndClear(iova: bigint, length: bigint): bigint[] {
    const out: bigint[] = [];
    for (const p of this.dirty) if (p + this.granule > iova && p < iova + length) out.push(p);
    out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const p of out) this.dirty.delete(p);
    return out;
  }
}
