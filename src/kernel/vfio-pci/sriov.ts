/**
 * vfio-pci and SR-IOV (drivers/vfio/pci/vfio_pci.c and vfio_pci_core.c): the `enable_sriov`
 * gate and vfio_pci_core_sriov_configure(), the VF token a PF holds (vfio_pci_vf_init,
 * VFIO_DEVICE_FEATURE_PCI_VF_TOKEN) and the rules that check it when a PF or VF is opened
 * (vfio_pci_validate_vf_token, called by vfio_pci_core_match and match_token_uuid).
 *
 * State: a PF bound to vfio-pci holds `vfToken` (uuid + how many of its VFs are open through
 * vfio-pci); `sriovPfsItem` says the PF is on vfio_pci_sriov_pfs (it enabled its VFs); a
 * VF probed while its PF is on that list keeps the PF as `sriovPf` until it is removed.
 */
import { fail, ok, okVoid, type Result } from '../../base/result.js';
import { UUID_SIZE } from '../../base/uuid.js';
import type { Kernel } from '../kernel.js';
import { pciDisableSriov, pciEnableSriov } from '../pci/iov.js';
import type { PciDev } from '../pci/pci-dev.js';
import type { VfioDevice } from '../vfio/vfio-device.js';
import type { VfioPciCoreDevice } from './vfio-pci-core.js';

/** struct vfio_pci_vf_token. */
export interface VfToken {
  uuid: Uint8Array;
  /** VFs of this PF open through vfio-pci (vfio_pci_vf_token_user_add). */
  users: number;
}

function vfioCoreOf(dev: PciDev | undefined): VfioPciCoreDevice | null {
  if (dev === undefined || dev.driver?.name !== 'vfio-pci') return null;
  return dev.vfioDevice?.core ?? null;
}

/**
 * vfio_pci_vf_init() at probe: a PF gets a token with a random UUID (uuid_gen, from the
 * machine's seeded rng); a VF finds its PF when that PF enabled it through vfio-pci.
 */
export function vfInit(k: Kernel, core: VfioPciCoreDevice): void {
  const fn = core.vdev.pdev.fn;
  if (fn.isVf) {
    const pf = vfioCoreOf(fn.physfn === null ? undefined : k.pci.find(fn.physfn.bdf));
    core.sriovPf = pf !== null && pf.sriovPfsItem ? pf : null;
    return;
  }
  if (fn.sriov === null) return;
  const uuid = Uint8Array.from({ length: UUID_SIZE }, () => k.machine.rng.below(256));
  uuid[6] = (uuid[6]! & 0x0f) | 0x40; // version 4
  uuid[8] = (uuid[8]! & 0x3f) | 0x80; // variant
  core.vfToken = { uuid, users: 0 };
}

/** get_pf_vdev(): the VF's PF as a vfio-pci device bound to the same driver, or null. */
function pfVdev(k: Kernel, core: VfioPciCoreDevice): VfioPciCoreDevice | null {
  const fn = core.vdev.pdev.fn;
  if (!fn.isVf || fn.physfn === null) return null;
  const pf = k.pci.find(fn.physfn.bdf);
  return pf?.driver === core.vdev.pdev.driver ? vfioCoreOf(pf) : null;
}

/** vfio_pci_vf_token_user_add(): open (+1) and close (-1) of a VF count on the PF's token. */
export function vfTokenUserAdd(k: Kernel, core: VfioPciCoreDevice, val: 1 | -1): void {
  const pf = pfVdev(k, core);
  if (pf?.vfToken) pf.vfToken.users = Math.max(0, pf.vfToken.users + val);
}

/** vfio_pci_validate_vf_token(): `uuid` null when no token was given. */
export function validateVfToken(core: VfioPciCoreDevice, uuid: Uint8Array | null): Result<void> {
  const same = (a: Uint8Array, b: Uint8Array): boolean => a.every((x, i) => x === b[i]);
  if (core.vdev.pdev.fn.isVf) {
    const pf = core.sriovPf;
    if (pf === null) return uuid === null ? okVoid() : fail('EINVAL', 'vfio_pci_validate_vf_token: VF token incorrectly provided, PF not bound to vfio-pci');
    if (uuid === null) return fail('EACCES', 'vfio_pci_validate_vf_token: VF token required to access device');
    if (!same(uuid, pf.vfToken!.uuid)) return fail('EACCES', 'vfio_pci_validate_vf_token: Incorrect VF token provided for device');
    return okVoid();
  }
  const t = core.vfToken;
  if (t !== null) {
    if (t.users > 0) {
      if (uuid === null) return fail('EACCES', 'vfio_pci_validate_vf_token: VF token required to access device (its VFs are in use)');
      if (!same(uuid, t.uuid)) return fail('EACCES', 'vfio_pci_validate_vf_token: Incorrect VF token provided for device');
    } else if (uuid !== null) {
      t.uuid = uuid.slice();
    }
    return okVoid();
  }
  if (uuid !== null) return fail('EINVAL', 'vfio_pci_validate_vf_token: VF token incorrectly provided, not a PF or VF');
  return okVoid();
}

/** vfio_pci_sriov_configure(): ENOENT unless enable_sriov; then vfio_pci_core_sriov_configure(). */
export function vfioPciSriovConfigure(k: Kernel, pf: PciDev, n: number): Result<number> {
  if (!k.params.bool('vfio_pci', 'enable_sriov')) return fail('ENOENT', 'vfio_pci_sriov_configure: enable_sriov is not set');
  const core = vfioCoreOf(pf);
  if (core === null) return fail('ENODEV', 'vfio_pci_sriov_configure: no vfio-pci device');
  return coreSriovConfigure(k, core, pf, n);
}

/** vfio_pci_core_sriov_configure(). */
export function coreSriovConfigure(k: Kernel, core: VfioPciCoreDevice, pf: PciDev, n: number): Result<number> {
  if (n > 0) {
    // only the thread that put the PF on vfio_pci_sriov_pfs may enable, once, until disabled
    if (core.sriovPfsItem) return fail('EINVAL', 'vfio_pci_core_sriov_configure: SR-IOV already being enabled on this PF');
    core.sriovPfsItem = true;
    const r = pciEnableSriov(k, pf, n);
    if (!r.ok) {
      core.sriovPfsItem = false;
      return r;
    }
    return ok(n);
  }
  const r = pciDisableSriov(k, pf);
  if (!r.ok) return r;
  core.sriovPfsItem = false;
  return ok(0);
}

/** vfio_pci_bus_notifier(BUS_NOTIFY_ADD_DEVICE): a new VF of a vfio-pci PF is captured for vfio-pci. */
export function captureVf(k: Kernel, pf: PciDev, vf: PciDev): void {
  vf.driverOverride = 'vfio-pci';
  k.trace.add('driver', pf.bdf, `Captured SR-IOV VF ${vf.bdf} driver_override`);
}
