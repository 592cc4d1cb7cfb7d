/** The Intel IOMMU debugfs view, read the way tools/testing/selftests/vfio/vfio_dma_mapping_test.c reads it. */
import { describe, expect, it } from 'vitest';
import { Host, uapi, type Process } from '../../src/index.js';
import { EDU, map, setup, unmap } from '../legacy/helpers.js';
import { anonBuffer, PROT_RW } from '../support/vfio.js';
import { expectErrno } from '../support/errno.js';
import { virtToPhys } from '../support/kernel-state.js';

interface Mapping { pgd: bigint; p4d: bigint; pud: bigint; pmd: bigint; pte: bigint }

/** intel_iommu_mapping_get(): fgets each line, strtok_r on " \t|\n", sscanf "0x%lx". */
function mappingGet(p: Process, bdf: string, iova: bigint): Mapping | null {
  const fd = p.open(`/sys/kernel/debug/iommu/intel/${bdf}/domain_translation_struct`, uapi.O_RDONLY);
  let text = '';
  for (let b = p.read(fd, 4096); b.length > 0; b = p.read(fd, 4096)) text += new TextDecoder().decode(b);
  p.close(fd);
  let lineIova = -1n;
  for (const line of text.split('\n')) {
    const toks = line.split(/[ \t|]+/).filter((t) => t.length > 0);
    const num = (t: string | undefined) => (t !== undefined && /^0x[0-9a-f]+/i.test(t) ? BigInt(t.match(/^0x[0-9a-f]+/i)![0]) : null);
    lineIova = num(toks[0]) ?? lineIova;
    if (lineIova !== iova / 4096n) continue;
    const v = (i: number) => num(toks[i]) ?? 0n;
    return { pgd: v(1), p4d: v(2), pud: v(3), pmd: v(4), pte: v(5) };
  }
  return null;
}

describe('/sys/kernel/debug/iommu/intel/<bdf>/domain_translation_struct', () => {
  it('shows the page size of each mapping as vfio_dma_mapping_test checks it (4K, 2M, 1G), and forgets it after unmap', () => {
    const { p, c } = setup();
    const small = anonBuffer(p, 0x1000n);
    map(p, c, small, 0x10_0000n, 0x1000n);
    const m2 = p.mmap(0n, 0x20_0000n, PROT_RW, uapi.MAP_PRIVATE | uapi.MAP_ANONYMOUS | uapi.MAP_HUGETLB | uapi.MAP_HUGE_2MB, -1, 0n);
    map(p, c, m2, 0x20_0000n, 0x20_0000n);
    const m1 = p.mmap(0n, 1n << 30n, PROT_RW, uapi.MAP_PRIVATE | uapi.MAP_ANONYMOUS | uapi.MAP_HUGETLB | uapi.MAP_HUGE_1GB, -1, 0n);
    map(p, c, m1, 1n << 30n, 1n << 30n);
    const a = mappingGet(p, EDU, 0x10_0000n)!;
    expect(a.pte).not.toBe(0n);
    expect(a.pte & ~0xfffn).toBe(virtToPhys(p, small));
    const b = mappingGet(p, EDU, 0x20_0000n)!;
    expect([b.pte, b.pmd !== 0n]).toEqual([0n, true]);
    const g = mappingGet(p, EDU, 1n << 30n)!;
    expect([g.pte, g.pmd, g.pud !== 0n, g.pgd]).toEqual([0n, 0n, true, 0n]); // 4-level table: PML5E is 0
    unmap(p, c, 0x10_0000n, 0x1000n);
    expect(mappingGet(p, EDU, 0x10_0000n)).toBeNull();
  });

  it('is root only, Intel only, and lists every device the IOMMU probed', () => {
    const host = new Host();
    host.bind(EDU, 'vfio-pci');
    const user = host.spawn({ uid: 1000, gid: 1000 });
    expectErrno(() => user.open(`/sys/kernel/debug/iommu/intel/${EDU}/domain_translation_struct`, uapi.O_RDONLY), 'EACCES');
    const root = host.spawn();
    expect(root.readdir('/sys/kernel/debug/iommu/intel')).toContain(EDU);
    expect(root.readFile(`/sys/kernel/debug/iommu/intel/${EDU}/domain_translation_struct`).split('\n')[1]).toBe('IOVA_PFN\t\tPML5E\t\t\tPML4E\t\t\tPDPE\t\t\tPDE\t\t\tPTE');
  });

  it('does not exist on an AMD IOMMU or without one (the selftest then skips the check)', () => {
    for (const iommu of [{ platform: 'amd', invalidation: 'strict' }, null]) {
      const host = new Host({ name: 'x', ramBytes: '0x100000000', iommu, pci: [{ bdf: '0000:00:00.0', type: 'host-bridge' }, { bdf: '0000:00:14.0', type: 'rciep', model: 'edu', class: '0x0c0330' }] });
      expectErrno(() => host.spawn().readdir('/sys/kernel/debug/iommu/intel'), 'ENOENT');
    }
  });
});
