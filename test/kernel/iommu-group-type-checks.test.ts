/**
 * Audit, spec topology-groups-iommu.md §2.2 and §5.10: /sys/kernel/iommu_groups/N/type is
 * writable as Linux's iommu_group_store_type() allows — CAP_SYS_ADMIN + CAP_SYS_RAWIO,
 * "identity" / "DMA" / "DMA-FQ" / "auto", DMA → DMA-FQ live, everything else only on a
 * group nobody uses (EPERM), untrusted groups only DMA — and it always shows the default
 * domain's type, even while VFIO has another domain attached.
 */
import { describe, expect, it } from 'vitest';
import { Host } from '../../src/index.js';
import type { IommuDomain } from '../../src/hardware/iommu/index.js';
import { errnoOf } from '../support/errno.js';
import { rootShell } from '../support/sysfs.js';
import { iommuGroup } from '../support/kernel-state.js';

const EDU = '0000:06:00.0'; // default machine: alone in its group, no driver
const NVME = '0000:05:00.0'; // default machine: bound to nvme (a DMA-API driver)
const RID_EDU = 0x0600;

function typePath(h: Host, bdf: string): string {
  const id = rootShell(h).readlink(`/sys/bus/pci/devices/${bdf}/iommu_group`).split('/').pop();
  return `/sys/kernel/iommu_groups/${id}/type`;
}

const probe = new Uint8Array([1, 2, 3, 4]);

describe('writing /sys/kernel/iommu_groups/N/type', () => {
  it('identity makes the group passthrough (DMA reaches physical memory); auto returns to the boot type', () => {
    const h = new Host();
    const path = typePath(h, EDU);
    expect(rootShell(h).readFile(path)).toBe('DMA\n');
    expect(h.iommu!.dmaWrite(RID_EDU, 0x10_0000n, probe).ok).toBe(false);
    rootShell(h).writeFile(path, 'identity\n');
    expect(rootShell(h).readFile(path)).toBe('identity\n');
    expect(h.iommu!.dmaWrite(RID_EDU, 0x10_0000n, probe).ok).toBe(true);
    expect([...h.phys.read(0x10_0000n, 4)]).toEqual([1, 2, 3, 4]);
    rootShell(h).writeFile(path, 'auto');
    expect(rootShell(h).readFile(path)).toBe('DMA\n');
    expect(h.iommu!.dmaWrite(RID_EDU, 0x20_0000n, probe).ok).toBe(false);
  });

  it('frees the replaced default domain (iommu_setup_default_domain → iommu_domain_free)', () => {
    const h = new Host();
    const g = iommuGroup(h, EDU);
    const before = g.defaultDomain!;
    rootShell(h).writeFile(typePath(h, EDU), 'DMA');
    expect(g.defaultDomain).not.toBe(before);
    expect(h.iommu!.domainsList()).not.toContain(before);
    expect(h.iommu!.contextOf(RID_EDU)?.domain).toBe(g.defaultDomain);
  });

  it('needs CAP_SYS_ADMIN and CAP_SYS_RAWIO (EACCES), and a non-root user cannot open it for writing', () => {
    const h = new Host();
    const path = typePath(h, EDU);
    const noRawio = h.spawn({ uid: 0, caps: ['CAP_SYS_ADMIN', 'CAP_DAC_OVERRIDE'] });
    expect(errnoOf(() => noRawio.writeFile(path, 'identity'))).toBe('EACCES');
    const noAdmin = h.spawn({ uid: 0, caps: ['CAP_SYS_RAWIO', 'CAP_DAC_OVERRIDE'] });
    expect(errnoOf(() => noAdmin.writeFile(path, 'identity'))).toBe('EACCES');
    expect(errnoOf(() => h.spawn({ uid: 1000 }).writeFile(path, 'identity'))).toBe('EACCES');
    expect(rootShell(h).readFile(path)).toBe('DMA\n');
  });

  it('takes only the four words (sysfs_streq: one trailing newline); anything else is EINVAL', () => {
    const h = new Host();
    const path = typePath(h, EDU);
    for (const bad of ['dma', 'unmanaged', 'blocked', 'identity\n\n', ' DMA', '\n']) {
      expect(errnoOf(() => rootShell(h).writeFile(path, bad))).toBe('EINVAL');
    }
    // issue 14 item 7: a 0-byte write never reaches the store (sysfs_kf_write returns 0); '' used to be EINVAL
    expect(errnoOf(() => rootShell(h).writeFile(path, ''))).toBe('ok');
    expect(rootShell(h).readFile(path)).toBe('DMA\n');
  });

  it('DMA → DMA-FQ works live under a DMA-API driver, on the same domain, and unmaps become lazy', () => {
    const h = new Host();
    const path = typePath(h, NVME);
    const g = iommuGroup(h, NVME);
    const dom = g.defaultDomain as IommuDomain;
    expect(g.ownerCount).toBe(1);
    rootShell(h).writeFile(path, 'DMA-FQ');
    expect(rootShell(h).readFile(path)).toBe('DMA-FQ\n');
    expect(g.defaultDomain).toBe(dom);
    expect(dom.type).toBe('DMA-FQ');
    expect(dom.lazyFlush).toBe(true);
  });

  it('any other change while a driver uses the DMA API is EPERM and changes nothing', () => {
    const h = new Host();
    const path = typePath(h, NVME);
    for (const w of ['identity', 'DMA', 'auto']) expect(errnoOf(() => rootShell(h).writeFile(path, w))).toBe('EPERM');
    rootShell(h).writeFile(path, 'DMA-FQ');
    // DMA-FQ → DMA is not the live case
    expect(errnoOf(() => rootShell(h).writeFile(path, 'DMA'))).toBe('EPERM');
    expect(rootShell(h).readFile(path)).toBe('DMA-FQ\n');
  });

  it('a VFIO-owned group refuses (EPERM), and type keeps showing the default domain, not the user\'s (§5.10)', () => {
    const h = new Host();
    h.bind(EDU, 'vfio-pci');
    const g = iommuGroup(h, EDU);
    expect(g.claimDmaOwner({}).ok).toBe(true);
    const user = h.iommu!.allocDomain('unmanaged');
    expect(g.attachDomain(user).ok).toBe(true);
    const path = typePath(h, EDU);
    expect(rootShell(h).readFile(path)).toBe('DMA\n');
    expect(errnoOf(() => rootShell(h).writeFile(path, 'identity'))).toBe('EPERM');
    expect(g.domain).toBe(user);
  });
});

describe('type on special groups', () => {
  const untrustedBox = (invalidation: 'lazy' | 'strict') => ({
    name: 'tb', ramBytes: '0x100000000', iommu: { invalidation },
    pci: [
      { bdf: '0000:00:00.0', type: 'host-bridge' },
      { bdf: '0000:00:07.0', type: 'root-port', acs: ['SV', 'RR', 'CR', 'UF'], children: [
        { bdf: '0000:01:00.0', type: 'endpoint', model: 'edu', untrusted: true },
      ] },
      { bdf: '0000:00:08.0', type: 'rciep', model: 'edu' },
    ],
  });

  it('a lazily booted machine shows DMA-FQ, except for an untrusted device\'s group (strict DMA)', () => {
    const h = new Host(untrustedBox('lazy'));
    expect(rootShell(h).readFile(typePath(h, '0000:00:08.0'))).toBe('DMA-FQ\n');
    expect(rootShell(h).readFile(typePath(h, '0000:01:00.0'))).toBe('DMA\n');
    // auto on the trusted group returns to the boot default, DMA-FQ
    rootShell(h).writeFile(typePath(h, '0000:00:08.0'), 'identity');
    rootShell(h).writeFile(typePath(h, '0000:00:08.0'), 'auto');
    expect(rootShell(h).readFile(typePath(h, '0000:00:08.0'))).toBe('DMA-FQ\n');
  });

  it('an untrusted device\'s group refuses identity (iommu_get_default_domain_type: EINVAL); auto and DMA stay DMA', () => {
    const h = new Host(untrustedBox('strict'));
    const path = typePath(h, '0000:01:00.0');
    expect(errnoOf(() => rootShell(h).writeFile(path, 'identity'))).toBe('EINVAL');
    rootShell(h).writeFile(path, 'auto');
    expect(rootShell(h).readFile(path)).toBe('DMA\n');
    rootShell(h).writeFile(path, 'DMA');
    expect(rootShell(h).readFile(path)).toBe('DMA\n');
  });

  it('a no-IOMMU group shows unknown and refuses writes with EINVAL (no default domain)', () => {
    const h = new Host({
      name: 'noiommu', iommu: null, kernel: { params: { 'vfio.enable_unsafe_noiommu_mode': true } },
      pci: [{ bdf: '0000:00:00.0', type: 'host-bridge' }, { bdf: '0000:00:03.0', type: 'rciep', model: 'edu', driver: null }],
    });
    h.bind('0000:00:03.0', 'vfio-pci');
    const path = typePath(h, '0000:00:03.0');
    expect(rootShell(h).readFile(path)).toBe('unknown\n');
    expect(errnoOf(() => rootShell(h).writeFile(path, 'DMA'))).toBe('EINVAL');
  });
});
