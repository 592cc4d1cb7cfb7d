/**
 * Interrupts (drivers/vfio/pci/vfio_pci_intrs.c, vfio_main.c
 * vfio_set_irqs_validate_and_prepare, virqfd.c): GET_IRQ_INFO, SET_IRQS with the legal
 * combinations of spec §5.4, INTx with automasking, MSI / MSI-X through the host's
 * interrupt remapping, and ERR / REQ.
 *
 * Invariants: INTx signals once per unmask (level semantics: an unmask while the line is
 * still asserted re-signals and stays masked); the user's virtual INTX_DISABLE suppresses
 * every INTx signal; MSI / MSI-X vectors are delivered only while bound; a failed first
 * enable leaves nothing enabled.
 *
 * This file dispatches; argument validation is in irq-set-args.ts, INTx in intx.ts, MSI and
 * MSI-X in intrs-msi.ts.
 */
import { fail, ok, type Result } from '../../base/result.js';
import * as V from '../../uapi/vfio.js';
import type { SyscallContext } from '../fs/file.js';
import type { StructArg } from '../ioctl-table.js';
import { u32 } from '../uaccess.js';
import { intxDisable, intxHandler, intxMask, intxTrigger, intxUnmask, virqDisable } from './intx.js';
import { msiDisable, msiTrigger } from './intrs-msi.js';
import { boolAt, dataType, eventfdOf, hasDynMsix, irqCount, validate, type SetIrqs } from './irq-set-args.js';
import type { VfioPciCoreDevice } from './vfio-pci-core.js';

/** VFIO_DEVICE_GET_IRQ_INFO (vfio_pci_ioctl_get_irq_info). */
export function getIrqInfo(d: VfioPciCoreDevice, a: StructArg): Result<number> {
  const index = u32(a.f, 'index');
  if (a.argsz < a.minsz || index >= V.VFIO_PCI_NUM_IRQS) return fail('EINVAL', 'vfio_pci_ioctl_get_irq_info: argsz < minsz or index out of range');
  if (index === V.VFIO_PCI_ERR_IRQ_INDEX && !d.fn.isPcie) return fail('EINVAL', 'vfio_pci_ioctl_get_irq_info: ERR on a non-PCIe device');
  let flags = V.VFIO_IRQ_INFO_EVENTFD;
  if (index === V.VFIO_PCI_INTX_IRQ_INDEX) flags |= V.VFIO_IRQ_INFO_MASKABLE | V.VFIO_IRQ_INFO_AUTOMASKED;
  else if (!(index === V.VFIO_PCI_MSIX_IRQ_INDEX && hasDynMsix(d))) flags |= V.VFIO_IRQ_INFO_NORESIZE;
  Object.assign(a.obj, { flags, count: irqCount(d, index) });
  return ok(0);
}

/** VFIO_DEVICE_SET_IRQS (vfio_pci_ioctl_set_irqs → vfio_pci_set_irqs_ioctl). */
export function setIrqs(d: VfioPciCoreDevice, a: StructArg, ctx: SyscallContext): Result<number> {
  const v = validate(d, a);
  if (!v.ok) return v;
  const s = v.value;
  const action = s.flags & V.VFIO_IRQ_SET_ACTION_TYPE_MASK;
  const notImpl = fail('ENOTTY', 'vfio_pci_set_irqs_ioctl: action not implemented for this index');
  switch (s.index) {
    case V.VFIO_PCI_INTX_IRQ_INDEX:
      if (action === V.VFIO_IRQ_SET_ACTION_MASK) return intxMask(d, s);
      if (action === V.VFIO_IRQ_SET_ACTION_UNMASK) return intxUnmask(d, s, ctx);
      if (action === V.VFIO_IRQ_SET_ACTION_TRIGGER) return intxTrigger(d, s, ctx);
      return notImpl;
    case V.VFIO_PCI_MSI_IRQ_INDEX:
    case V.VFIO_PCI_MSIX_IRQ_INDEX:
      if (action === V.VFIO_IRQ_SET_ACTION_TRIGGER) return msiTrigger(d, s, ctx, s.index === V.VFIO_PCI_MSIX_IRQ_INDEX ? 'msix' : 'msi');
      return notImpl;
    default:
      if (action === V.VFIO_IRQ_SET_ACTION_TRIGGER) return ctxTriggerSingle(d, s, ctx, s.index === V.VFIO_PCI_ERR_IRQ_INDEX ? 'errTrigger' : 'reqTrigger');
      return notImpl;
  }
}

// ---- ERR / REQ -------------------------------------------------------------------------

function ctxTriggerSingle(d: VfioPciCoreDevice, s: SetIrqs, ctx: SyscallContext, slot: 'errTrigger' | 'reqTrigger'): Result<number> {
  const t = dataType(s);
  const why = 'vfio_pci_set_ctx_trigger_single';
  if (t === V.VFIO_IRQ_SET_DATA_NONE) {
    if (d[slot] === null) return fail('EINVAL', `${why}: nothing bound`);
    if (s.count === 0) d[slot] = null;
    else d[slot]!.signal();
    return ok(0);
  }
  if (s.count === 0) return fail('EINVAL', `${why}: count 0`);
  if (t === V.VFIO_IRQ_SET_DATA_BOOL) {
    if (boolAt(s, 0)) d[slot]?.signal();
    return ok(0);
  }
  const fd = s.data[0] as number;
  if (fd === -1) {
    d[slot] = null;
    return ok(0);
  }
  if (fd < -1) return ok(0);
  const e = eventfdOf(ctx, fd);
  if (!e.ok) return e;
  d[slot] = e.value;
  return ok(0);
}

/** Teardown at last close (type none). */
export function disableIrqs(d: VfioPciCoreDevice): void {
  if (d.irqType === 'intx') intxDisable(d);
  else if (d.irqType === 'msi' || d.irqType === 'msix') msiDisable(d);
}
