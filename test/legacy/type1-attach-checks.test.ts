/**
 * Audit of the type1 attach rules (spec §3.2, §3.8, §3.10; §4 #28, #30, #31, #32) against
 * vfio_iommu_type1_attach_group / _detach_group, on machines built from topology JSON.
 */
import { describe, expect, it } from 'vitest';
import { uapi, type Process } from '../../src/index.js';
import { EDU, EDU2, expectErrno, groupOf, machine, map, setup, type1Of, unmap } from './helpers.js';
import { anonBuffer } from '../support/vfio.js';
import { iommuGroup } from '../support/kernel-state.js';

function ranges(p: Process, c: number): Array<{ start: bigint; end: bigint }> {
  const a: Record<string, unknown> = { argsz: 512 };
  p.ioctl(c, uapi.VFIO_IOMMU_GET_INFO, a);
  const caps = a['caps'] as Array<Record<string, unknown>>;
  return caps.find((x) => x['id'] === uapi.VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE)!['iova_ranges'] as Array<{ start: bigint; end: bigint }>;
}

const HOLE = { start: '0x40000000', end: '0x400fffff' };

describe('attaching a second group to a backed container', () => {
  it('a reserved region over an existing mapping is EINVAL and changes nothing (vfio_iommu_resv_conflict)', () => {
    const host = machine({ fns: { [EDU2]: { reservedRegions: [{ ...HOLE, type: 'reserved' }] } } });
    const s = setup({ host, bdfs: [EDU, EDU2] });
    const { p, c } = s;
    const va = anonBuffer(p, 0x2000n);
    map(p, c, va, 0x4000_0000n, 0x1000n);
    const before = ranges(p, c);
    const g2 = p.open(`/dev/vfio/${groupOf(host, EDU2)}`);
    expectErrno(() => p.ioctl(g2, uapi.VFIO_GROUP_SET_CONTAINER, c), 'EINVAL');
    expect(ranges(p, c)).toEqual(before);
    expect(type1Of(p, c).domains[0]!.groups.length).toBe(1);
    expect(iommuGroup(host, groupOf(host, EDU2)).ownerCount).toBe(0);
    const st = { argsz: 8, flags: 0 };
    p.ioctl(g2, uapi.VFIO_GROUP_GET_STATUS, st);
    expect(st.flags).toBe(uapi.VFIO_GROUP_FLAGS_VIABLE);
  });

  it('the joining group cuts its reserved region out of the IOVA list; leaving gives the hole back (vfio_iommu_resv_refresh)', () => {
    const host = machine({ fns: { [EDU2]: { reservedRegions: [{ ...HOLE, type: 'reserved' }] } } });
    const s = setup({ host, bdfs: [EDU, EDU2] });
    const { p, c } = s;
    const va = anonBuffer(p, 0x1000n);
    const g2 = p.open(`/dev/vfio/${groupOf(host, EDU2)}`);
    p.ioctl(g2, uapi.VFIO_GROUP_SET_CONTAINER, c);
    expect(ranges(p, c)).toEqual([
      { start: 0n, end: 0x3fff_ffffn },
      { start: 0x4010_0000n, end: 0xfedf_ffffn },
      { start: 0xfef0_0000n, end: 0xffff_ffff_ffffn },
    ]);
    expectErrno(() => map(p, c, va, 0x4000_0000n, 0x1000n), 'EINVAL');
    p.ioctl(g2, uapi.VFIO_GROUP_UNSET_CONTAINER);
    expect(ranges(p, c)).toEqual([
      { start: 0n, end: 0xfedf_ffffn },
      { start: 0xfef0_0000n, end: 0xffff_ffff_ffffn },
    ]);
    expect(map(p, c, va, 0x4000_0000n, 0x1000n)).toBe(0);
  });

  it('a direct (non-relaxable) RMRR is refused by the domain attach (EPERM) before the reserved-region conflict (EINVAL)', () => {
    const host = machine({ fns: { [EDU2]: { reservedRegions: [{ ...HOLE, type: 'direct' }] } } });
    const s = setup({ host, bdfs: [EDU, EDU2] });
    const { p, c } = s;
    map(p, c, anonBuffer(p, 0x1000n), 0x4000_0000n, 0x1000n);
    const g2 = p.open(`/dev/vfio/${groupOf(host, EDU2)}`);
    expectErrno(() => p.ioctl(g2, uapi.VFIO_GROUP_SET_CONTAINER, c), 'EPERM');
    unmap(p, c, 0x4000_0000n, 0x1000n);
    expectErrno(() => p.ioctl(g2, uapi.VFIO_GROUP_SET_CONTAINER, c), 'EPERM');
    expect(type1Of(p, c).domains[0]!.groups.length).toBe(1);
  });

  it('while a vaddr is invalidated any attach is EBUSY, even one that would fail later (first check wins)', () => {
    const host = machine({ fns: { [EDU2]: { reservedRegions: [{ ...HOLE, type: 'direct' }] } } });
    const { p, c } = setup({ host, bdfs: [EDU, EDU2] });
    map(p, c, anonBuffer(p, 0x1000n), 0x1000n, 0x1000n);
    unmap(p, c, 0x1000n, 0x1000n, uapi.VFIO_DMA_UNMAP_FLAG_VADDR);
    const g2 = p.open(`/dev/vfio/${groupOf(host, EDU2)}`);
    expectErrno(() => p.ioctl(g2, uapi.VFIO_GROUP_SET_CONTAINER, c), 'EBUSY');
    expect(iommuGroup(host, groupOf(host, EDU2)).ownerCount).toBe(0);
  });

  it('a group joining a container with mappings sees them at once (one shared domain)', () => {
    const { host, p, c } = setup({ bdfs: [EDU, EDU2] });
    const va = anonBuffer(p, 0x1000n);
    p.writeMem(va, Uint8Array.of(0x5a));
    map(p, c, va, 0x8000n, 0x1000n);
    const g2 = p.open(`/dev/vfio/${groupOf(host, EDU2)}`);
    p.ioctl(g2, uapi.VFIO_GROUP_SET_CONTAINER, c);
    const rd = host.iommu!.dmaRead(0x0700, 0x8000n, 1);
    expect(rd.ok && rd.data![0]).toBe(0x5a);
  });
});

describe('interrupt isolation (iommu.interruptRemapping: false)', () => {
  it('EPERM surfaces from SET_IOMMU and leaves the container in C1; allow_unsafe_interrupts lets it through', () => {
    const host = machine({ iommu: { interruptRemapping: false } });
    const s = setup({ host, type: null });
    expectErrno(() => s.p.ioctl(s.c, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1v2_IOMMU), 'EPERM');
    expectErrno(() => s.p.ioctl(s.c, uapi.VFIO_IOMMU_GET_INFO, { argsz: 24 }), 'EINVAL');
    expectErrno(() => s.p.ioctl(s.g, uapi.VFIO_GROUP_GET_DEVICE_FD, EDU), 'EINVAL');
    expect(host.iommu!.domainsList().filter((d) => d.type === 'unmanaged').length).toBe(0);
    s.p.writeFile('/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts', 'Y');
    expect(s.p.ioctl(s.c, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1v2_IOMMU)).toBe(0);
  });

  it('the refusal is logged as the kernel warns (pr_warn in vfio_iommu_type1_attach_group), once per refused attach', () => {
    const host = machine({ iommu: { interruptRemapping: false } });
    const s = setup({ host, type: null });
    expectErrno(() => s.p.ioctl(s.c, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1v2_IOMMU), 'EPERM');
    const warned = host.trace.list().filter((e) => e.kind === 'kernel' && e.who === 'vfio_iommu_type1').map((e) => e.text);
    expect(warned).toEqual(['vfio_iommu_type1_attach_group: No interrupt remapping support.  Use the module param "allow_unsafe_interrupts" to enable VFIO IOMMU support on this platform']);
  });
});
