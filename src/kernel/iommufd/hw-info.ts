/**
 * IOMMU_GET_HW_INFO (device.c iommufd_get_hw_info): what the IOMMU behind a bound device
 * reports. On an 'intel' platform the driver answers struct iommu_hw_info_vtd (24 bytes), on
 * 'amd' struct iommu_hw_info_amd (EFR, EFR2: amd_iommufd_hw_info); 'arm' reports
 * IOMMU_HW_INFO_TYPE_NONE with no data (the simulated SMMU has no hw_info op). The user buffer at
 * `data_uptr` is a Uint8Array of at least `data_len` bytes: min(data_len, kernel length)
 * bytes are copied in, the rest up to `data_len` is zero-filled, and `data_len` then says how
 * much the kernel has. Capabilities: DIRTY_TRACKING when the unit tracks dirty pages,
 * PCI_ATS_NOT_SUPPORTED when the function has no usable ATS (iommufd_get_hw_info).
 */
import { fail, failType, ok, type Result } from '../../base/result.js';
import {
  IOMMU_HW_CAP_DIRTY_TRACKING,
  IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED,
  IOMMU_HW_INFO_FLAG_INPUT_TYPE,
  IOMMU_HW_INFO_TYPE_AMD,
  IOMMU_HW_INFO_TYPE_DEFAULT,
  IOMMU_HW_INFO_TYPE_INTEL_VTD,
  IOMMU_HW_INFO_TYPE_NONE,
} from '../../uapi/iommufd.js';
import { offsetof, sizeofStruct } from '../../uapi/structs.js';
import { reply, reservedSet, type Cmd } from './cmd.js';
import { dirtySupported, type IommufdDevice } from './device.js';
import { u32 } from '../uaccess.js';

/** VT-d CAP/ECAP values of the simulated unit (QEMU intel-iommu style, 48-bit, 2M/1G pages). */
const VTD_CAP_REG = 0x00d2_0082_0066_2008n;
const VTD_ECAP_REG = 0x0000_0000_00f0_105an;

/**
 * The simulated AMD unit's Extended Feature Register (amd_iommu_types.h FEATURE_*): PPR (1),
 * NX (3), GT (4), IA (6), GA (7), HE (8), PC (9); HASUP (49) and HDSUP (52) when the unit
 * tracks dirty pages. EFR2 is 0.
 */
const AMD_EFR_BASE = (1n << 1n) | (1n << 3n) | (1n << 4n) | (1n << 6n) | (1n << 7n) | (1n << 8n) | (1n << 9n);
const AMD_EFR_DIRTY = (1n << 49n) | (1n << 52n);

function amdInfo(dirty: boolean): Uint8Array {
  const b = new Uint8Array(sizeofStruct('iommu_hw_info_amd'));
  const v = new DataView(b.buffer);
  v.setBigUint64(offsetof('iommu_hw_info_amd', 'efr'), AMD_EFR_BASE | (dirty ? AMD_EFR_DIRTY : 0n), true);
  v.setBigUint64(offsetof('iommu_hw_info_amd', 'efr2'), 0n, true);
  return b;
}

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
  const platform = idev.ctx.k.iommu?.platform;
  if (platform === 'amd') {
    if (inType !== IOMMU_HW_INFO_TYPE_DEFAULT && inType !== IOMMU_HW_INFO_TYPE_AMD) return fail('EOPNOTSUPP', 'amd_iommufd_hw_info: unsupported type');
    return ok({ type: IOMMU_HW_INFO_TYPE_AMD, data: amdInfo(idev.ctx.k.topology.iommu?.dirtyTracking === true) });
  }
  if (platform !== 'intel') return ok({ type: IOMMU_HW_INFO_TYPE_NONE, data: new Uint8Array(0) });
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
  if (d.value.noiommu) return fail('EOPNOTSUPP', 'iommufd_get_hw_info: a no-IOMMU device has no IOMMU to describe');
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
  const fn = d.value.vdev.pdev.fn;
  // device_iommu_capable(): DIRTY_TRACKING; PCI_ATS_SUPPORTED is pci_ats_supported() (ATS and not untrusted), reported negated
  let caps = dirtySupported(d.value) ? IOMMU_HW_CAP_DIRTY_TRACKING : 0;
  if (!fn.atsCapable || fn.untrusted) caps |= IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED;
  reply(c, {
    data_len: info.value.data.length,
    out_data_type: info.value.type,
    out_capabilities: BigInt(caps),
    out_max_pasid_log2: 0,
  });
  return ok(0);
}
