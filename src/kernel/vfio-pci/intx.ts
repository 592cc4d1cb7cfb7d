/**
 * INTx for vfio-pci (vfio_pci_intrs.c: vfio_intx_*, vfio_pci_set_intx_*): the eventfd
 * trigger, mask / unmask (BOOL, NONE or an unmask irqfd) and the host handler.
 * Invariants: the device's line is masked (Command.INTX_DISABLE) before the eventfd is
 * signalled, so INTx signals once per unmask; an unmask while the line is still asserted
 * re-signals and stays masked (level semantics); the user's virtual INTX_DISABLE suppresses
 * every signal.
 */
import { fail, ok, type Result } from '../../base/result.js';
import { CFG, CMD } from '../../hardware/devices/config-space.js';
import * as V from '../../uapi/vfio.js';
import type { EventFd } from '../eventfd.js';
import type { SyscallContext } from '../fs/file.js';
import { boolAt, dataType, eventfdOf, type SetIrqs } from './irq-set-args.js';
import type { VfioPciCoreDevice } from './vfio-pci-core.js';

export function intxMask(d: VfioPciCoreDevice, s: SetIrqs): Result<number> {
  if (d.irqType !== 'intx' || s.count === 0) return fail('EINVAL', 'vfio_pci_set_intx_mask: INTx not enabled or count 0');
  const t = dataType(s);
  if (t === V.VFIO_IRQ_SET_DATA_EVENTFD) return fail('ENOTTY', 'vfio_pci_set_intx_mask: mask irqfd never implemented');
  if (t === V.VFIO_IRQ_SET_DATA_NONE || boolAt(s, 0)) intxDoMask(d);
  return ok(0);
}

function intxDoMask(d: VfioPciCoreDevice): void {
  if (d.intx.masked) return;
  d.intx.masked = true;
  hwIntxDisable(d, true);
}

function hwIntxDisable(d: VfioPciCoreDevice, on: boolean): void {
  const cmd = d.model.configRead(CFG.COMMAND, 2);
  d.model.configWrite(CFG.COMMAND, 2, on ? cmd | CMD.INTX_DISABLE : cmd & ~CMD.INTX_DISABLE);
}

export function intxUnmask(d: VfioPciCoreDevice, s: SetIrqs, ctx: SyscallContext): Result<number> {
  if (d.irqType !== 'intx' || s.count === 0) return fail('EINVAL', 'vfio_pci_set_intx_unmask: INTx not enabled or count 0');
  const t = dataType(s);
  if (t === V.VFIO_IRQ_SET_DATA_EVENTFD) {
    const fd = s.data[0] as number;
    if (fd < 0) {
      d.intx.unmask?.off();
      d.intx.unmask = null;
      return ok(0);
    }
    // vfio_virqfd_enable: the fd is looked up (EBADF / EINVAL) before the EBUSY check
    const e = eventfdOf(ctx, fd);
    if (!e.ok) return e;
    if (d.intx.unmask !== null) return fail('EBUSY', 'vfio_virqfd_enable: an unmask irqfd is already registered');
    const ev = e.value;
    const fire = (): void => {
      if (ev.take() !== null) intxDoUnmask(d); // virqfd_wakeup reads (zeroes) the counter
    };
    d.intx.unmask = { fd: ev, off: ev.subscribe(fire) };
    // already signalled: vfs_poll saw EPOLLIN, the handler runs; the counter is left as it is
    if (ev.count > 0n) intxDoUnmask(d);
    return ok(0);
  }
  if (t === V.VFIO_IRQ_SET_DATA_NONE || boolAt(s, 0)) intxDoUnmask(d);
  return ok(0);
}

/** vfio_pci_intx_unmask_handler: level semantics. */
function intxDoUnmask(d: VfioPciCoreDevice): void {
  if (!d.intx.masked || d.vconf?.virqDisabled) return;
  const pending = (d.model.configRead(CFG.STATUS, 2) & 0x8) !== 0;
  if (pending) {
    signalIntx(d);
    return;
  }
  d.intx.masked = false;
  hwIntxDisable(d, false);
}

function signalIntx(d: VfioPciCoreDevice): void {
  if (d.vconf?.virqDisabled) return;
  const t = d.intx.trigger;
  if (t === null) return;
  t.signal();
  d.k.trace.add('irq', d.bdf, 'vfio: INTx eventfd signalled');
}

/** vfio_intx_handler: mask at the device first, then signal. */
export function intxHandler(d: VfioPciCoreDevice): void {
  if (d.irqType !== 'intx' || d.intx.masked) return;
  d.intx.masked = true;
  hwIntxDisable(d, true);
  signalIntx(d);
}

export function intxTrigger(d: VfioPciCoreDevice, s: SetIrqs, ctx: SyscallContext): Result<number> {
  const t = dataType(s);
  if (d.irqType === 'intx' && s.count === 0 && t === V.VFIO_IRQ_SET_DATA_NONE) {
    intxDisable(d);
    return ok(0);
  }
  if (d.irqType !== 'intx' && d.irqType !== 'none') return fail('EINVAL', 'vfio_pci_set_intx_trigger: another interrupt type is active');
  if (s.count === 0) return fail('EINVAL', 'vfio_pci_set_intx_trigger: count 0');
  if (t === V.VFIO_IRQ_SET_DATA_EVENTFD) {
    const fd = s.data[0] as number;
    let ev: EventFd | null = null;
    if (fd >= 0) {
      const e = eventfdOf(ctx, fd);
      if (!e.ok) return e;
      ev = e.value;
    }
    if (d.irqType === 'intx') {
      d.intx.trigger = ev;
      return ok(0);
    }
    if (d.fn.interruptPin === 0) return fail('ENODEV', 'vfio_intx_enable: no INTx pin');
    d.irqType = 'intx';
    d.intx = { trigger: ev, masked: d.vconf?.virqDisabled ?? false, unmask: null };
    hwIntxDisable(d, d.intx.masked);
    if (d.model.intxLine) intxHandler(d);
    return ok(0);
  }
  if (d.irqType !== 'intx') return fail('EINVAL', 'vfio_pci_set_intx_trigger: loopback while INTx is not enabled');
  if (t === V.VFIO_IRQ_SET_DATA_NONE || boolAt(s, 0)) signalIntx(d);
  return ok(0);
}

export function intxDisable(d: VfioPciCoreDevice): void {
  d.intx.unmask?.off();
  d.intx = { trigger: null, masked: false, unmask: null };
  d.irqType = 'none';
}

export function virqDisable(d: VfioPciCoreDevice, disabled: boolean): void {
  if (d.irqType !== 'intx') return;
  if (disabled) intxDoMask(d);
  else intxDoUnmask(d);
}
