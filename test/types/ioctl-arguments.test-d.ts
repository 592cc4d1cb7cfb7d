/**
 * Issue 15 item 1, compile time: a request constant carries its argument type, so a typo'd
 * field does not compile, as in C. This file is checked by `npm run typecheck` (part of
 * `npm test`): each `@ts-expect-error` line must fail to compile (an unused directive is
 * itself an error) and every other line must compile. Nothing here runs.
 */
import { expectTypeOf } from 'vitest';
import { uapi, type Process } from '../../src/index.js';

declare const p: Process;
declare const fd: number;
declare const buf: bigint;

export function mapDma(): void {
  // The example: the misspelt field is refused, the right one compiles.
  // @ts-expect-error -- vadr is not a field of struct vfio_iommu_type1_dma_map
  p.ioctl(fd, uapi.VFIO_IOMMU_MAP_DMA, { argsz: 32, flags: 3, vadr: buf, iova: 0n, size: 0x1000n });
  p.ioctl(fd, uapi.VFIO_IOMMU_MAP_DMA, { argsz: 32, flags: 3, vaddr: buf, iova: 0n, size: 0x1000n });

  // An object built before the call is checked too (TypeScript's excess-property check alone would not).
  const typo = { argsz: 32, flags: 3, vadr: buf, iova: 0n, size: 0x1000n };
  // @ts-expect-error -- vadr again, in a variable
  p.ioctl(fd, uapi.VFIO_IOMMU_MAP_DMA, typo);
  const ok = { argsz: uapi.sizeofStruct('vfio_iommu_type1_dma_map'), flags: 3, vaddr: buf, iova: 0n, size: 0x1000n };
  p.ioctl(fd, uapi.VFIO_IOMMU_MAP_DMA, ok);

  // Field types: a __u64 is a bigint, a __u32 a number.
  // @ts-expect-error -- size is a __u64: a bigint
  p.ioctl(fd, uapi.VFIO_IOMMU_MAP_DMA, { argsz: 32, size: 4096 });
  // @ts-expect-error -- argsz is a __u32: a number
  p.ioctl(fd, uapi.VFIO_IOMMU_MAP_DMA, { argsz: 32n });
  // A NULL pointer compiles (the kernel's EFAULT), as in C.
  p.ioctl(fd, uapi.VFIO_IOMMU_MAP_DMA);
  p.ioctl(fd, uapi.VFIO_IOMMU_MAP_DMA, 0);
  p.ioctl(fd, uapi.VFIO_IOMMU_MAP_DMA, null);
  // @ts-expect-error -- a struct request does not take a string
  p.ioctl(fd, uapi.VFIO_IOMMU_MAP_DMA, 'x');
}

export function nestedAndArrays(): void {
  // Nested structs and struct arrays are checked field by field.
  // @ts-expect-error -- struct vfio_eeh_pe_err has no field tpye
  p.ioctl(fd, uapi.VFIO_EEH_PE_OP, { argsz: 40, op: 0, err: { tpye: 1 } });
  p.ioctl(fd, uapi.VFIO_EEH_PE_OP, { argsz: 40, op: 0, err: { type: 1, addr: 0n } });
  // @ts-expect-error -- struct vfio_bitmap has no field pgsz (UNMAP_DMA's bitmap, also spelt arg.bitmap)
  p.ioctl(fd, uapi.VFIO_IOMMU_UNMAP_DMA, { argsz: 48, flags: 1, iova: 0n, size: 4096n, bitmap: { pgsz: 4096n } });
  p.ioctl(fd, uapi.VFIO_IOMMU_UNMAP_DMA, { argsz: 48, flags: 1, iova: 0n, size: 4096n, bitmap: { pgsize: 4096n, size: 8n, data: buf } });
  // iommufd: allowed_iovas is a user pointer, given as the array it points at.
  p.ioctl(fd, uapi.IOMMU_IOAS_IOVA_RANGES, { size: 32, ioas_id: 1, num_iovas: 1, allowed_iovas: [{ start: 0n, last: 0xfffn }] });
  p.ioctl(fd, uapi.IOMMU_IOAS_ALLOC, { size: 12, __trailing: [0, 0, 0, 0] });
  // @ts-expect-error -- struct iommu_ioas_map has no field user_addr
  p.ioctl(fd, uapi.IOMMU_IOAS_MAP, { size: 40, ioas_id: 1, user_addr: buf, length: 4096n, iova: 0n });
  // SET_IRQS' data[] holds eventfds (or booleans).
  p.ioctl(fd, uapi.VFIO_DEVICE_SET_IRQS, { argsz: 24, flags: 0, index: 0, start: 0, count: 1, data: [5] });
}

export function byValueAndStrings(): void {
  p.ioctl(fd, uapi.VFIO_CHECK_EXTENSION, uapi.VFIO_TYPE1v2_IOMMU);
  p.ioctl(fd, uapi.VFIO_SET_IOMMU, 3n);
  // @ts-expect-error -- VFIO_SET_IOMMU takes an integer by value
  p.ioctl(fd, uapi.VFIO_SET_IOMMU, { type: 3 });
  const dev: number = p.ioctl(fd, uapi.VFIO_GROUP_GET_DEVICE_FD, '0000:06:00.0');
  // @ts-expect-error -- the device name is a string
  p.ioctl(fd, uapi.VFIO_GROUP_GET_DEVICE_FD, 6);
  p.ioctl(fd, uapi.VFIO_GROUP_SET_CONTAINER, dev);
  p.ioctl(fd, uapi.VFIO_DEVICE_RESET);
}

export function untypedRequests(): void {
  // A request computed at run time is a plain number: untyped, anything goes (the run-time
  // check still refuses an unknown field once the fd says which struct it is).
  const request: number = 0x3b71;
  p.ioctl(fd, request, { vadr: 1n });
  p.ioctl(fd, uapi._IO(uapi.VFIO_TYPE, uapi.VFIO_BASE + 13), { argsz: 32 });
  // An argument the compiler cannot see into is left to the run-time check.
  const loose: Record<string, unknown> = { vadr: 1n };
  p.ioctl(fd, uapi.VFIO_IOMMU_MAP_DMA, loose);
}

export function types(): void {
  // The argument and write-back types, by request.
  expectTypeOf<uapi.IoctlArg<typeof uapi.VFIO_IOMMU_MAP_DMA>>().toEqualTypeOf<uapi.StructArg<'vfio_iommu_type1_dma_map'>>();
  expectTypeOf<uapi.IoctlOut<typeof uapi.VFIO_DEVICE_GET_INFO>>().toEqualTypeOf<uapi.Struct<'vfio_device_info'>>();
  expectTypeOf<uapi.Struct<'vfio_device_info'>['num_irqs']>().toEqualTypeOf<number>();
  expectTypeOf<uapi.Struct<'vfio_iommu_type1_info'>['iova_pgsizes']>().toEqualTypeOf<bigint>();
  expectTypeOf<uapi.IoctlArg<typeof uapi.VFIO_GROUP_GET_DEVICE_FD>>().toEqualTypeOf<string>();
  expectTypeOf<uapi.IoctlArg<typeof uapi.VFIO_CHECK_EXTENSION>>().toEqualTypeOf<number | bigint>();
  // A request constant is still a number (switch, compare, arithmetic).
  expectTypeOf(uapi.VFIO_IOMMU_MAP_DMA).toMatchTypeOf<number>();
  // A written-back struct, typed: the C declaration `struct vfio_device_info info = { .argsz = … }`.
  const info: uapi.Struct<'vfio_device_info'> = { argsz: 24, flags: 0, num_regions: 0, num_irqs: 0, cap_offset: 0, pad: 0 };
  p.ioctl(fd, uapi.VFIO_DEVICE_GET_INFO, info);
  expectTypeOf(info.num_regions).toEqualTypeOf<number>();
}

export function everyRequestTyped(): void {
  // Every request the ioctl tables hold is a typed constant (a new row's constant needs
  // `as Request<'NAME'>` in vfio.ts / iommufd.ts, or this fails to compile).
  type Typed = { [N in uapi.RequestName]: (typeof uapi)[N] extends uapi.Ioctl<unknown, unknown> ? true : N };
  expectTypeOf<Typed[uapi.RequestName]>().toEqualTypeOf<true>();
}

export function declaredStructs(): void {
  // uapi.struct: `struct vfio_device_info info = { .argsz = sizeof(info) };` -- written-back
  // fields typed after the call.
  const info = uapi.struct('vfio_device_info', { argsz: uapi.sizeofStruct('vfio_device_info') });
  p.ioctl(fd, uapi.VFIO_DEVICE_GET_INFO, info);
  expectTypeOf(info.num_irqs).toEqualTypeOf<number>();
  expectTypeOf(uapi.struct('iommu_ioas_alloc').out_ioas_id).toEqualTypeOf<number>();
  // @ts-expect-error -- struct vfio_device_info has no field num_irq
  uapi.struct('vfio_device_info', { num_irq: 1 });
  // @ts-expect-error -- no such struct
  uapi.struct('vfio_device_infos');
}

export function iterateUapi(): number {
  // Narrowing over every export of uapi compiles (struct()'s generic type stays lazy).
  return Object.entries(uapi).filter(([, v]) => typeof v === 'number').length;
}
