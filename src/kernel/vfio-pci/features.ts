/**
 * VFIO_DEVICE_FEATURE (vfio_ioctl_device_feature, vfio_check_feature, and vfio-pci's
 * vfio_pci_core_ioctl_feature): header checks, then per feature "does this device implement
 * it" (ENOTTY), then the GET/SET/PROBE rules, then the handler. vfio-pci implements the
 * low-power features and, on SR-IOV PFs, the VF token. Migration and DMA logging belong to
 * variant drivers: they answer for device models that opt in (params.migration /
 * params.dmaLogging; migration.ts, dma-logging.ts) and are ENOTTY otherwise, as on plain
 * vfio-pci.
 *
 * The payload is `arg.data`: an object with the payload struct's C field names
 * (`{ wakeup_eventfd }`), or for the VF token an array / Uint8Array of 16 bytes.
 */
import { fail, failType, ok, type Result } from '../../base/result.js';
import { UUID_SIZE } from '../../base/uuid.js';
import * as V from '../../uapi/vfio.js';
import { vfioDeviceFeature } from '../../uapi/features.js';
import type { SyscallContext } from '../fs/file.js';
import type { StructArg } from '../ioctl-table.js';
import { copyNested, u32 } from '../uaccess.js';
import { eventfdOf } from './irq-set-args.js';
import { loggingReport, loggingStart, loggingStop } from './dma-logging.js';
import { featureMigDataSize, featureMigDeviceState, featureMigration, migrationOf } from './migration.js';
import type { VfioPciCoreDevice } from './vfio-pci-core.js';

const GET = V.VFIO_DEVICE_FEATURE_GET;
const SET = V.VFIO_DEVICE_FEATURE_SET;
const PROBE = V.VFIO_DEVICE_FEATURE_PROBE;

/** vfio_check_feature: 1 = proceed, 0 = probe answered. */
function checkFeature(flags: number, payload: number, ops: readonly string[], minsz: number): Result<number> {
  if (flags & GET && !ops.includes('GET')) return fail('EINVAL', 'vfio_check_feature: GET not supported');
  if (flags & SET && !ops.includes('SET')) return fail('EINVAL', 'vfio_check_feature: SET not supported');
  if (flags & PROBE) return ok(0);
  if (!(flags & (GET | SET))) return fail('EINVAL', 'vfio_check_feature: neither GET nor SET');
  if (payload < minsz) return fail('EINVAL', 'vfio_check_feature: payload smaller than minsz');
  return ok(1);
}

export function deviceFeature(d: VfioPciCoreDevice, a: StructArg, ctx: SyscallContext): Result<number> {
  const { argsz, minsz, obj } = a;
  const flags = u32(a.f, 'flags');
  if (argsz < minsz) return fail('EINVAL', 'vfio_ioctl_device_feature: argsz < minsz');
  if (flags & ~(V.VFIO_DEVICE_FEATURE_MASK | GET | SET | PROBE)) return fail('EINVAL', 'vfio_ioctl_device_feature: unknown flags');
  if (!(flags & PROBE) && flags & GET && flags & SET) return fail('EINVAL', 'vfio_ioctl_device_feature: GET and SET without PROBE');
  const id = flags & V.VFIO_DEVICE_FEATURE_MASK;
  const feat = vfioDeviceFeature(id);
  if (feat === undefined || !implemented(d, id)) return fail('ENOTTY', `vfio_ioctl_device_feature: feature ${id} not implemented by this device`);
  if (id === V.VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2) return precopyInfoV2(d, flags, argsz - minsz);
  const c = checkFeature(flags, argsz - minsz, feat.ops, feat.minsz);
  if (!c.ok || c.value === 0) return c;
  switch (id) {
    case V.VFIO_DEVICE_FEATURE_MIGRATION:
      return featureMigration(d, obj);
    case V.VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE:
      return featureMigDeviceState(d, obj, (flags & GET) !== 0, (f) => ctx.task.installFd(f, true));
    case V.VFIO_DEVICE_FEATURE_MIG_DATA_SIZE:
      return featureMigDataSize(d, obj);
    case V.VFIO_DEVICE_FEATURE_DMA_LOGGING_START:
      return loggingStart(d, obj, ctx);
    case V.VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP:
      return loggingStop(d);
    case V.VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT:
      return loggingReport(d, obj, ctx);
    case V.VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY:
      return lowPowerEntry(d, null);
    case V.VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP: {
      const p = copyNested(obj, 'data', 'vfio_device_low_power_entry_with_wakeup');
      if (!p.ok) return p;
      const n = u32(p.value.f, 'wakeup_eventfd');
      if (n < 0) return fail('EINVAL', 'vfio_pci_core_pm_entry_with_wakeup: wakeup_eventfd < 0');
      const e = eventfdOf(ctx, n);
      if (!e.ok) return e;
      return lowPowerEntry(d, e.value);
    }
    case V.VFIO_DEVICE_FEATURE_LOW_POWER_EXIT:
      d.lowPower = null;
      return ok(0);
    case V.VFIO_DEVICE_FEATURE_PCI_VF_TOKEN:
      return setVfToken(d, obj['data']);
    default:
      return ok(0);
  }
}

/**
 * vfio_ioctl_device_feature_migration_precopy_info_v2() (vfio_main.c, before any driver):
 * a device without VFIO_MIGRATION_PRE_COPY — no migration at all included — is EINVAL, not
 * ENOTTY; then SET only, no payload; a SET opts this open device in until its last close.
 */
function precopyInfoV2(d: VfioPciCoreDevice, flags: number, payload: number): Result<number> {
  const mig = migrationOf(d);
  if (mig === null || (mig.flags & V.VFIO_MIGRATION_PRE_COPY) === 0) return fail('EINVAL', 'vfio_ioctl_device_feature_migration_precopy_info_v2: no VFIO_MIGRATION_PRE_COPY');
  const c = checkFeature(flags, payload, ['SET'], 0);
  if (!c.ok || c.value === 0) return c;
  d.precopyInfoV2 = true;
  return ok(0);
}

/** Does the device implement feature `id` (the `!device->mig_ops` / `!log_ops` / PF checks)? */
function implemented(d: VfioPciCoreDevice, id: number): boolean {
  switch (id) {
    case V.VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY:
    case V.VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP:
    case V.VFIO_DEVICE_FEATURE_LOW_POWER_EXIT:
      return true;
    case V.VFIO_DEVICE_FEATURE_PCI_VF_TOKEN:
      return d.vfToken !== null; // vfio_pci_core_feature_token: ENOTTY without a token (not a PF)
    case V.VFIO_DEVICE_FEATURE_MIGRATION:
    case V.VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE:
    case V.VFIO_DEVICE_FEATURE_MIG_DATA_SIZE:
      return migrationOf(d) !== null;
    case V.VFIO_DEVICE_FEATURE_DMA_LOGGING_START:
    case V.VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP:
    case V.VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT:
      return (d.model.dmaLog ?? null) !== null;
    case V.VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2:
      return true; // vfio_main.c answers it for every device (EINVAL without PRE_COPY)
    default:
      return false;
  }
}

/** vfio_pci_core_feature_token(), SET only: the 16 bytes replace the PF's token (no GET: it would leak). */
function setVfToken(d: VfioPciCoreDevice, data: unknown): Result<number> {
  const bytes = data instanceof Uint8Array ? data : Array.isArray(data) && data.every((b) => Number.isInteger(b) && b >= 0 && b <= 255) ? Uint8Array.from(data as number[]) : null;
  if (bytes === null) return failType('arg.data', 'a Uint8Array or byte array of 16 bytes', data);
  if (bytes.length < UUID_SIZE) return fail('EFAULT', 'vfio_pci_core_feature_token: copy_from_user of the uuid');
  d.vfToken!.uuid = bytes.slice(0, UUID_SIZE);
  d.trace('VF token set');
  return ok(0);
}

function lowPowerEntry(d: VfioPciCoreDevice, wakeup: import('../eventfd.js').EventFd | null): Result<number> {
  if (d.lowPower !== null) return fail('EINVAL', 'vfio_pci_core_pm_entry: low power already engaged');
  d.lowPower = { wakeup };
  d.trace('low power entered');
  return ok(0);
}

/** Any ioctl, read or write on the device wakes it: a wake-up eventfd fires once and ends low power. */
export function wake(d: VfioPciCoreDevice): void {
  const lp = d.lowPower;
  if (lp === null || lp.wakeup === null) return;
  lp.wakeup.signal();
  d.lowPower = null;
  d.trace('woken from low power');
}
