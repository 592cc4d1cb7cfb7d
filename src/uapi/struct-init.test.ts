/** uapi.struct: a C declaration with a designated initialiser, every other field zero. */
import { describe, expect, it } from 'vitest';
import { struct } from './struct-init.js';

describe('uapi.struct', () => {
  it('zeroes every field by its C type and sets the initialised ones', () => {
    expect(struct('vfio_device_info', { argsz: 24 })).toEqual({ argsz: 24, flags: 0, num_regions: 0, num_irqs: 0, cap_offset: 0, pad: 0 });
    expect(struct('vfio_iommu_type1_dma_map')).toEqual({ argsz: 0, flags: 0, vaddr: 0n, iova: 0n, size: 0n });
    // embedded struct zeroed, fixed array of zeros, flexible array member absent
    expect(struct('vfio_eeh_pe_op').err).toEqual({ type: 0, func: 0, addr: 0n, mask: 0n });
    expect(struct('vfio_irq_set')).not.toHaveProperty('data');
  });

  it('a field the struct lacks is a TypeError naming the struct and its fields', () => {
    let e: (Error & { code?: string }) | undefined;
    try {
      struct('vfio_group_status', { argsz: 8, flag: 0 } as never);
    } catch (x) {
      e = x as Error & { code?: string };
    }
    expect(e).toBeInstanceOf(TypeError);
    expect(e?.code).toBe('ERR_INVALID_ARG_TYPE');
    expect(e?.message).toBe('init.flag: struct vfio_group_status has no field flag (fields: argsz, flags)');
  });
});
