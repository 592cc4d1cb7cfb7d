/**
 * IOMMU_GET_HW_INFO (device.c iommufd_get_hw_info): what the IOMMU behind a bound device
 * reports. On an 'intel' platform the driver answers struct iommu_hw_info_vtd (24 bytes);
 * 'amd' and 'arm' report IOMMU_HW_INFO_TYPE_NONE with no data. The user buffer at
 * `data_uptr` is a Uint8Array of at least `data_len` bytes: min(data_len, kernel length)
 * bytes are copied in, the rest up to `data_len` is zero-filled, and `data_len` then says how
 * much the kernel has.
 */
import { fail, failType, ok, type Result } from '../../base/result.js';
import {
  IOMMU_HW_CAP_DIRTY_TRACKING,
  IOMMU_HW_INFO_FLAG_INPUT_TYPE,
  IOMMU_HW_INFO_TYPE_DEFAULT,
  IOMMU_HW_INFO_TYPE_INTEL_VTD,
  IOMMU_HW_INFO_TYPE_NONE,
} from '../../uapi/iommufd.js';
import { reply, reservedSet, type Cmd } from './cmd.js';
import type { IommufdDevice } from './device.js';
import { u32 } from '../uaccess.js';

/** VT-d CAP/ECAP values of the simulated unit (QEMU intel-iommu style, 48-bit, 2M/1G pages). */
const VTD_CAP_REG = 0x00d2_0082_0066_2008n;
const VTD_ECAP_REG = 0x0000_0000_00f0_105an;

function vtdInfo(): Uint8Array {
  const b = new Uint8Array(24);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0, true);
  v.setBigUint64(8, VTD_CAP_REG, true);
  v.setBigUint64(16, VTD_ECAP_REG, true);
  return b;
}

/** ops->hw_info(): EOPNOTSUPP for an input type the driver does not report. */
function driverInfo(idev: IommufdDevice, inType: number): Result<{ type: number; data: Uint8Array }> {
  const intel = idev.ctx.k.iommu?.platform === 'intel';
  if (!intel) return ok({ type: IOMMU_HW_INFO_TYPE_NONE, data: new Uint8Array(0) });
  if (inType !== IOMMU_HW_INFO_TYPE_DEFAULT && inType !== IOMMU_HW_INFO_TYPE_INTEL_VTD) return fail('EOPNOTSUPP', 'intel_iommu_hw_info: unsupported type');
  return ok({ type: IOMMU_HW_INFO_TYPE_INTEL_VTD, data: vtdInfo() });
}

export function getHwInfo(c: Cmd): Result<number> {
  const flags = u32(c.f, 'flags');
  if ((flags & ~IOMMU_HW_INFO_FLAG_INPUT_TYPE) !== 0) return fail('EOPNOTSUPP', 'iommufd_get_hw_info: unknown flags');
  if (reservedSet(c.f.__reserved)) return fail('EOPNOTSUPP', 'iommufd_get_hw_info: __reserved');
  const inType = flags & IOMMU_HW_INFO_FLAG_INPUT_TYPE ? u32(c.f, 'in_data_type') : IOMMU_HW_INFO_TYPE_DEFAULT;
  const d = c.ctx.table.get<IommufdDevice>(u32(c.f, 'dev_id'), 'device', 'iommufd_get_hw_info');
  if (!d.ok) return d;
  const info = driverInfo(d.value, inType);
  if (!info.ok) return info;
  const want = u32(c.f, 'data_len');
  if (want > 0) {
    const buf = c.obj.data_uptr;
    if (buf === undefined || buf === null || buf === 0n) return fail('EFAULT', 'iommufd_get_hw_info: data_uptr is NULL');
    if (!(buf instanceof Uint8Array)) return failType('arg.data_uptr', 'an instance of Uint8Array', buf);
    if (buf.length < want) return fail('EFAULT', 'iommufd_get_hw_info: buffer shorter than data_len');
    const n = Math.min(want, info.value.data.length);
    buf.set(info.value.data.subarray(0, n), 0);
    buf.fill(0, n, want);
  }
  reply(c, {
    data_len: info.value.data.length,
    out_data_type: info.value.type,
    out_capabilities: BigInt(IOMMU_HW_CAP_DIRTY_TRACKING),
    out_max_pasid_log2: 0,
  });
  return ok(0);
}
