/** A user's own device model, plugged in through the public Host API (docs/device-models.md). */
import { describe, expect, it } from 'vitest';
import { devices, Host, uapi } from '../../src/index.js';
import { readU64le } from '../support/bytes.js';
import { anonBuffer, openLegacyDevice } from '../support/vfio.js';

const { PciDeviceModel } = devices;
type AccessSize = devices.AccessSize;

/** Writing an IOVA to 0x08 makes it DMA 0xfeedface there; 0x00 reads 0xd00b. */
class Doorbell extends PciDeviceModel {
  private target = 0n;
  protected mmioRead(_bar: number, off: number, _size: AccessSize): bigint {
    return off === 0x08 ? this.target : off === 0x00 ? 0xd00bn : 0n;
  }
  protected mmioWrite(_bar: number, off: number, _size: AccessSize, value: bigint): void {
    if (off !== 0x08) return;
    this.target = value;
    this.ctx.clock.after(1_000n, 'doorbell', () => void this.dmaWrite(this.target, Uint8Array.of(0xce, 0xfa, 0xed, 0xfe)));
  }
  protected onReset(): void {
    this.target = 0n;
  }
}

const EDU = '0000:06:00.0';

describe('a user-written device model', () => {
  for (const how of ['option', 'method'] as const) {
    it(`replaces the built-in model (${how}) and does DMA through the IOMMU`, () => {
      const make = (fn: Parameters<typeof devices.createDeviceModel>[0], ctx: Parameters<typeof devices.createDeviceModel>[1]) => new Doorbell(fn, ctx);
      const host = how === 'option' ? new Host(undefined, { models: { [EDU]: make } }) : new Host();
      if (how === 'method') host.setDeviceModel(EDU, make);
      const { p, container, device } = openLegacyDevice(host, EDU);
      const buf = anonBuffer(p, 0x1000n);
      p.ioctl(container, uapi.VFIO_IOMMU_MAP_DMA, { argsz: 32, flags: 3, vaddr: buf, iova: 0x40000n, size: 0x1000n });
      const bar0 = uapi.VFIO_PCI_INDEX_TO_OFFSET(uapi.VFIO_PCI_BAR0_REGION_INDEX);
      const cfg = uapi.VFIO_PCI_INDEX_TO_OFFSET(uapi.VFIO_PCI_CONFIG_REGION_INDEX);
      p.pwrite(device, Uint8Array.of(uapi.PCI_COMMAND_MEMORY | uapi.PCI_COMMAND_MASTER, 0), cfg + BigInt(uapi.PCI_COMMAND));
      expect(readU64le(p.pread(device, 8, bar0))).toBe(0xd00bn);
      const v = new Uint8Array(8);
      new DataView(v.buffer).setBigUint64(0, 0x40010n, true);
      p.pwrite(device, v, bar0 + 8n);
      host.run();
      expect(p.read32(buf + 0x10n)).toBe(0xfeedface);
    });
  }

  it('refuses a BDF the topology lacks', () => {
    expect(() => new Host().setDeviceModel('0000:ee:00.0', (fn, ctx) => new Doorbell(fn, ctx))).toThrow(RangeError);
  });
});
