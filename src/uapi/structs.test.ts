import { describe, expect, it } from 'vitest';
import {
  IOMMUFD_STRUCTS,
  isScalarKind,
  offsetof,
  offsetofend,
  recomputeLayout,
  sizeofStruct,
  STRUCTS,
  structField,
  structLayout,
  type StructLayout,
  VFIO_STRUCTS,
} from './structs.js';

const resolve = (name: string): StructLayout | undefined => structLayout(name);
const all: readonly StructLayout[] = [...VFIO_STRUCTS, ...IOMMUFD_STRUCTS];

describe('struct tables agree with the C layout rules', () => {
  it.each(all.map((s) => [s.name, s] as const))('%s', (_name, s) => {
    const c = recomputeLayout(s, resolve);
    expect(s.fields.map((f) => f.offset)).toEqual(c.offsets);
    expect(s.fields.map((f) => f.size)).toEqual(c.sizes);
    expect(s.sizeof).toBe(c.sizeof);
  });

  it('the recompute catches a wrong offset or size', () => {
    const bad: StructLayout = {
      name: 'bad',
      sizeof: 12,
      fields: [
        { name: 'a', offset: 0, size: 4, kind: 'u32' },
        { name: 'b', offset: 4, size: 8, kind: 'u64' },
      ],
    };
    const c = recomputeLayout(bad, resolve);
    expect(c.offsets).toEqual([0, 8]); // u64 is 8-aligned on x86-64
    expect(c.sizeof).toBe(16);
  });
});

describe('struct tables are well formed', () => {
  it('struct names are unique across vfio.h and iommufd.h', () => {
    expect(STRUCTS.size).toBe(all.length);
  });

  it.each(all.map((s) => [s.name, s] as const))('%s: unique fields, known element types', (_n, s) => {
    expect(new Set(s.fields.map((f) => f.name)).size).toBe(s.fields.length);
    for (const f of s.fields) {
      if (f.kind === 'array' || f.kind === 'flex' || f.kind === 'struct') {
        const t = f.type ?? '';
        expect(isScalarKind(t) || STRUCTS.has(t), `${s.name}.${f.name}: ${t}`).toBe(true);
      }
      if (f.kind === 'flex') expect(f, `${s.name}.${f.name} must be last`).toBe(s.fields.at(-1));
      if (f.pointer === true) expect(f.kind).toBe('u64');
    }
  });
});

describe('sizes and offsets a driver depends on (x86-64)', () => {
  const sizes: Record<string, number> = {
    vfio_info_cap_header: 8,
    vfio_group_status: 8,
    vfio_device_info: 24,
    vfio_region_info: 32,
    vfio_region_info_cap_sparse_mmap: 16,
    vfio_region_sparse_mmap_area: 16,
    vfio_region_info_cap_type: 16,
    vfio_irq_info: 16,
    vfio_irq_set: 20,
    vfio_pci_dependent_device: 8,
    vfio_pci_hot_reset_info: 12,
    vfio_pci_hot_reset: 12,
    vfio_device_ioeventfd: 32,
    vfio_device_feature: 8,
    vfio_device_bind_iommufd: 24,
    vfio_device_attach_iommufd_pt: 16,
    vfio_device_detach_iommufd_pt: 12,
    vfio_iommu_type1_info: 24,
    vfio_iommu_type1_info_cap_iova_range: 16,
    vfio_iommu_type1_info_cap_migration: 32,
    vfio_iommu_type1_info_dma_avail: 12,
    vfio_iommu_type1_dma_map: 32,
    vfio_iommu_type1_dma_unmap: 24,
    vfio_bitmap: 24,
    vfio_iommu_type1_dirty_bitmap: 8,
    vfio_iommu_type1_dirty_bitmap_get: 40,
    vfio_device_feature_dma_logging_control: 24,
    vfio_device_feature_dma_logging_report: 32,
    vfio_precopy_info: 24,
    iommu_ioas_map: 40,
    iommu_hwpt_alloc: 48,
    iommu_hw_info: 40,
    iommu_hw_info_amd: 16,
    iommu_hwpt_amd_guest: 32,
    iommu_option: 24,
    iommu_vfio_ioas: 12,
    iommu_veventq_alloc: 32,
    iommu_hwpt_pgfault: 40,
  };

  it.each(Object.entries(sizes))('sizeof(struct %s) = %i', (name, size) => {
    expect(sizeofStruct(name as Parameters<typeof sizeofStruct>[0])).toBe(size);
  });

  it('offsetof / offsetofend', () => {
    expect(offsetofend('vfio_iommu_type1_dma_map', 'size')).toBe(32);
    expect(offsetofend('vfio_group_status', 'flags')).toBe(8);
    expect(offsetofend('vfio_device_info', 'num_irqs')).toBe(16);
    expect(offsetofend('vfio_device_info', 'cap_offset')).toBe(20);
    expect(offsetof('vfio_region_info', 'offset')).toBe(24);
    expect(offsetof('vfio_pci_dependent_device', 'devid')).toBe(0);
    expect(offsetof('iommu_hw_info', 'out_capabilities')).toBe(32);
    expect(offsetofend('iommu_hw_info', '__reserved')).toBe(32);
    expect(structField('vfio_irq_set', 'data').kind).toBe('flex');
    expect(structField('iommu_ioas_map', 'user_va').pointer).toBe(true);
  });

  it('asking for a field that does not exist is a programming error', () => {
    expect(() => offsetofend('vfio_group_status', 'nope')).toThrow(/no field nope/);
    expect(structLayout('vfio_nope')).toBeUndefined();
  });
});
