/**
 * debugfs, mounted at /sys/kernel/debug: the Intel IOMMU's per-device view
 * `iommu/intel/<bdf>/domain_translation_struct` (drivers/iommu/intel/debugfs.c), present
 * only on an Intel IOMMU, for every device the IOMMU probed.
 *
 * Format (domain_translation_struct_show → pgtable_walk_level → dump_page_info): a line
 * "Device <bdf> @0x<pgd>", the header "IOVA_PFN PML5E PML4E PDPE PDE PTE" (tab separated),
 * then one line per leaf in IOVA order: the leaf's IOVA >> 12 as "0x%013lx |", then the
 * entries on the walk from the top as "0x%016llx", tab separated — PML5E, PML4E and PDPE
 * always (0 above a table's top level), then PDE unless the leaf is a 1 GiB PDPE, then PTE
 * unless it is a 2 MiB PDE. So the page size of a mapping reads off which columns are
 * non-zero, as the kernel's vfio_dma_mapping_test parses it. A leaf entry is its physical
 * address | R (bit 0) | W (bit 1) | superpage (bit 7); table entries carry R|W and a
 * synthetic address (the simulator's page-table pages have no physical address).
 * Nothing is printed for a device whose context is not translating.
 *
 * Root only: debugfs is mounted 0700; here each file is root-owned 0400 (the simulated
 * VFS does not check search permission on the directories).
 */
import { ok } from '../../base/result.js';
import type { Kernel } from '../kernel.js';
import { computedDir, staticDir, type DirNode, type TextFileNode } from './node.js';

const hex = (v: bigint, w: number) => `0x${v.toString(16).padStart(w, '0')}`;
const RW = 3n;
const SUPERPAGE = 1n << 7n;

/** A stand-in address for the table page at `level` covering `iova` (non-zero, page aligned). */
function tableEntry(domainId: number, level: number, iova: bigint): bigint {
  const index = iova >> BigInt(12 + 9 * level);
  return ((BigInt(domainId) << 36n) | (BigInt(level) << 32n) | (index & 0xffffffn)) << 12n | RW;
}

export function domainTranslationText(k: Kernel, bdf: string, rid: number): string {
  const ctx = k.iommu?.contextOf(rid);
  const dom = ctx?.mode === 'translate' ? ctx.domain : null;
  let out = `Device ${bdf} @${hex(dom === null ? 0n : tableEntry(dom.id, 5, 0n) & ~0xfffn, 0)}\n`;
  out += 'IOVA_PFN\t\tPML5E\t\t\tPML4E\t\t\tPDPE\t\t\tPDE\t\t\tPTE\n';
  if (dom === null) return out;
  const pt = dom.pageTable;
  for (const leaf of pt.leaves()) {
    const leafLevel = leaf.size === 1n << 30n ? 3 : leaf.size === 1n << 21n ? 2 : 1;
    const path = [0n, 0n, 0n, 0n, 0n, 0n];
    for (let L = pt.levels; L > leafLevel; L--) path[L] = tableEntry(dom.id, L, leaf.iova);
    path[leafLevel] = leaf.pa | (leaf.read ? 1n : 0n) | (leaf.write ? 2n : 0n) | (leafLevel > 1 ? SUPERPAGE : 0n);
    let line = `${hex(leaf.iova >> 12n, 13)} |\t${hex(path[5]!, 16)}\t${hex(path[4]!, 16)}\t${hex(path[3]!, 16)}`;
    if (path[2] !== 0n) {
      line += `\t${hex(path[2]!, 16)}`;
      if (path[1] !== 0n) line += `\t${hex(path[1]!, 16)}`;
    }
    out += `${line}\n`;
  }
  return out;
}

function deviceDir(k: Kernel, bdf: string, rid: number): DirNode {
  const f: TextFileNode = { type: 'file', mode: 0o400, uid: 0, gid: 0, read: () => ok(domainTranslationText(k, bdf, rid)) };
  return staticDir({ domain_translation_struct: f });
}

/** /sys/kernel/debug. */
export function debugfsRoot(k: Kernel): DirNode {
  const probed = () => k.pci.devices.filter((d) => d.group !== null);
  const intel = computedDir(
    () => probed().map((d) => [d.bdf, deviceDir(k, d.bdf, d.fn.rid)] as const),
    { mode: 0o700 },
    (name) => {
      const d = probed().find((x) => x.bdf === name);
      return d === undefined ? undefined : deviceDir(k, d.bdf, d.fn.rid);
    },
  );
  return staticDir({
    iommu: () => (k.iommu !== null && k.topology.iommu?.platform === 'intel' ? staticDir({ intel }) : undefined),
  });
}
