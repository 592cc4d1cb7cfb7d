/**
 * The VGA region of a VGA-class function (and its absence under vfio_pci.disable_vga), the
 * expansion ROM region of a function with a ROM BAR, and the lifetime of a BAR mapping that
 * is unmapped piece by piece: each remaining piece keeps the device open.
 */
import { describe, expect, it } from 'vitest';
import { Host, uapi } from '../../src/index.js';
import { EDU } from '../../src/hardware/devices/edu.js';
import { EDU_BDF, machine, openDevice } from './helpers.js';
import { errnoOf } from '../support/errno.js';
import { vfioDevice } from '../support/kernel-state.js';

const VGA_BDF = '0000:05:00.0';
const rp = (bdf: string, child: object): object => ({ bdf, type: 'root-port', acs: ['SV', 'RR', 'CR', 'UF'], children: [child] });

function vgaHost(disableVga = false): Host {
  return new Host({
    name: 'vga-test',
    ramBytes: '0x40000000',
    iommu: { addressWidth: 48, pageSizes: ['4K', '2M', '1G'], interruptRemapping: true, invalidation: 'strict', platform: 'intel' },
    kernel: { params: { 'vfio_pci.disable_vga': disableVga } },
    pci: [
      { bdf: '0000:00:00.0', type: 'host-bridge' },
      rp('0000:00:05.0', {
        bdf: VGA_BDF, type: 'endpoint', vendor: '0x1234', device: '0x1111', class: '0x030000', driver: null,
        bars: [{ index: 0, size: '0x1000000', prefetchable: true }, { index: 6, size: '0x10000' }],
      }),
    ],
  });
}

const VGA_OFF = BigInt(uapi.VFIO_PCI_VGA_REGION_INDEX) << 40n;
const ROM_OFF = BigInt(uapi.VFIO_PCI_ROM_REGION_INDEX) << 40n;

function regionInfo(o: ReturnType<typeof openDevice>, index: number) {
  const a = { argsz: 32, index, flags: 0, cap_offset: 0, size: 0n, offset: 0n };
  o.p.ioctl(o.device, uapi.VFIO_DEVICE_GET_REGION_INFO, a);
  return a;
}

describe('VGA region', () => {
  it('describes 0xc0000 bytes, read/write, not mappable, and reaches the legacy windows', () => {
    const o = openDevice(vgaHost(), VGA_BDF);
    const info = regionInfo(o, uapi.VFIO_PCI_VGA_REGION_INDEX);
    expect(info.size).toBe(0xc0000n);
    expect(info.flags).toBe(uapi.VFIO_REGION_INFO_FLAG_READ | uapi.VFIO_REGION_INFO_FLAG_WRITE);
    expect(info.offset).toBe(VGA_OFF);
    // framebuffer memory: what is written reads back (an inert VGA core)
    expect(o.p.pwrite(o.device, Uint8Array.of(1, 2, 3, 4, 5), VGA_OFF + 0xb8000n)).toBe(5);
    expect([...o.p.pread(o.device, 5, VGA_OFF + 0xb8000n)]).toEqual([1, 2, 3, 4, 5]);
    // I/O ports: clipped to the window the access starts in
    expect(o.p.pwrite(o.device, new Uint8Array(16).fill(9), VGA_OFF + 0x3d8n)).toBe(8);
    expect(o.p.pread(o.device, 64, VGA_OFF + 0x3b0n).length).toBe(12);
    // outside the windows, and beyond 0xbffff
    expect(errnoOf(() => o.p.pread(o.device, 4, VGA_OFF + 0x3bcn))).toBe('EINVAL');
    expect(errnoOf(() => o.p.pread(o.device, 4, VGA_OFF + 0x1000n))).toBe('EINVAL');
    expect(errnoOf(() => o.p.pread(o.device, 4, VGA_OFF + 0xc0000n))).toBe('EINVAL');
    expect(errnoOf(() => o.p.mmap(0n, 0x1000n, uapi.PROT_READ, uapi.MAP_SHARED, o.device, VGA_OFF + 0xa0000n))).toBe('EINVAL');
  });

  it('is absent with vfio_pci.disable_vga and on non-VGA devices (EINVAL)', () => {
    const o = openDevice(vgaHost(true), VGA_BDF);
    expect(errnoOf(() => regionInfo(o, uapi.VFIO_PCI_VGA_REGION_INDEX))).toBe('EINVAL');
    expect(errnoOf(() => o.p.pread(o.device, 1, VGA_OFF + 0xa0000n))).toBe('EINVAL');
    const e = openDevice(machine(), EDU_BDF);
    expect(errnoOf(() => regionInfo(e, uapi.VFIO_PCI_VGA_REGION_INDEX))).toBe('EINVAL');
  });
});

describe('ROM region', () => {
  it('is read-only with the ROM BAR size, holds a valid option ROM, and sizes like a ROM BAR', () => {
    const o = openDevice(vgaHost(), VGA_BDF);
    const info = regionInfo(o, uapi.VFIO_PCI_ROM_REGION_INDEX);
    expect(info.size).toBe(0x10000n);
    expect(info.flags).toBe(uapi.VFIO_REGION_INFO_FLAG_READ);
    const rom = o.p.pread(o.device, 0x10000, ROM_OFF);
    expect(rom.length).toBe(0x10000);
    expect([rom[0], rom[1]]).toEqual([0x55, 0xaa]);
    const pcir = rom[0x18]! | (rom[0x19]! << 8);
    expect(String.fromCharCode(...rom.subarray(pcir, pcir + 4))).toBe('PCIR');
    expect(rom[pcir + 4]! | (rom[pcir + 5]! << 8)).toBe(0x1234);
    const image = rom[2]! * 512;
    expect(rom.subarray(0, image).reduce((s, b) => (s + b) & 0xff, 0)).toBe(0);
    expect(rom.subarray(image).every((b) => b === 0xff)).toBe(true);
    expect(o.p.pread(o.device, 64, ROM_OFF + 0xfff0n).length).toBe(16); // short at the end
    expect(errnoOf(() => o.p.pwrite(o.device, Uint8Array.of(0), ROM_OFF))).toBe('EINVAL');
    expect(errnoOf(() => o.p.mmap(0n, 0x1000n, uapi.PROT_READ, uapi.MAP_SHARED, o.device, ROM_OFF))).toBe('EINVAL');
    // ROM BAR sizing through config space: ~(size - 1), enable bit as written
    const cfg = (BigInt(uapi.VFIO_PCI_CONFIG_REGION_INDEX) << 40n) + 0x30n;
    o.p.pwrite(o.device, Uint8Array.of(0xff, 0xff, 0xff, 0xff), cfg);
    expect(new DataView(o.p.pread(o.device, 4, cfg).buffer).getUint32(0, true)).toBe(0xffff0001);
  });

  it('a function without a ROM reports size 0 and no flags', () => {
    const o = openDevice(machine(), EDU_BDF);
    const info = regionInfo(o, uapi.VFIO_PCI_ROM_REGION_INDEX);
    expect(info.size).toBe(0n);
    expect(info.flags).toBe(0);
    expect(errnoOf(() => o.p.pread(o.device, 4, ROM_OFF))).toBe('EINVAL');
  });
});

describe('BAR mmap pieces', () => {
  it('keeps the device open until the last piece of a split mapping is unmapped', () => {
    const host = machine();
    const o = openDevice(host, EDU_BDF);
    const vdev = vfioDevice(host, EDU_BDF)!;
    const cmd = new Uint8Array(2);
    cmd[0] = uapi.PCI_COMMAND_MEMORY;
    o.p.pwrite(o.device, cmd, (BigInt(uapi.VFIO_PCI_CONFIG_REGION_INDEX) << 40n) + BigInt(uapi.PCI_COMMAND));
    const va = o.p.mmap(0n, 0x3000n, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_SHARED, o.device, 0n);
    o.p.munmap(va + 0x1000n, 0x1000n); // two pieces now
    o.p.close(o.device);
    expect(vdev.openCount).toBe(1);
    o.p.munmap(va + 0x2000n, 0x1000n); // the third piece goes; the first still maps BAR0
    expect(vdev.openCount).toBe(1);
    expect(o.p.read32(va + BigInt(EDU.ID))).toBe(EDU.IDENT);
    o.p.munmap(va, 0x1000n);
    expect(vdev.openCount).toBe(0);
  });
});
