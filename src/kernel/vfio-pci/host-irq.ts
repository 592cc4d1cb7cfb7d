/**
 * The host side of message-signalled interrupts (kernel/irq, arch/x86 vector domain and the
 * IOMMU's IRQ remapping domain, reduced to what VFIO needs): allocating CPU vectors,
 * programming interrupt-remapping entries, composing the address/data pair a device must
 * write, and binding each vector's handler in the machine's interrupt controller, which
 * dispatches an arriving message (a Kernel field, `k.irqs`).
 *
 * Invariants: a (destination, vector) pair belongs to at most one handler; with interrupt
 * remapping every message goes through an IRTE whose source id is the function's requester
 * id; without it the message is compatibility format (address 0xFEE<dest>000, data = vector).
 */
import { vectorKey, type InterruptController } from '../../hardware/cpu/interrupt-controller.js';
import { remappableAddress, type InterruptRemapTable } from '../../hardware/iommu/interrupt-remap.js';
import { X86_MSI_BASE_ADDRESS_LOW } from '../../uapi/x86.js';

const FIRST_VECTOR = 0x20;
const LAST_VECTOR = 0xef;

export interface MsiBlock {
  /** The address/data the device writes for vector i: `data + i` (MSI) or `datas[i]` (MSI-X). */
  readonly address: bigint;
  readonly datas: readonly number[];
  readonly keys: readonly number[];
  readonly irtes: readonly number[];
}

export class HostIrqs {
  /**
   * A cap on the vectors the host can hand out in total (null: only the vector space and the
   * remapping table limit it). Tests lower it to reproduce hosts that run short, where
   * pci_alloc_irq_vectors() grants fewer vectors than asked.
   */
  vectorLimit: number | null = null;

  /** `irt`: the IOMMU's interrupt remapping table, null when remapping is off or absent. */
  constructor(private readonly cpus: InterruptController, private readonly irt: InterruptRemapTable | null) {}

  /**
   * Allocate `n` vectors (a naturally aligned power-of-two block when `contiguous`, as
   * multi-message MSI needs), remap them for requester `rid`, bind `handler(i)` to each.
   * Returns null when the vector space or the remapping table is exhausted.
   */
  alloc(n: number, rid: number, contiguous: boolean, handler: (i: number) => void): MsiBlock | null {
    if (this.vectorLimit !== null && this.cpus.boundCount + n > this.vectorLimit) return null;
    const size = contiguous ? 1 << Math.ceil(Math.log2(Math.max(1, n))) : 1;
    const keys: number[] = [];
    for (let dest = 0; dest < 256 && keys.length < n; dest++) {
      for (let v = FIRST_VECTOR; v + size - 1 <= LAST_VECTOR && keys.length < n; v += size) {
        const block = Array.from({ length: size }, (_, i) => vectorKey(dest, v + i));
        if (block.some((key) => this.cpus.isBound(key) || keys.includes(key))) continue;
        if (contiguous) keys.push(...block.slice(0, n));
        else keys.push(block[0]!);
      }
    }
    if (keys.length < n) return null;
    const irt = this.irt;
    let irtes: number[] = [];
    if (irt !== null) {
      const base = this.freeIrteBlock(contiguous ? n : 1, contiguous);
      if (base === null) return null;
      if (contiguous) irtes = keys.map((_, i) => base + i);
      else {
        irtes = [];
        for (let i = 0; i < n; i++) {
          const idx = this.freeIrteBlock(1, false, irtes);
          if (idx === null) return null;
          irtes.push(idx);
        }
      }
      keys.forEach((key, i) => irt.set(irtes[i]!, { vector: key & 0xff, destination: key >> 8, sourceRid: rid }));
    }
    keys.forEach((key, i) => this.cpus.bind(key, () => handler(i)));
    return this.compose(keys, irtes, contiguous);
  }

  private compose(keys: number[], irtes: number[], contiguous: boolean): MsiBlock {
    if (irtes.length > 0) {
      if (contiguous) return { address: BigInt((remappableAddress(irtes[0]!) | 0x8) >>> 0), datas: keys.map((_, i) => i), keys, irtes };
      return { address: BigInt(remappableAddress(irtes[0]!)), datas: keys.map(() => 0), keys, irtes, ...{ addresses: irtes.map((i) => BigInt(remappableAddress(i))) } };
    }
    const dest = keys[0]! >> 8;
    return { address: X86_MSI_BASE_ADDRESS_LOW | (BigInt(dest) << 12n), datas: keys.map((k) => k & 0xff), keys, irtes };
  }

  /** The address a non-contiguous (MSI-X) vector `i` of `b` must use. */
  addressOf(b: MsiBlock, i: number): bigint {
    if (b.irtes.length > 0) return BigInt(remappableAddress(b.irtes[i]!));
    return X86_MSI_BASE_ADDRESS_LOW | (BigInt(b.keys[i]! >> 8) << 12n);
  }

  /** How many of `n` vectors an allocation could get now (pci_alloc_irq_vectors(1, n)'s answer). */
  available(n: number, rid: number, contiguous: boolean): number {
    for (let m = n; m >= 1; m--) {
      const b = this.alloc(m, rid, contiguous, () => {});
      if (b !== null) {
        this.free(b);
        return m;
      }
    }
    return 0;
  }

  free(b: MsiBlock): void {
    for (const key of b.keys) this.cpus.unbind(key);
    for (const i of b.irtes) this.irt?.free(i);
  }

  private freeIrteBlock(n: number, aligned: boolean, taken: number[] = []): number | null {
    const irt = this.irt!;
    for (let i = 0; i + n <= irt.size; i += aligned ? 1 : 1) {
      let free = true;
      for (let j = 0; j < n && free; j++) if (irt.get(i + j) !== undefined || taken.includes(i + j)) free = false;
      if (free) return i;
    }
    return null;
  }
}
