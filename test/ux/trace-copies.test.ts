/**
 * A traced ioctl keeps its argument as it was at the call, however the caller changes the
 * object afterwards and whenever the trace is read (toString first, list later, a listener).
 * The record keeps a flat argument (a few keys, no object values) in its own fields and copies
 * any other (trace-ioctl.ts), and a full trace hands the record it drops back for the next
 * ioctl (Trace.reuse): both ways, the write-back and the reuse are pinned here.
 */
import { describe, expect, it } from 'vitest';
import type { TraceEntry } from '../../src/base/trace.js';
import { Host, uapi } from '../../src/index.js';
import { anonBuffer, openLegacyDevice } from '../support/vfio.js';

const BDF = '0000:06:00.0';

function syscallLines(host: Host): string[] {
  return host.trace
    .list()
    .filter((e) => e.kind === 'syscall')
    .map((e) => e.text);
}

describe('a traced ioctl shows its argument as it was at the call', () => {
  it('a flat argument the kernel wrote into: the call and `=>` keep their values after the caller changes the object', () => {
    const host = new Host();
    const { p, device } = openLegacyDevice(host, BDF);
    const seen: TraceEntry[] = [];
    host.trace.subscribe((e) => seen.push(e));
    const info: Record<string, unknown> = { argsz: 32, index: uapi.VFIO_PCI_BAR0_REGION_INDEX };
    p.ioctl(device, uapi.VFIO_DEVICE_GET_REGION_INFO, info as never);
    const want = `ioctl(${device}, VFIO_DEVICE_GET_REGION_INFO, {argsz=32, index=0}) = 0 => {flags=VFIO_REGION_INFO_FLAG_READ|VFIO_REGION_INFO_FLAG_WRITE|VFIO_REGION_INFO_FLAG_MMAP, cap_offset=0, size=0x100000, offset=0x0}`;
    expect(info.size).toBe(0x100000n);
    info.size = 5n;
    info.index = 3;
    info.extra = 1;
    const text = host.trace.toString();
    expect(text.split('\n').at(-1)).toMatch(new RegExp(`syscall pid \\d+: ${want.replace(/[()[\]{}|+.]/g, '\\$&')}$`));
    expect(syscallLines(host).at(-1)).toBe(want);
    expect(host.trace.toString()).toBe(text);
    expect(seen.map((e) => e.text)).toEqual([want]);
  });

  it('a flat argument reused for the next call: each entry shows its own call, the second read the same as the first', () => {
    const host = new Host();
    const { p, container } = openLegacyDevice(host, BDF);
    const buf = anonBuffer(p, 0x2000n);
    const unmap = { argsz: 24, flags: 0, iova: 0x100000n, size: 0x1000n };
    const map = { argsz: 32, flags: uapi.VFIO_DMA_MAP_FLAG_READ, vaddr: buf, iova: 0x100000n, size: 0x1000n };
    p.ioctl(container, uapi.VFIO_IOMMU_MAP_DMA, map);
    Object.assign(map, { vaddr: buf + 0x1000n, iova: 0x101000n });
    p.ioctl(container, uapi.VFIO_IOMMU_MAP_DMA, map);
    p.ioctl(container, uapi.VFIO_IOMMU_UNMAP_DMA, unmap);
    unmap.iova = 0x101000n;
    p.ioctl(container, uapi.VFIO_IOMMU_UNMAP_DMA, unmap);
    unmap.size = 0n;
    map.flags = 0;
    const first = host.trace.toString();
    expect(syscallLines(host).slice(-4)).toEqual([
      `ioctl(${container}, VFIO_IOMMU_MAP_DMA, {argsz=32, flags=VFIO_DMA_MAP_FLAG_READ, vaddr=0x${buf.toString(16)}, iova=0x100000, size=0x1000}) = 0`,
      `ioctl(${container}, VFIO_IOMMU_MAP_DMA, {argsz=32, flags=VFIO_DMA_MAP_FLAG_READ, vaddr=0x${(buf + 0x1000n).toString(16)}, iova=0x101000, size=0x1000}) = 0`,
      `ioctl(${container}, VFIO_IOMMU_UNMAP_DMA, {argsz=24, flags=0, iova=0x100000, size=0x1000}) = 0`,
      `ioctl(${container}, VFIO_IOMMU_UNMAP_DMA, {argsz=24, flags=0, iova=0x101000, size=0x1000}) = 0`,
    ]);
    expect(host.trace.toString()).toBe(first);
  });

  it('a nested argument (SET_IRQS with its eventfd array): the array is copied too', () => {
    const host = new Host();
    const { p, device } = openLegacyDevice(host, BDF);
    const efd = p.eventfd(0, 0);
    const irq = { argsz: 24, flags: uapi.VFIO_IRQ_SET_DATA_EVENTFD | uapi.VFIO_IRQ_SET_ACTION_TRIGGER, index: uapi.VFIO_PCI_MSI_IRQ_INDEX, start: 0, count: 1, data: [efd] };
    p.ioctl(device, uapi.VFIO_DEVICE_SET_IRQS, irq);
    irq.data[0] = 99;
    irq.count = 7;
    expect(syscallLines(host).at(-1)).toBe(`ioctl(${device}, VFIO_DEVICE_SET_IRQS, {argsz=24, flags=VFIO_IRQ_SET_DATA_EVENTFD|VFIO_IRQ_SET_ACTION_TRIGGER, index=VFIO_PCI_MSI_IRQ_INDEX, start=0, count=1, data=[${efd}]}) = 0`);
  });

  it('an argument of more keys than a record holds (IOMMU_IOAS_MAP, seven): copied, and changing it later changes nothing', () => {
    const host = new Host();
    const sh = host.spawn();
    host.bind(BDF, 'vfio-pci');
    const iommufd = sh.open('/dev/iommu');
    sh.ioctl(iommufd, uapi.IOMMU_IOAS_ALLOC, { size: 12 });
    const buf = anonBuffer(sh, 0x1000n);
    const map = { size: 40, flags: uapi.IOMMU_IOAS_MAP_FIXED_IOVA | uapi.IOMMU_IOAS_MAP_READABLE, ioas_id: 1, __reserved: 0, user_va: buf, length: 0x1000n, iova: 0x200000n };
    sh.ioctl(iommufd, uapi.IOMMU_IOAS_MAP, map);
    map.iova = 0n;
    map.flags = 0;
    expect(syscallLines(host).at(-1)).toBe(`ioctl(${iommufd}, IOMMU_IOAS_MAP, {size=40, flags=IOMMU_IOAS_MAP_FIXED_IOVA|IOMMU_IOAS_MAP_READABLE, ioas_id=1, __reserved=0, user_va=0x${buf.toString(16)}, length=0x1000, iova=0x200000}) = 0`);
  });

  it('only own keys show, an own `__proto__` key included, whichever way the argument was kept', () => {
    const host = new Host();
    const p = host.spawn();
    const c = p.open('/dev/vfio/vfio');
    const inherited = Object.create({ hidden: 1 }) as Record<string, number>;
    inherited.a = 2;
    const args: unknown[] = [inherited, JSON.parse('{"__proto__": 5, "a": 1}'), { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7 }, { a: undefined, b: null, 3: 'x' }];
    for (const a of args) expect(() => p.ioctl(c, 0x1234, a as never)).toThrow();
    expect(syscallLines(host).slice(-4).map((l) => l.replace(/ = -1 .*/, ''))).toEqual([
      `ioctl(${c}, 0x1234, {a=0x2})`,
      `ioctl(${c}, 0x1234, {__proto__=0x5, a=0x1})`,
      `ioctl(${c}, 0x1234, {a=0x1, b=0x2, c=0x3, d=0x4, e=0x5, f=0x6, g=0x7})`,
      `ioctl(${c}, 0x1234, {3="x", a=0, b=0})`,
    ]);
  });

  it('a full trace reuses the records it drops: the entries kept show their own calls, flat, copied and failed alike', () => {
    const host = new Host();
    const { p, container, device } = openLegacyDevice(host, BDF);
    const buf = anonBuffer(p, 0x4000n);
    host.trace.limit = 3;
    const seen: string[] = [];
    host.trace.subscribe((e) => seen.push(e.text));
    const map = { argsz: 32, flags: uapi.VFIO_DMA_MAP_FLAG_READ, vaddr: buf, iova: 0x100000n, size: 0x1000n };
    for (let i = 0n; i < 4n; i++) p.ioctl(container, uapi.VFIO_IOMMU_MAP_DMA, { ...map, vaddr: buf + i * 0x1000n, iova: 0x100000n + i * 0x1000n });
    const info: Record<string, unknown> = { argsz: 32, index: uapi.VFIO_PCI_CONFIG_REGION_INDEX };
    p.ioctl(device, uapi.VFIO_DEVICE_GET_REGION_INFO, info as never);
    expect(() => p.ioctl(container, uapi.VFIO_IOMMU_MAP_DMA, map)).toThrow();
    p.ioctl(container, uapi.VFIO_IOMMU_UNMAP_DMA, { argsz: 24, flags: 0, iova: 0x100000n, size: 0x4000n });
    const want = [
      `ioctl(${device}, VFIO_DEVICE_GET_REGION_INFO, {argsz=32, index=7}) = 0 => {flags=VFIO_REGION_INFO_FLAG_READ|VFIO_REGION_INFO_FLAG_WRITE, cap_offset=0, size=0x1000, offset=0x70000000000}`,
      `ioctl(${container}, VFIO_IOMMU_MAP_DMA, {argsz=32, flags=VFIO_DMA_MAP_FLAG_READ, vaddr=0x${buf.toString(16)}, iova=0x100000, size=0x1000}) = -1 EEXIST (vfio_dma_do_map: range overlaps an existing mapping)`,
      `ioctl(${container}, VFIO_IOMMU_UNMAP_DMA, {argsz=24, flags=0, iova=0x100000, size=0x4000}) = 0`,
    ];
    // toString renders without replacing records by entries (list() would), so they stay reusable
    const lines = () => host.trace.toString().split('\n').map((l) => l.replace(/^.*?syscall pid \d+: /, ''));
    expect(lines()).toEqual(want);
    expect(seen.slice(-3)).toEqual(want);
    expect(seen[0]).toBe(`ioctl(${container}, VFIO_IOMMU_MAP_DMA, {argsz=32, flags=VFIO_DMA_MAP_FLAG_READ, vaddr=0x${buf.toString(16)}, iova=0x100000, size=0x1000}) = 0`);
    expect(host.trace.droppedCount()).toBeGreaterThanOrEqual(4);
    // the records of the write-back and the failure are dropped next and filled in anew
    const mapped = (i: bigint) => `ioctl(${container}, VFIO_IOMMU_MAP_DMA, {argsz=32, flags=VFIO_DMA_MAP_FLAG_READ, vaddr=0x${(buf + i * 0x1000n).toString(16)}, iova=0x${(0x100000n + i * 0x1000n).toString(16)}, size=0x1000}) = 0`;
    for (let i = 0n; i < 3n; i++) p.ioctl(container, uapi.VFIO_IOMMU_MAP_DMA, { ...map, vaddr: buf + i * 0x1000n, iova: 0x100000n + i * 0x1000n });
    expect(lines()).toEqual([mapped(0n), mapped(1n), mapped(2n)]);
    expect(host.trace.list().map((e) => e.text)).toEqual([mapped(0n), mapped(1n), mapped(2n)]);
  });
});
