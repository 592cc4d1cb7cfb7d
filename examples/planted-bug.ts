/**
 * A small user-space driver for QEMU's edu device with a planted bug, for the testing
 * kit's walkthrough (docs/testing-kit.md). It packs DMA buffers back to back in one
 * anonymous pool and maps each one for the device at its own IOVA window.
 *
 * The bug: the window is sized `roundup(len)`, forgetting the buffer's offset inside its
 * first page. A buffer that starts mid-page and crosses a page boundary has its tail
 * unmapped, so the device's DMA of the last bytes faults in the IOMMU. Hand-picked tests
 * with page-sized buffers never see it; a property over random sizes finds it at once.
 */
import { uapi, type Host } from '../src/index.js';
import { EDU } from '../src/hardware/devices/edu.js';
import { openVfio, type VfioSession } from '../src/testing/index.js';

const PAGE = 0x1000n;
const POOL_PAGES = 32n;
const roundUp = (n: bigint): bigint => (n + PAGE - 1n) & ~(PAGE - 1n);

export class EduDriver {
  readonly s: VfioSession;
  private readonly pool: bigint;
  private poolOff = 0n;
  private nextIova = 0x10_0000n;

  constructor(readonly host: Host, bdf: string, private readonly fixed = false) {
    this.s = openVfio(host, bdf);
    this.pool = this.s.p.mmap(0n, POOL_PAGES * PAGE, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_PRIVATE | uapi.MAP_ANONYMOUS, -1, 0n);
  }

  /** A DMA buffer of `len` bytes: where the CPU sees it and where the device does. */
  alloc(len: number): { vaddr: bigint; iova: bigint } {
    const vaddr = this.pool + this.poolOff;
    this.poolOff += (BigInt(len) + 7n) & ~7n;
    const first = vaddr & ~(PAGE - 1n);
    const inPage = vaddr - first;
    const size = this.fixed ? roundUp(inPage + BigInt(len)) : roundUp(BigInt(len)); // ← the planted bug
    const iova = this.nextIova;
    this.s.p.ioctl(this.s.container, uapi.VFIO_IOMMU_MAP_DMA, {
      argsz: uapi.sizeofStruct('vfio_iommu_type1_dma_map'),
      flags: uapi.VFIO_DMA_MAP_FLAG_READ | uapi.VFIO_DMA_MAP_FLAG_WRITE, vaddr: first, iova, size,
    });
    this.nextIova += size;
    return { vaddr, iova: iova + inPage };
  }

  /** Copy `data` into a fresh buffer and let edu DMA it into its own memory. */
  send(data: Uint8Array): void {
    const buf = this.alloc(data.length);
    this.s.p.writeMem(buf.vaddr, data);
    this.reg64(EDU.DMA_SRC, buf.iova);
    this.reg64(EDU.DMA_DST, BigInt(EDU.DMA_START));
    this.reg64(EDU.DMA_CNT, BigInt(data.length));
    this.reg64(EDU.DMA_CMD, BigInt(EDU.DMA_RUN));
    this.host.advance(200_000_000n);
  }

  private reg64(off: number, v: bigint): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, v, true);
    this.s.p.pwrite(this.s.device, b, (BigInt(uapi.VFIO_PCI_BAR0_REGION_INDEX) << 40n) + BigInt(off));
  }
}
