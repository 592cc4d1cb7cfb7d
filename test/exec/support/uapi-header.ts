/**
 * A C header generated from vfio-sim's uapi tables, for test programs built on a machine
 * whose <linux/vfio.h> predates iommufd and the device cdev (Debian bookworm's 6.1 headers):
 * the structs come from the struct layouts, the request numbers from uapi, nothing typed twice.
 */
import * as uapi from '../../../src/uapi/index.js';
import type { StructField } from '../../../src/uapi/structs.js';

const CTYPE: Record<string, string> = { u8: '__u8', u16: '__u16', u32: '__u32', u64: '__u64', s32: '__s32', s64: '__s64' };

function member(f: StructField): string {
  const t = f.kind === 'struct' || (f.type !== undefined && !(f.type in CTYPE)) ? `struct ${f.type}` : CTYPE[f.type ?? f.kind]!;
  if (f.kind === 'array') return `${t} ${f.name}[${f.count}];`;
  if (f.kind === 'flex') return `${t} ${f.name}[];`;
  return `${t} ${f.name};`;
}

function structText(name: string): string {
  const l = uapi.structLayout(name);
  if (l === undefined) throw new Error(`no struct ${name}`);
  const lines: string[] = [];
  const fs = l.fields;
  for (let i = 0; i < fs.length; i++) {
    if (fs[i + 1]?.union) {
      const group = [fs[i]!];
      while (fs[i + 1]?.union) group.push(fs[++i]!);
      lines.push(`  union { ${group.map(member).join(' ')} };`);
    } else lines.push(`  ${member(fs[i]!)}`);
  }
  return `struct ${name} {\n${lines.join('\n')}\n};\n_Static_assert(sizeof(struct ${name}) == ${l.sizeof}, "${name}");`;
}

/** The header: `structs` in dependency order, then `#define NAME value` for each request name. */
export function uapiHeader(guard: string, structs: readonly string[], names: readonly string[]): string {
  const defs = names.map((n) => `#define ${n} ${String((uapi as unknown as Record<string, number>)[n])}`);
  return [`#ifndef ${guard}`, `#define ${guard}`, '#include <linux/types.h>', ...structs.map(structText), ...defs, '#endif', ''].join('\n');
}

export const IOMMUFD_HEADER = (): string =>
  uapiHeader(
    'VFIO_SIM_IOMMUFD_H',
    ['iommu_ioas_alloc', 'iommu_iova_range', 'iommu_ioas_iova_ranges', 'iommu_ioas_map', 'iommu_ioas_unmap', 'iommu_destroy', 'vfio_device_bind_iommufd', 'vfio_device_attach_iommufd_pt', 'vfio_device_detach_iommufd_pt', 'iommu_ioas_noiommu_get_pa'],
    ['IOMMU_IOAS_ALLOC', 'IOMMU_IOAS_IOVA_RANGES', 'IOMMU_IOAS_MAP', 'IOMMU_IOAS_UNMAP', 'IOMMU_DESTROY', 'IOMMU_IOAS_MAP_READABLE', 'IOMMU_IOAS_MAP_WRITEABLE', 'IOMMU_IOAS_MAP_FIXED_IOVA', 'VFIO_DEVICE_BIND_IOMMUFD', 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', 'VFIO_DEVICE_DETACH_IOMMUFD_PT', 'IOMMU_IOAS_NOIOMMU_GET_PA'],
  );
