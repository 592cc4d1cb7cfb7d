/**
 * The I/OAT model register by register, beyond what the selftest driver touches: the
 * kernel ioatdma's 32-bit halves and cumulative DMACOUNT, CHANCMP write-back, interrupt
 * arming, error interrupts and write-backs, descriptor errors, SUSPEND/RESUME in the middle
 * of a self-chained run, reset timing, and the config-space error registers.
 */
import { describe, expect, it } from 'vitest';
import { Host, uapi } from '../../src/index.js';
import { IOAT } from '../../src/hardware/devices/ioat.js';
import {
  SERVER_JSON, cfgRead32, cfgWrite, channelStatus, init, memcpyStart, memcpyWait, openIoat, readMsi, regionSetup, reset,
  type Ioat, type Region,
} from './ioat-driver.js';

const DATA_IOVA = 0x2_0000_0000n;
const UNMAPPED = 0x3_0000_0000n;

function withTopology(params?: Record<string, unknown>): Host {
  if (params === undefined) return new Host(SERVER_JSON);
  const t = structuredClone(SERVER_JSON) as { pci: Array<{ bdf: string; params?: object }> };
  t.pci.find((n) => n.bdf === '0000:00:04.0')!.params = params;
  return new Host(t);
}

function setup(params?: Record<string, unknown>): { host: Host; d: Ioat; data: Region } {
  const host = withTopology(params);
  const base = openIoat(host);
  const data = regionSetup(base, DATA_IOVA, 1n << 20n);
  return { host, d: init(base), data };
}

const reg = (d: Ioat, off: number): bigint => d.bar + BigInt(off);

/** Descriptor `i` of the driver region (64 bytes each) as the hardware reads it. */
function putDesc(d: Ioat, i: number, f: { size: number; ctl?: number; src?: bigint; dst?: bigint; next: bigint }): bigint {
  const va = d.region.va + BigInt(64 * i);
  d.p.write32(va, f.size);
  d.p.write32(va + 4n, f.ctl ?? 0);
  d.p.write64(va + 8n, f.src ?? 0n);
  d.p.write64(va + 16n, f.dst ?? 0n);
  d.p.write64(va + 24n, f.next);
  return d.region.iova + BigInt(64 * i);
}

const descIova = (d: Ioat, i: number): bigint => d.region.iova + BigInt(64 * i);

function go(d: Ioat, chain: bigint, count: number, ctrl: number = IOAT.CHANCTRL_INT_REARM): void {
  d.p.write64(reg(d, IOAT.CHAINADDR), chain);
  d.p.write16(reg(d, IOAT.CHANCTRL), ctrl);
  d.p.write16(reg(d, IOAT.DMACOUNT), count);
}

describe('ioat registers', () => {
  it('reads and writes 64-bit registers as two 32-bit halves, as ioatdma does', () => {
    const { d } = setup();
    d.p.write32(reg(d, IOAT.CHANCMP), 0x8765_4321);
    d.p.write32(reg(d, IOAT.CHANCMP + 4), 0x1);
    expect(d.p.read64(reg(d, IOAT.CHANCMP))).toBe(0x1_8765_4321n);
    const a = putDesc(d, 0, { size: 8, src: DATA_IOVA, dst: DATA_IOVA + 8n, next: 0n });
    d.p.write32(reg(d, IOAT.CHAINADDR), Number(a & 0xffff_ffffn));
    d.p.write32(reg(d, IOAT.CHAINADDR + 4), Number(a >> 32n));
    d.p.write16(reg(d, IOAT.DMACOUNT), 1);
    d.host.run();
    expect(d.p.read32(reg(d, IOAT.CHANSTS))).toBe(Number(a & 0xffff_ffc0n) | IOAT.CHANSTS_DONE);
    expect(d.p.read32(reg(d, IOAT.CHANSTS + 4))).toBe(Number(a >> 32n));
    expect(d.p.read8(reg(d, IOAT.CHANSTS + 1))).toBe(Number((a >> 8n) & 0xffn));
  });

  it('DMACOUNT is a running count: raising it after DONE continues at the next descriptor of the ring', () => {
    const { d, data } = setup();
    d.p.writeMem(data.va, Uint8Array.of(1, 2, 3, 4, 5, 6));
    putDesc(d, 0, { size: 2, src: DATA_IOVA, dst: DATA_IOVA + 0x100n, next: descIova(d, 1) });
    putDesc(d, 1, { size: 2, src: DATA_IOVA + 2n, dst: DATA_IOVA + 0x102n, next: descIova(d, 2) });
    putDesc(d, 2, { size: 2, src: DATA_IOVA + 4n, dst: DATA_IOVA + 0x104n, next: descIova(d, 0) });
    go(d, descIova(d, 0), 1);
    d.host.run();
    expect(channelStatus(d)).toBe(IOAT.CHANSTS_DONE);
    expect(Array.from(d.p.readMem(data.va + 0x100n, 6))).toEqual([1, 2, 0, 0, 0, 0]);
    d.p.write16(reg(d, IOAT.DMACOUNT), 3);
    d.host.run();
    expect(Array.from(d.p.readMem(data.va + 0x100n, 6))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(d.p.read64(reg(d, IOAT.CHANSTS))).toBe(descIova(d, 2) | BigInt(IOAT.CHANSTS_DONE));
  });

  it('takes fetchNs + size / bytesPerUs per descriptor (params)', () => {
    const { host, d } = setup({ bytesPerUs: 1000, fetchNs: 100 });
    const a = putDesc(d, 0, { size: 4000, src: DATA_IOVA, dst: DATA_IOVA + 0x1000n, next: descIova(d, 0) });
    const t0 = host.clock.now();
    go(d, a, 3);
    host.run();
    expect(host.clock.now() - t0).toBe(3n * (100n + 4000n));
  });

  it('writes CHANSTS to CHANCMP after a descriptor with compl_write, and on an error with ERR_COMPLETION_EN', () => {
    const { d, data } = setup();
    d.p.write64(reg(d, IOAT.CHANCMP), DATA_IOVA + 0x800n);
    const a = putDesc(d, 0, { size: 8, ctl: IOAT.DESC_COMPL_WRITE, src: DATA_IOVA, dst: DATA_IOVA + 8n, next: descIova(d, 1) });
    go(d, a, 1);
    d.host.run();
    expect(d.p.read64(data.va + 0x800n)).toBe(a | BigInt(IOAT.CHANSTS_DONE));
    putDesc(d, 1, { size: 8, src: UNMAPPED, dst: DATA_IOVA, next: 0n });
    d.p.write16(reg(d, IOAT.CHANCTRL), IOAT.CHANCTRL_ERR_COMPLETION_EN);
    d.p.write16(reg(d, IOAT.DMACOUNT), 2);
    d.host.run();
    expect(d.p.read64(data.va + 0x800n)).toBe(a | BigInt(IOAT.CHANSTS_HALTED));
    d.p.write64(reg(d, IOAT.CHANCMP), UNMAPPED);
    reset(d);
    d.p.write64(reg(d, IOAT.CHANCMP), UNMAPPED);
    go(d, putDesc(d, 2, { size: 8, ctl: IOAT.DESC_COMPL_WRITE, src: DATA_IOVA, dst: DATA_IOVA + 8n, next: 0n }), 1);
    d.host.run();
    expect(d.p.read32(reg(d, IOAT.CHANERR))).toBe(IOAT.CHANERR_COMPLETION_ADDR_ERR);
  });

  it('interrupts once per arming; ATTNSTATUS and INTRCTRL.INT_STATUS show it until CHANCTRL.INT_REARM', () => {
    const { d } = setup();
    putDesc(d, 0, { size: 8, ctl: IOAT.DESC_INT_EN, src: DATA_IOVA, dst: DATA_IOVA + 8n, next: descIova(d, 1) });
    putDesc(d, 1, { size: 8, ctl: IOAT.DESC_INT_EN, src: DATA_IOVA, dst: DATA_IOVA + 16n, next: descIova(d, 2) });
    go(d, descIova(d, 0), 2);
    d.host.run();
    expect(readMsi(d)).toBe(1n);
    expect(d.p.read32(reg(d, IOAT.ATTNSTATUS))).toBe(1);
    expect(d.p.read8(reg(d, IOAT.INTRCTRL)) & IOAT.INTRCTRL_INT_STATUS).toBe(IOAT.INTRCTRL_INT_STATUS);
    d.p.write16(reg(d, IOAT.CHANCTRL), IOAT.CHANCTRL_INT_REARM);
    expect(d.p.read32(reg(d, IOAT.ATTNSTATUS))).toBe(0);
    expect(d.p.read16(reg(d, IOAT.CHANCTRL)) & IOAT.CHANCTRL_INT_REARM).toBe(0);
    d.p.write8(reg(d, IOAT.INTRCTRL), 0); // MSI-X vector control off: no message
    putDesc(d, 2, { size: 8, ctl: IOAT.DESC_INT_EN, src: DATA_IOVA, dst: DATA_IOVA + 24n, next: 0n });
    d.p.write16(reg(d, IOAT.DMACOUNT), 3);
    d.host.run();
    expect(readMsi(d)).toBeNull();
  });

  it('raises an error interrupt only with ERR_INT_EN', () => {
    const { d } = setup();
    go(d, putDesc(d, 0, { size: 8, src: UNMAPPED, dst: DATA_IOVA, next: 0n }), 1, IOAT.CHANCTRL_INT_REARM | IOAT.CHANCTRL_ERR_INT_EN);
    d.host.run();
    expect(readMsi(d)).toBe(1n);
    reset(d);
    go(d, putDesc(d, 0, { size: 8, src: UNMAPPED, dst: DATA_IOVA, next: 0n }), 1);
    d.host.run();
    expect(channelStatus(d)).toBe(IOAT.CHANSTS_HALTED);
    expect(readMsi(d)).toBeNull();
  });

  it.each([
    ['a misaligned chain address', (d: Ioat) => descIova(d, 0) + 8n, IOAT.CHANERR_NEXT_DESC_ALIGN_ERR],
    ['an unmapped descriptor', () => UNMAPPED, IOAT.CHANERR_NEXT_ADDR_ERR],
    ['size 0', (d: Ioat) => putDesc(d, 0, { size: 0, src: DATA_IOVA, dst: DATA_IOVA + 8n, next: 0n }), IOAT.CHANERR_LENGTH_ERR],
    ['size above XFERCAP', (d: Ioat) => putDesc(d, 0, { size: 0x10_0001, src: DATA_IOVA, dst: DATA_IOVA, next: 0n }), IOAT.CHANERR_LENGTH_ERR],
    ['a fill (not modelled)', (d: Ioat) => putDesc(d, 0, { size: 8, ctl: 0x01 << 24, dst: DATA_IOVA, next: 0n }), IOAT.CHANERR_CONTROL_ERR],
  ])('halts on %s, logs CHANERR and CHANERR_INT, and ignores the doorbell until RESET', (_what, chain, err) => {
    const { d } = setup();
    go(d, chain(d), 1);
    d.host.run();
    expect(channelStatus(d)).toBe(IOAT.CHANSTS_HALTED);
    expect(d.p.read32(reg(d, IOAT.CHANERR))).toBe(err);
    expect(cfgRead32(d.p, d.device, IOAT.PCI_CHANERR_INT)).toBe(err);
    go(d, putDesc(d, 1, { size: 8, src: DATA_IOVA, dst: DATA_IOVA + 8n, next: 0n }), 1);
    expect(d.host.run()).toBe(0);
    reset(d);
    go(d, descIova(d, 1), 1);
    d.host.run();
    expect(channelStatus(d)).toBe(IOAT.CHANSTS_DONE);
  });

  it('CHANERR and CHANERR_INT clear by writing 1s; CHANERRMSK_INT keeps a bit out of CHANERR_INT; DMAUNCERRSTS stays 0', () => {
    const { d } = setup();
    cfgWrite(d.p, d.device, IOAT.PCI_CHANERRMSK_INT, IOAT.CHANERR_READ_DATA_ERR);
    expect(cfgRead32(d.p, d.device, IOAT.PCI_CHANERRMSK_INT)).toBe(IOAT.CHANERR_READ_DATA_ERR);
    go(d, putDesc(d, 0, { size: 8, src: UNMAPPED, dst: DATA_IOVA, next: 0n }), 1);
    d.host.run();
    expect(d.p.read32(reg(d, IOAT.CHANERR))).toBe(IOAT.CHANERR_READ_DATA_ERR);
    expect(cfgRead32(d.p, d.device, IOAT.PCI_CHANERR_INT)).toBe(0);
    cfgWrite(d.p, d.device, IOAT.PCI_CHANERRMSK_INT, 0);
    reset(d);
    go(d, putDesc(d, 0, { size: 8, src: DATA_IOVA, dst: UNMAPPED, next: 0n }), 1);
    d.host.run();
    expect(cfgRead32(d.p, d.device, IOAT.PCI_CHANERR_INT)).toBe(IOAT.CHANERR_WRITE_DATA_ERR);
    d.p.write32(reg(d, IOAT.CHANERR), 0);
    expect(d.p.read32(reg(d, IOAT.CHANERR))).toBe(IOAT.CHANERR_WRITE_DATA_ERR);
    cfgWrite(d.p, d.device, IOAT.PCI_CHANERR_INT, IOAT.CHANERR_WRITE_DATA_ERR);
    expect(cfgRead32(d.p, d.device, IOAT.PCI_CHANERR_INT)).toBe(0);
    cfgWrite(d.p, d.device, IOAT.PCI_DMAUNCERRSTS, 0xffff_ffff);
    expect(cfgRead32(d.p, d.device, IOAT.PCI_DMAUNCERRSTS)).toBe(0);
  });

  it('a channel RESET reads back set for a microsecond, clears the channel registers, and keeps CHANERR; a function reset clears it', () => {
    const { host, d } = setup();
    go(d, putDesc(d, 0, { size: 8, src: UNMAPPED, dst: DATA_IOVA, next: 0n }), 1);
    host.run();
    d.p.write8(reg(d, IOAT.CHANCMD), IOAT.CHANCMD_RESET);
    expect(d.p.read8(reg(d, IOAT.CHANCMD))).toBe(IOAT.CHANCMD_RESET);
    host.advance(999n);
    expect(d.p.read8(reg(d, IOAT.CHANCMD))).toBe(IOAT.CHANCMD_RESET);
    host.advance(1n);
    expect(d.p.read8(reg(d, IOAT.CHANCMD))).toBe(0);
    expect([d.p.read64(reg(d, IOAT.CHAINADDR)), d.p.read16(reg(d, IOAT.DMACOUNT)), d.p.read64(reg(d, IOAT.CHANSTS))])
      .toEqual([0n, 0, BigInt(IOAT.CHANSTS_HALTED)]);
    expect(d.p.read32(reg(d, IOAT.CHANERR))).toBe(IOAT.CHANERR_READ_DATA_ERR);
    d.p.ioctl(d.device, uapi.VFIO_DEVICE_RESET);
    expect(d.p.read32(reg(d, IOAT.CHANERR))).toBe(0);
    expect(d.p.read8(reg(d, IOAT.INTRCTRL))).toBe(0);
  });

  it('SUSPEND in the middle of a self-chained run stops after the descriptor in progress; RESUME finishes the count', () => {
    const { host, d, data } = setup({ bytesPerUs: 1000, fetchNs: 0 });
    d.p.writeMem(data.va, new Uint8Array(1000).fill(7));
    const a = putDesc(d, 0, { size: 1000, src: DATA_IOVA, dst: DATA_IOVA + 0x1000n, next: descIova(d, 0) });
    const t0 = host.clock.now();
    go(d, a, 100);
    host.advance(10_500n); // ten and a half descriptors
    expect(channelStatus(d)).toBe(IOAT.CHANSTS_ACTIVE);
    d.p.write8(reg(d, IOAT.CHANCMD), IOAT.CHANCMD_SUSPEND);
    host.run();
    expect(channelStatus(d)).toBe(IOAT.CHANSTS_SUSPENDED);
    expect(host.clock.now() - t0).toBe(11_000n);
    d.p.write8(reg(d, IOAT.CHANCMD), IOAT.CHANCMD_RESUME);
    host.run();
    expect(channelStatus(d)).toBe(IOAT.CHANSTS_DONE);
    expect(host.clock.now() - t0).toBe(100_000n);
    expect(d.p.readMem(data.va + 0x1000n, 1000).every((b) => b === 7)).toBe(true);
  });

  it('the last repeat of a self-chained run sees the source as it is then, and faults if it was unmapped meanwhile', () => {
    const { host, d, data } = setup({ bytesPerUs: 1000, fetchNs: 0 });
    const a = putDesc(d, 0, { size: 16, src: DATA_IOVA, dst: DATA_IOVA + 0x1000n, next: descIova(d, 0) });
    go(d, a, 50);
    host.advance(100n);
    d.p.writeMem(data.va, new Uint8Array(16).fill(9));
    host.run();
    expect(d.p.readMem(data.va + 0x1000n, 16).every((b) => b === 9)).toBe(true);
    go(d, a, 50);
    host.advance(100n);
    d.unmap(DATA_IOVA, 1n << 20n);
    expect(memcpyWait(d)?.chanerr).toBe(IOAT.CHANERR_READ_DATA_ERR);
  });

  it('a null descriptor moves no data; without bus mastering nothing reaches the IOMMU', () => {
    const { host, d, data } = setup();
    d.p.writeMem(data.va, Uint8Array.of(5));
    go(d, putDesc(d, 0, { size: 1, ctl: IOAT.DESC_NULL, src: DATA_IOVA, dst: DATA_IOVA + 1n, next: 0n }), 1);
    host.run();
    expect(channelStatus(d)).toBe(IOAT.CHANSTS_DONE);
    expect(d.p.readMem(data.va + 1n, 1)[0]).toBe(0);
    reset(d);
    cfgWrite(d.p, d.device, uapi.PCI_COMMAND, uapi.PCI_COMMAND_MEMORY, 2);
    memcpyStart(d, DATA_IOVA, DATA_IOVA + 8n, 8n, 1);
    expect(memcpyWait(d)?.chanerr).toBe(IOAT.CHANERR_NEXT_ADDR_ERR);
    expect(host.faults()).toEqual([]);
  });
});
