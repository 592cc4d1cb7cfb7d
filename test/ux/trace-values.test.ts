/**
 * Issue 15 item 7: traces show values. Syscalls as strace prints them (the ioctl's struct
 * decoded from its uapi layout, flags by name, the kernel's write-back, the errno name),
 * CPU loads and stores with width, target and value, and one time unit (ns) for the trace
 * text and the JSON. The structured `detail` behind each line is what the playground shows.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatEntry, type TraceEntry } from '../../src/base/trace.js';
import { formatNs, formatTime, type TraceCall } from '../../src/base/trace-format.js';
import { Host, SignalError, uapi, type Process } from '../../src/index.js';
import { runCli } from '../../src/tools/cli/cli.js';
import { nameValue } from '../../src/uapi/value-names.js';
import { anonBuffer, openLegacyDevice } from '../support/vfio.js';

const BDF = '0000:06:00.0';

/** The entries `fn` adds to the trace. */
function during(host: Host, fn: () => void): TraceEntry[] {
  const before = host.trace.list().length;
  fn();
  return host.trace.list().slice(before);
}

function lastSyscall(host: Host): TraceEntry {
  return host.trace.list().filter((e) => e.kind === 'syscall').at(-1)!;
}

describe('ioctls read as strace prints them', () => {
  it('MAP_DMA: every field the caller set, flags by name, addresses in hex; the detail holds the same as data', () => {
    const host = new Host();
    const { p, container } = openLegacyDevice(host, BDF);
    const buf = anonBuffer(p, 0x2000n);
    p.ioctl(container, uapi.VFIO_IOMMU_MAP_DMA, { argsz: 32, flags: uapi.VFIO_DMA_MAP_FLAG_READ | uapi.VFIO_DMA_MAP_FLAG_WRITE, vaddr: buf, iova: 0x100000n, size: 0x2000n });
    const e = lastSyscall(host);
    expect(e.text).toBe(`ioctl(${container}, VFIO_IOMMU_MAP_DMA, {argsz=32, flags=VFIO_DMA_MAP_FLAG_READ|VFIO_DMA_MAP_FLAG_WRITE, vaddr=0x${buf.toString(16)}, iova=0x100000, size=0x2000}) = 0`);
    const d = e.detail as TraceCall;
    expect(d).toMatchObject({ type: 'call', syscall: 'ioctl', ret: '0' });
    expect(d.args.map((a) => a.name)).toEqual(['fd', 'request', 'arg']);
    expect(d.args[2]!.value).toEqual({
      struct: 'vfio_iommu_type1_dma_map',
      fields: [
        { name: 'argsz', value: '32' },
        { name: 'flags', value: 'VFIO_DMA_MAP_FLAG_READ|VFIO_DMA_MAP_FLAG_WRITE' },
        { name: 'vaddr', value: `0x${buf.toString(16)}` },
        { name: 'iova', value: '0x100000' },
        { name: 'size', value: '0x2000' },
      ],
    });
    expect(d.errno).toBeUndefined();
  });

  it('a failed call: -1, the errno name and the kernel check; an omitted argsz shows as 0', () => {
    const host = new Host();
    const { p, container } = openLegacyDevice(host, BDF);
    expect(() => p.ioctl(container, uapi.VFIO_IOMMU_MAP_DMA, { flags: 0x80, iova: 0x1000n, size: 0x1000n })).toThrow();
    const e = lastSyscall(host);
    expect(e.text).toMatch(/^ioctl\(\d+, VFIO_IOMMU_MAP_DMA, \{argsz=0, flags=0x80, iova=0x1000, size=0x1000\}\) = -1 EINVAL \(vfio_iommu_type1_map_dma: .+\)$/);
    expect(e.detail).toMatchObject({ ret: '-1', errno: 'EINVAL' });
    expect(() => p.ioctl(container, uapi.VFIO_IOMMU_MAP_DMA)).toThrow();
    expect(lastSyscall(host).text).toMatch(/VFIO_IOMMU_MAP_DMA, NULL\) = -1 EFAULT/);
  });

  it("what the kernel writes back follows `=>`: only the fields that changed", () => {
    const host = new Host();
    const { p, device, group } = openLegacyDevice(host, BDF);
    p.ioctl(device, uapi.VFIO_DEVICE_GET_REGION_INFO, { argsz: 32, index: uapi.VFIO_PCI_BAR0_REGION_INDEX });
    expect(lastSyscall(host).text).toBe(`ioctl(${device}, VFIO_DEVICE_GET_REGION_INFO, {argsz=32, index=0}) = 0 => {flags=VFIO_REGION_INFO_FLAG_READ|VFIO_REGION_INFO_FLAG_WRITE|VFIO_REGION_INFO_FLAG_MMAP, cap_offset=0, size=0x100000, offset=0x0}`);
    p.ioctl(group, uapi.VFIO_GROUP_GET_STATUS, { argsz: 8 });
    expect(lastSyscall(host).text).toBe(`ioctl(${group}, VFIO_GROUP_GET_STATUS, {argsz=8}) = 0 => {flags=VFIO_GROUP_FLAGS_VIABLE|VFIO_GROUP_FLAGS_CONTAINER_SET}`);
    expect((lastSyscall(host).detail as TraceCall).out).toEqual({ struct: 'vfio_group_status', fields: [{ name: 'flags', value: 'VFIO_GROUP_FLAGS_VIABLE|VFIO_GROUP_FLAGS_CONTAINER_SET' }] });
  });

  it('by-value, int-pointer and string arguments, enums by name (SET_IOMMU, SET_CONTAINER, GET_DEVICE_FD, SET_IRQS)', () => {
    const host = new Host();
    const sh = host.spawn();
    host.bind(BDF, 'vfio-pci');
    const c = sh.open('/dev/vfio/vfio');
    const g = sh.open('/dev/vfio/17');
    const lines = during(host, () => {
      sh.ioctl(g, uapi.VFIO_GROUP_SET_CONTAINER, c);
      sh.ioctl(c, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1v2_IOMMU);
      const d = sh.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD, BDF);
      const efd = sh.eventfd(0, uapi.EFD_CLOEXEC);
      sh.ioctl(d, uapi.VFIO_DEVICE_SET_IRQS, { argsz: 24, flags: uapi.VFIO_IRQ_SET_DATA_EVENTFD | uapi.VFIO_IRQ_SET_ACTION_TRIGGER, index: uapi.VFIO_PCI_MSI_IRQ_INDEX, start: 0, count: 1, data: [efd] });
    }).filter((e) => e.kind === 'syscall').map((e) => e.text);
    expect(lines).toEqual([
      `ioctl(${g}, VFIO_GROUP_SET_CONTAINER, [${c}]) = 0`,
      `ioctl(${c}, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) = 0`,
      `ioctl(${g}, VFIO_GROUP_GET_DEVICE_FD, "${BDF}") = ${g + 1}`,
      `eventfd(0, EFD_CLOEXEC) = ${g + 2}`,
      `ioctl(${g + 1}, VFIO_DEVICE_SET_IRQS, {argsz=24, flags=VFIO_IRQ_SET_DATA_EVENTFD|VFIO_IRQ_SET_ACTION_TRIGGER, index=VFIO_PCI_MSI_IRQ_INDEX, start=0, count=1, data=[${g + 2}]}) = 0`,
    ]);
  });

  it('iommufd: IOAS_ALLOC writes back out_ioas_id, IOAS_MAP names its flags', () => {
    const host = new Host();
    const sh = host.spawn();
    host.bind(BDF, 'vfio-pci');
    const iommufd = sh.open('/dev/iommu');
    const alloc = { size: 12 };
    sh.ioctl(iommufd, uapi.IOMMU_IOAS_ALLOC, alloc);
    expect(lastSyscall(host).text).toBe(`ioctl(${iommufd}, IOMMU_IOAS_ALLOC, {size=12}) = 0 => {out_ioas_id=1}`);
    const buf = anonBuffer(sh, 0x1000n);
    sh.ioctl(iommufd, uapi.IOMMU_IOAS_MAP, { size: 40, flags: uapi.IOMMU_IOAS_MAP_FIXED_IOVA | uapi.IOMMU_IOAS_MAP_READABLE, ioas_id: 1, user_va: buf, length: 0x1000n, iova: 0x200000n });
    expect(lastSyscall(host).text).toBe(`ioctl(${iommufd}, IOMMU_IOAS_MAP, {size=40, flags=IOMMU_IOAS_MAP_FIXED_IOVA|IOMMU_IOAS_MAP_READABLE, ioas_id=1, user_va=0x${buf.toString(16)}, length=0x1000, iova=0x200000}) = 0`);
  });

  it('other syscalls name their flags: open, mmap, lseek, fcntl', () => {
    const host = new Host();
    const sh = host.spawn();
    let fd = -1;
    const lines = during(host, () => {
      fd = sh.open('/dev/vfio/vfio', uapi.O_RDWR | uapi.O_CLOEXEC);
      anonBuffer(sh, 0x1000n);
      sh.fcntl(fd, uapi.F_GETFD);
    }).map((e) => e.text);
    expect(lines[0]).toBe(`open("/dev/vfio/vfio", O_RDWR|O_CLOEXEC) = ${fd}`);
    expect(lines[1]).toMatch(/^mmap\(0x0, 0x1000, PROT_READ\|PROT_WRITE, MAP_PRIVATE\|MAP_ANONYMOUS, -1, 0x0\) = 0x7eff/);
    expect(lines[2]).toBe(`fcntl(${fd}, F_GETFD, 0x0) = 1`);
    expect(nameValue('mmap.prot', 0)).toBe('PROT_NONE');
    expect(nameValue('open.flags', uapi.O_RDONLY)).toBe('O_RDONLY');
    expect(nameValue('vfio_device_feature.flags', uapi.VFIO_DEVICE_FEATURE_GET | uapi.VFIO_DEVICE_FEATURE_MIGRATION)).toBe('VFIO_DEVICE_FEATURE_MIGRATION|VFIO_DEVICE_FEATURE_GET');
  });
});

describe('entries are rendered when read, from copies taken at the call', () => {
  it('a caller reusing its argument objects and buffers does not change what the trace says', () => {
    const host = new Host();
    const { p, container, device } = openLegacyDevice(host, BDF);
    const buf = anonBuffer(p, 0x2000n);
    const map = { argsz: 32, flags: uapi.VFIO_DMA_MAP_FLAG_READ, vaddr: buf, iova: 0x100000n, size: 0x1000n };
    const data = Uint8Array.of(0x06, 0x00);
    const entries = during(host, () => {
      p.ioctl(container, uapi.VFIO_IOMMU_MAP_DMA, map);
      map.iova = 0x200000n; // the next call's values, set before anyone read the first entry
      p.ioctl(container, uapi.VFIO_IOMMU_MAP_DMA, map);
      p.pwrite(device, data, (BigInt(uapi.VFIO_PCI_CONFIG_REGION_INDEX) << 40n) + 4n);
      data[0] = 0xff;
    });
    map.flags = 0;
    expect(entries.map((e) => e.text)).toEqual([
      `ioctl(${container}, VFIO_IOMMU_MAP_DMA, {argsz=32, flags=VFIO_DMA_MAP_FLAG_READ, vaddr=0x${buf.toString(16)}, iova=0x100000, size=0x1000}) = 0`,
      `ioctl(${container}, VFIO_IOMMU_MAP_DMA, {argsz=32, flags=VFIO_DMA_MAP_FLAG_READ, vaddr=0x${buf.toString(16)}, iova=0x200000, size=0x1000}) = 0`,
      `pwrite(${device}, 0x0006, 2, config+0x4) = 2`,
    ]);
    // JSON (the CLI's --json, the playground) sees text and detail like any other field
    const json = JSON.parse(JSON.stringify(entries[2], (_k, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))) as Record<string, unknown>;
    expect(json).toMatchObject({ kind: 'syscall', text: `pwrite(${device}, 0x0006, 2, config+0x4) = 2`, detail: { type: 'call', syscall: 'pwrite' } });
  });
});

describe('loads and stores show width, target and value', () => {
  function mappedBar0(host: Host): { p: Process; device: number; bar0: bigint } {
    const { p, device } = openLegacyDevice(host, BDF);
    const bar0 = p.mmap(0n, 0x1000n, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_SHARED, device, 0n);
    p.pwrite(device, Uint8Array.of(uapi.PCI_COMMAND_MEMORY, 0), (BigInt(uapi.VFIO_PCI_CONFIG_REGION_INDEX) << 40n) + BigInt(uapi.PCI_COMMAND));
    return { p, device, bar0 };
  }

  it('MMIO through a BAR mapping: loadN/storeN bar0+off with the value at its width', () => {
    const host = new Host();
    const { p, bar0 } = mappedBar0(host);
    const cpu = during(host, () => {
      p.read32(bar0);
      p.write32(bar0 + 4n, 0x12345678);
      p.read32(bar0 + 4n);
      p.write64(bar0 + 0x80n, 0x100000n);
      p.write8(bar0 + 0x4n, 0xff);
      p.read16(bar0 + 0x4n);
    });
    expect(cpu.map((e) => `${e.kind} ${e.text}`)).toEqual([
      'cpu load32 bar0+0x0 → 0x010000ed',
      'cpu store32 bar0+0x4 ← 0x12345678',
      'cpu load32 bar0+0x4 → 0xedcba987',
      'cpu store64 bar0+0x80 ← 0x0000000000100000',
      'cpu store8 bar0+0x4 ← 0xff',
      'cpu load16 bar0+0x4 → 0xffff', // edu answers 4- and 8-byte accesses only: others read all ones
    ]);
    expect(cpu[0]!.detail).toEqual({ type: 'load', bytes: 4, addr: bar0, target: 'bar0+0x0', value: 0x010000edn });
  });

  it('values with the top bit of each half set read back whole, at every width (memory, not MMIO)', () => {
    const host = new Host();
    const { p } = openLegacyDevice(host, BDF);
    const buf = anonBuffer(p, 0x1000n);
    const cpu = during(host, () => {
      p.write64(buf, 0xfedcba9880706050n);
      p.read64(buf);
      p.write32(buf + 8n, 0xdeadbeef);
      p.read32(buf + 8n);
      p.read16(buf + 10n);
      p.read8(buf + 11n);
    });
    expect(cpu.map((e) => e.text.replace(`0x${buf.toString(16)}`, 'buf').replace(`0x${(buf + 8n).toString(16)}`, 'buf+8'))).toEqual([
      'store64 buf ← 0xfedcba9880706050',
      'load64 buf → 0xfedcba9880706050',
      'store32 buf+8 ← 0xdeadbeef',
      'load32 buf+8 → 0xdeadbeef',
      `load16 0x${(buf + 10n).toString(16)} → 0xdead`,
      `load8 0x${(buf + 11n).toString(16)} → 0xde`,
    ]);
    expect(cpu[1]!.detail).toMatchObject({ type: 'load', bytes: 8, value: 0xfedcba9880706050n });
  });

  it('config space through pwrite/pread: the region of the offset and the value', () => {
    const host = new Host();
    const { p, device } = mappedBar0(host);
    const cfg = BigInt(uapi.VFIO_PCI_CONFIG_REGION_INDEX) << 40n;
    const lines = during(host, () => {
      p.pread(device, 4, cfg);
      p.pwrite(device, Uint8Array.of(6, 0), cfg + BigInt(uapi.PCI_COMMAND));
    }).map((e) => e.text);
    expect(lines).toEqual([`pread(${device}, 0x11e81234, 4, config+0x0) = 4`, `pwrite(${device}, 0x0006, 2, config+0x4) = 2`]);
  });

  it('RAM by address; a block by its length; a fault by its signal', () => {
    const host = new Host();
    const sh = host.spawn();
    const buf = anonBuffer(sh, 0x1000n, uapi.PROT_READ);
    const lines = during(host, () => {
      sh.readMem(buf, 64);
      expect(() => sh.write32(buf, 1)).toThrow(SignalError);
    });
    expect(lines.map((e) => e.text)).toEqual([`load 0x${buf.toString(16)} [64 bytes]`, `store32 0x${buf.toString(16)}: SIGSEGV: mapping is not writable (SEGV_ACCERR)`]);
    expect(lines[1]!.detail).toMatchObject({ type: 'store', bytes: 4, signal: 'SIGSEGV: mapping is not writable (SEGV_ACCERR)' });
  });
});

describe('one time unit: ns', () => {
  it('formatNs groups digits; the trace column is fixed-width ns', () => {
    expect(formatNs(0n)).toBe('0 ns');
    expect(formatNs(1000n)).toBe('1 000 ns');
    expect(formatNs(100_000_000n)).toBe('100 000 000 ns');
    expect(formatNs(1_234_567_890_123n)).toBe('1 234 567 890 123 ns');
    expect(formatTime(5n)).toBe('              5 ns');
    expect(formatEntry({ time: 100_000_000n, kind: 'fault', who: 'iommu', text: 'x' })).toBe('[    100 000 000 ns] fault   iommu: x');
  });

  it('run --json names the unit and gives every time as decimal ns', () => {
    let out = '';
    const code = runCli(['run', 'fixtures/scenarios/04-dma-fault.json', '--json'], { out: (t) => (out += t), err: () => {}, readFile: (p) => readFileSync(p, 'utf8'), writeFile: () => {} });
    expect(code).toBe(0);
    const j = JSON.parse(out) as { timeUnit: string; steps: Array<{ time: unknown }>; trace: Array<{ time: unknown; kind: string; detail?: { value?: unknown } }> };
    expect(j.timeUnit).toBe('ns');
    expect(j.steps.at(-1)!.time).toBe(200_000_000);
    expect(j.trace.every((e) => typeof e.time === 'number')).toBe(true);
    expect(j.trace.find((e) => e.kind === 'cpu')!.detail!.value).toBe('0x0'); // 64-bit values stay hex strings
  });
});
