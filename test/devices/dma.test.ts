import { describe, expect, it } from 'vitest';
import { uapi } from '../../src/index.js';
import { EDU } from '../../src/hardware/devices/edu.js';
import { cfgRead, cfgWrite, dmaBuffer, EDU_BDF, machine, openDevice, u32 } from '../vfio-pci/helpers.js';
import { u64le } from '../support/bytes.js';

function eduWithDma(extra: Record<string, object> = {}) {
  const host = machine(extra);
  const o = openDevice(host, EDU_BDF);
  cfgWrite(o, uapi.PCI_COMMAND, 2, cfgRead(o, uapi.PCI_COMMAND, 2) | uapi.PCI_COMMAND_MASTER);
  const w64 = (off: number, v: bigint) => {
    o.p.pwrite(o.device, u64le(v), BigInt(off));
  };
  const dma = (src: bigint, dst: bigint, cnt: bigint, toRam: boolean) => {
    w64(EDU.DMA_SRC, src);
    w64(EDU.DMA_DST, dst);
    w64(EDU.DMA_CNT, cnt);
    w64(EDU.DMA_CMD, BigInt(EDU.DMA_RUN | (toRam ? EDU.DMA_DIR_TO_RAM : 0)));
    host.run();
  };
  return { host, o, dma };
}

describe('edu DMA through the IOMMU', () => {
  it('copies RAM → device buffer → RAM at mapped IOVAs', () => {
    const { o, dma } = eduWithDma();
    const va = dmaBuffer(o, 0x10000n, 0x2000n);
    o.p.writeMem(va, Uint8Array.of(1, 2, 3, 4));
    dma(0x10000n, BigInt(EDU.DMA_START), 4n, false);
    dma(BigInt(EDU.DMA_START), 0x11000n, 4n, true);
    expect(Array.from(o.p.readMem(va + 0x1000n, 4))).toEqual([1, 2, 3, 4]);
  });

  it('a write into a read-only IOVA faults, is logged with the requester, and leaves memory untouched', () => {
    const { host, o, dma } = eduWithDma();
    const va = dmaBuffer(o, 0x10000n, 0x1000n, uapi.VFIO_DMA_MAP_FLAG_READ);
    o.p.writeMem(va, Uint8Array.of(9, 9, 9, 9));
    o.p.pwrite(o.device, u32(0), BigInt(EDU.DMA_START)); // nothing: the buffer is device-internal
    dma(BigInt(EDU.DMA_START), 0x10000n, 4n, true);
    expect(Array.from(o.p.readMem(va, 4))).toEqual([9, 9, 9, 9]);
    const f = host.faults();
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ source: EDU_BDF, iova: 0x10000n, access: 'write' });
    expect(host.trace.list().some((e) => e.kind === 'fault')).toBe(true);
  });

  it('an unmapped IOVA read faults; without bus mastering nothing reaches the IOMMU', () => {
    const { host, o, dma } = eduWithDma();
    dma(0x500000n, BigInt(EDU.DMA_START), 8n, false);
    expect(host.faults().map((x) => [x.iova, x.access])).toEqual([[0x500000n, 'read']]);
    cfgWrite(o, uapi.PCI_COMMAND, 2, cfgRead(o, uapi.PCI_COMMAND, 2) & ~uapi.PCI_COMMAND_MASTER);
    dma(0x600000n, BigInt(EDU.DMA_START), 8n, false);
    expect(host.faults()).toHaveLength(1);
  });

  it('clamps bus addresses by the DMA mask (params.dmaMask)', () => {
    const { host, o, dma } = eduWithDma({ edu: { params: { dmaMask: '0xfffff' } } });
    const va = dmaBuffer(o, 0x10000n, 0x1000n);
    o.p.writeMem(va, Uint8Array.of(7));
    dma(0x1_0001_0000n, BigInt(EDU.DMA_START), 1n, false); // clamped to 0x10000
    dma(BigInt(EDU.DMA_START), 0x10010n, 1n, true);
    expect(o.p.readMem(va + 0x10n, 1)[0]).toBe(7);
    expect(host.faults()).toEqual([]);
  });
});
