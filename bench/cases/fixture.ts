/**
 * Shared set-up for the hardware-level cases: a bare IOMMU unit over sparse physical memory,
 * one unmanaged domain and one requester attached to it, as VFIO leaves a device.
 */
import { Clock } from '../../src/base/clock.js';
import { PhysMem } from '../../src/hardware/memory/index.js';
import { Iommu, type IommuDomain } from '../../src/hardware/iommu/index.js';

/** Requester 06:00.0 (an edu behind the switch in the default machine). */
export const RID = 0x0600;
export const RW = { read: true, write: true } as const;

export interface Unit {
  readonly mem: PhysMem;
  readonly iommu: Iommu;
  readonly domain: IommuDomain;
}

export function unit(): Unit {
  const mem = new PhysMem();
  const iommu = new Iommu(mem, new Clock());
  const domain = iommu.allocDomain('unmanaged');
  iommu.attach(RID, domain);
  return { mem, iommu, domain };
}

/** Map or die: a set-up failure is a bench bug, not a figure. */
export function mustMap(u: Unit, iova: bigint, pa: bigint, size: bigint): void {
  const r = u.iommu.map(u.domain, iova, pa, size, RW);
  if (!r.ok) throw new Error(`bench set-up: map 0x${iova.toString(16)} failed: ${r.code} ${r.why ?? ''}`);
}

/** A deterministic permutation of [0, n) (xorshift-driven Fisher–Yates). */
export function permutation(n: number, seed = 0x9e3779b9): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  let x = seed >>> 0 || 1;
  for (let i = n - 1; i > 0; i--) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const j = x % (i + 1);
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}
