/**
 * Issue 15 item 1, run time: a field the request's struct lacks is a TypeError
 * (ERR_INVALID_ARG_TYPE) naming the struct and listing its fields, thrown by the syscall skin
 * before anything changes; the scenario format's `arg` is checked by the same rule, every
 * problem reported at once, and `run` refuses such a file (exit 2) before running.
 * (The compile-time half is test/types/ioctl-arguments.test-d.ts.)
 */
import { describe, expect, it } from 'vitest';
import { Host, uapi } from '../../src/index.js';
import { validateScenario } from '../../src/scenarios/index.js';
import { runCli } from '../../src/tools/cli/cli.js';
import { type1Of } from '../support/kernel-state.js';
import { anonBuffer, openLegacyDevice } from '../support/vfio.js';

const EDU = '0000:06:00.0';

function thrown(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected a throw');
}

/** Passes an argument past the compiler, as JavaScript (or a computed object) would. */
const loose = (o: Record<string, unknown>): Record<string, unknown> => o;

describe('the skin refuses an unknown argument field', () => {
  it('MAP_DMA with `vadr`: TypeError naming the struct and its fields; no mapping, no pin, no trace line', () => {
    const host = new Host();
    const { p, container } = openLegacyDevice(host, EDU);
    const buf = anonBuffer(p, 0x1000n);
    const before = host.trace.list().length;
    const e = thrown(() => p.ioctl(container, uapi.VFIO_IOMMU_MAP_DMA, loose({ argsz: 32, flags: 3, vadr: buf, iova: 0n, size: 0x1000n })));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.code).toBe('ERR_INVALID_ARG_TYPE');
    expect(e.message).toBe('arg.vadr: struct vfio_iommu_type1_dma_map has no field vadr (fields: argsz, flags, vaddr, iova, size)');
    expect(type1Of(p, container).dmas.size).toBe(0);
    expect(host.trace.list().length).toBe(before);
    // The same call spelt right maps.
    p.ioctl(container, uapi.VFIO_IOMMU_MAP_DMA, { argsz: 32, flags: 3, vaddr: buf, iova: 0n, size: 0x1000n });
    expect(type1Of(p, container).dmas.size).toBe(1);
  });

  it('a request number computed at run time is checked too: the fd says which struct it is', () => {
    const host = new Host();
    const { p, container, device } = openLegacyDevice(host, EDU);
    const request: number = uapi._IO(uapi.VFIO_TYPE, uapi.VFIO_BASE + 13);
    expect(thrown(() => p.ioctl(container, request, { argsz: 32, sise: 1n })).message).toMatch(/^arg\.sise: struct vfio_iommu_type1_dma_map has no field sise/);
    // The same number on a device fd is VFIO_DEVICE_PCI_HOT_RESET: its own struct.
    expect(thrown(() => p.ioctl(device, request, { argsz: 12, iova: 0n })).message).toMatch(/^arg\.iova: struct vfio_pci_hot_reset has no field iova \(fields: argsz, flags, count, group_fds\)/);
  });

  it('nested structs, struct arrays and payloads are checked at their paths', () => {
    const host = new Host();
    const { p, container } = openLegacyDevice(host, EDU);
    const unmap = thrown(() => p.ioctl(container, uapi.VFIO_IOMMU_UNMAP_DMA, loose({ argsz: 48, flags: 1, iova: 0n, size: 0x1000n, bitmap: { pgsz: 0x1000n } })));
    expect(unmap.message).toBe('arg.bitmap.pgsz: struct vfio_bitmap has no field pgsz (fields: pgsize, size, data)');
    const fd = p.open('/dev/iommu');
    const ranges = thrown(() => p.ioctl(fd, uapi.IOMMU_IOAS_IOVA_RANGES, loose({ size: 32, ioas_id: 1, num_iovas: 1, allowed_iovas: [{ start: 0n, end: 1n }] })));
    expect(ranges.code).toBe('ERR_INVALID_ARG_TYPE');
    expect(ranges.message).toBe('arg.allowed_iovas[0].end: struct iommu_iova_range has no field end (fields: start, last)');
    const feature = thrown(() => p.ioctl(openLegacyDevice(new Host(), EDU).device, uapi.VFIO_DEVICE_FEATURE, loose({ argsz: 16, flags: uapi.VFIO_DEVICE_FEATURE_SET | uapi.VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE, data: { device_stat: 1 } })));
    expect(feature.message).toMatch(/^arg\.data\.device_stat: struct vfio_device_feature_mig_state has no field device_stat/);
  });

  it('what uaccess defines beyond the C fields passes: __trailing, caps, arg.bitmap, a spread DIRTY_PAGES payload', () => {
    const host = new Host();
    const { p, container } = openLegacyDevice(host, EDU);
    const fd = p.open('/dev/iommu');
    const alloc = { size: 16, flags: 0, out_ioas_id: 0, __trailing: [0, 0, 0, 0] };
    expect(p.ioctl(fd, uapi.IOMMU_IOAS_ALLOC, alloc)).toBe(0);
    const info = { argsz: 0x100, flags: 0, iova_pgsizes: 0n, cap_offset: 0, pad: 0 };
    p.ioctl(container, uapi.VFIO_IOMMU_GET_INFO, info);
    expect(p.ioctl(container, uapi.VFIO_IOMMU_GET_INFO, info)).toBe(0); // now holding `caps`
    expect((info as { caps?: unknown[] }).caps?.length).toBeGreaterThan(0);
    // START then GET_BITMAP with iova/size/bitmap at the top level (docs/legacy-vfio.md).
    p.ioctl(container, uapi.VFIO_IOMMU_DIRTY_PAGES, { argsz: 8, flags: uapi.VFIO_IOMMU_DIRTY_PAGES_FLAG_START });
    const bm = anonBuffer(p, 0x1000n);
    const get = { argsz: 48, flags: uapi.VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP, iova: 0n, size: 0x1000n, bitmap: { pgsize: 0x1000n, size: 8n, data: bm } };
    expect(() => p.ioctl(container, uapi.VFIO_IOMMU_DIRTY_PAGES, get)).not.toThrow(TypeError);
  });

  it('keys in any order, an unknown key after known ones, inherited keys: the same answers as in C field order', () => {
    const host = new Host();
    const { p, container } = openLegacyDevice(host, EDU);
    const buf = anonBuffer(p, 0x2000n);
    // the C order and a shuffled one both map
    expect(p.ioctl(container, uapi.VFIO_IOMMU_MAP_DMA, { argsz: 32, flags: 3, vaddr: buf, iova: 0n, size: 0x1000n })).toBe(0);
    expect(p.ioctl(container, uapi.VFIO_IOMMU_MAP_DMA, { size: 0x1000n, iova: 0x1000n, vaddr: buf + 0x1000n, flags: 3, argsz: 32 })).toBe(0);
    // an unknown key last, after every known one, and one between them
    const last = thrown(() => p.ioctl(container, uapi.VFIO_IOMMU_UNMAP_DMA, loose({ argsz: 24, flags: 0, iova: 0n, size: 0x1000n, sizes: 1n })));
    expect(last.message).toMatch(/^arg\.sizes: struct vfio_iommu_type1_dma_unmap has no field sizes/);
    const between = thrown(() => p.ioctl(container, uapi.VFIO_IOMMU_UNMAP_DMA, loose({ argsz: 24, flag: 0, iova: 0n, size: 0x1000n })));
    expect(between.message).toMatch(/^arg\.flag: struct vfio_iommu_type1_dma_unmap has no field flag/);
    expect(type1Of(p, container).dmas.size).toBe(2);
    // an enumerable key inherited from the prototype is not the argument's own: it is ignored,
    // and an own field next to it still counts
    const proto = { vadr: 1n };
    const arg = Object.assign(Object.create(proto) as Record<string, unknown>, { argsz: 24, flags: 0, iova: 0n, size: 0x1000n });
    expect(p.ioctl(container, uapi.VFIO_IOMMU_UNMAP_DMA, arg)).toBe(0);
    expect(type1Of(p, container).dmas.size).toBe(1);
  });

  it('no check where the kernel never reads a struct: a closed fd is EBADF, an unknown request ENOTTY', () => {
    const host = new Host();
    const { p, container } = openLegacyDevice(host, EDU);
    expect(thrown(() => p.ioctl(99, uapi.VFIO_IOMMU_MAP_DMA, loose({ vadr: 1n }))).code).toBe('EBADF');
    expect(thrown(() => p.ioctl(container, 0x3bff, { vadr: 1n })).code).toBe('ENOTTY');
  });
});

describe('the scenario format: arg checked by the same rule, every problem in one pass', () => {
  const topology = { name: 't', pci: [{ bdf: '0000:00:01.0', type: 'endpoint' }] };
  const steps = [
    { op: 'open', path: '/dev/vfio/vfio', as: 'c' },
    { op: 'ioctl', fd: 'c', request: 'VFIO_IOMMU_MAP_DMA', arg: { argsz: 32, flags: ['VFIO_DMA_MAP_FLAG_READ', 'VFIO_DMA_MAP_FLAG_WRTE'], vadr: 0, iova: '$nowhere', sise: '0x1000' } },
  ];

  it('validate names each: the unknown fields with the struct and its fields, the bad flag, the unset variable', () => {
    const r = validateScenario({ name: 's', topology, steps });
    if (r.ok) throw new Error('expected issues');
    const byPath = Object.fromEntries(r.issues.map((i) => [i.path, i.message]));
    expect(Object.keys(byPath).sort()).toEqual(['steps[1].arg.flags[1]', 'steps[1].arg.iova', 'steps[1].arg.sise', 'steps[1].arg.vadr']);
    expect(byPath['steps[1].arg.vadr']).toBe('struct vfio_iommu_type1_dma_map has no field vadr (fields: argsz, flags, vaddr, iova, size)');
    expect(byPath['steps[1].arg.flags[1]']).toMatch(/VFIO_DMA_MAP_FLAG_WRTE/);
    expect(byPath['steps[1].arg.iova']).toMatch(/\$nowhere/);
  });

  it('run refuses the file before running (exit 2), listing the same problems', () => {
    let err = '';
    const code = runCli(['run', '/s.json'], { out: () => {}, err: (t) => (err += t + '\n'), readFile: () => JSON.stringify({ name: 's', topology, steps }), writeFile: () => {} });
    expect(code).toBe(2);
    for (const path of ['steps[1].arg.vadr', 'steps[1].arg.sise', 'steps[1].arg.flags[1]', 'steps[1].arg.iova']) expect(err).toContain(path);
    expect(err).toContain('struct vfio_iommu_type1_dma_map has no field sise');
  });

  it('a payload struct in a byte array is checked as that struct (UNMAP_DMA bitmap, a DEVICE_FEATURE by its flags)', () => {
    const r = validateScenario({ name: 's', topology, steps: [
      { op: 'open', path: '/dev/vfio/vfio', as: 'c' },
      { op: 'ioctl', fd: 'c', request: 'VFIO_IOMMU_UNMAP_DMA', arg: { argsz: 48, flags: 'VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP', iova: 0, size: '0x1000', bitmap: { pgsize: '0x1000', size: 8, data: 0 } } },
      { op: 'ioctl', fd: 'c', request: 'VFIO_IOMMU_UNMAP_DMA', arg: { argsz: 48, data: { pgsize: '0x1000', bogus: 1 } } },
      { op: 'ioctl', fd: 'c', request: 'VFIO_DEVICE_FEATURE', arg: { argsz: 16, flags: ['VFIO_DEVICE_FEATURE_SET', 'VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE'], data: { device_state: 'VFIO_DEVICE_STATE_STOP', data_fd: -1 } } },
    ] });
    if (r.ok) throw new Error('expected issues');
    expect(r.issues).toEqual([{ path: 'steps[2].arg.data.bogus', message: 'struct vfio_bitmap has no field bogus (fields: pgsize, size, data)' }]);
  });
});
