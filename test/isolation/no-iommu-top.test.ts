/**
 * Without an IOMMU (and without the fabric) a device model's DMA goes straight to physical
 * memory. At the top of the physical address space (MAXPHYADDR, 2^52) nothing answers:
 * reads return all ones and writes vanish — the simulator must not throw there.
 */
import { describe, expect, it } from 'vitest';
import { Clock } from '../../src/base/clock.js';
import { Rng } from '../../src/base/rng.js';
import { PhysMem, MAX_PHYS } from '../../src/hardware/memory/phys-mem.js';
import { parseTopology } from '../../src/hardware/topology/parse.js';
import { PciDeviceModel } from '../../src/hardware/devices/model.js';
import type { AccessSize, DeviceContext, DmaOutcome } from '../../src/hardware/devices/model-types.js';
import { HostileModel } from '../../src/hardware/devices/hostile.js';
import { CFG, CMD } from '../../src/hardware/devices/config-space.js';

const TOP = BigInt(MAX_PHYS);

class Probe extends PciDeviceModel {
  read(addr: bigint, len: number): DmaOutcome {
    return this.dmaRead(addr, len);
  }
  write(addr: bigint, data: Uint8Array): DmaOutcome {
    return this.dmaWrite(addr, data);
  }
  protected mmioRead(_b: number, _o: number, _s: AccessSize): bigint {
    return 0n;
  }
  protected mmioWrite(): void {}
  protected onReset(): void {}
}

function setup() {
  const topo = parseTopology({
    name: 'flat', iommu: null,
    pci: [{ bdf: '0000:00:00.0', type: 'host-bridge' }, { bdf: '0000:00:02.0', type: 'rciep', bars: [{ index: 0, size: '0x4000', address: '0xe0000000' }] }],
  });
  const phys = new PhysMem();
  const ctx: DeviceContext = { clock: new Clock(), phys, iommu: null, rng: new Rng(1) };
  const fn = topo.byBdf('0000:00:02.0')!;
  return { phys, ctx, fn };
}

describe('no-IOMMU DMA at the top of physical memory', () => {
  it('the model base class: a read straddling 2^52 gets the memory below and all ones above; a write there stores only the part below', () => {
    const { phys, ctx, fn } = setup();
    const m = new Probe(fn, ctx);
    m.configWrite(CFG.COMMAND, 2, CMD.MEMORY | CMD.MASTER);
    phys.write(TOP - 4n, new Uint8Array([1, 2, 3, 4]));
    const r = m.read(TOP - 4n, 8);
    expect(r.ok && [...r.data]).toEqual([1, 2, 3, 4, 0xff, 0xff, 0xff, 0xff]);
    expect(m.write(TOP - 2n, new Uint8Array([9, 9, 9, 9])).ok).toBe(true);
    expect(phys.read(TOP - 4n, 4)).toEqual(new Uint8Array([1, 2, 9, 9]));
    const beyond = m.read(TOP + 0x1000n, 4);
    expect(beyond.ok && [...beyond.data]).toEqual([0xff, 0xff, 0xff, 0xff]);
    expect(m.write(TOP + 0x1000n, new Uint8Array(4)).ok).toBe(true);
  });

  it('the hostile device\'s own port behaves the same', () => {
    const { phys, ctx, fn } = setup();
    const h = new HostileModel(fn, ctx);
    phys.write(TOP - 2n, new Uint8Array([7, 7]));
    const r = h.attack({ kind: 'read', addr: TOP - 2n, len: 4 });
    expect(r.ok && 'data' in r && [...(r.data ?? [])]).toEqual([7, 7, 0xff, 0xff]);
    expect(h.attack({ kind: 'write', addr: TOP - 1n, data: new Uint8Array([5, 5]) }).ok).toBe(true);
    expect(phys.read(TOP - 2n, 2)).toEqual(new Uint8Array([7, 5]));
  });
});
