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
 */
import { fail, ok, okVoid, type Result } from '../../base/result.js';
import { CFG, CMD } from '../../hardware/devices/config-space.js';
import * as V from '../../uapi/vfio.js';
import type { EventFd } from '../eventfd.js';
import type { SyscallContext } from '../fs/file.js';
import { arrayField, nums, structArg } from './args.js';
import { hostIrqs } from './host-irq.js';
import { irqOps, type IrqType, type VfioPciCoreDevice } from './vfio-pci-core.js';

const SET_MINSZ = 20;

/** vfio_pci_get_irq_count: from the hardware capabilities, not vconfig. */
export function irqCount(d: VfioPciCoreDevice, index: number): number {
  const fn = d.fn;
  switch (index) {
    case V.VFIO_PCI_INTX_IRQ_INDEX: return d.vconf !== null && d.vconf.vconfig[CFG.INT_PIN] !== 0 ? 1 : 0;
    case V.VFIO_PCI_MSI_IRQ_INDEX: return fn.capabilities.msi ? 1 << Math.ceil(Math.log2(fn.capabilities.msi.vectors)) : 0;
    case V.VFIO_PCI_MSIX_IRQ_INDEX: return fn.capabilities.msix?.vectors ?? 0;
    case V.VFIO_PCI_ERR_IRQ_INDEX: return fn.isPcie ? 1 : 0;
    case V.VFIO_PCI_REQ_IRQ_INDEX: return 1;
    default: return 0;
  }
}

/**
 * vdev->has_dyn_msix = pci_msix_can_alloc_dyn(): the x86 vector and interrupt-remapping MSI
 * domains support MSI_FLAG_PCI_MSIX_ALLOC_DYN (since v6.5), the arm64 GICv3 ITS does not.
 */
export function hasDynMsix(d: VfioPciCoreDevice): boolean {
  return d.fn.capabilities.msix !== null && d.k.topology.platform !== 'arm';
}

/** VFIO_DEVICE_GET_IRQ_INFO (vfio_pci_ioctl_get_irq_info). */
export function getIrqInfo(d: VfioPciCoreDevice, arg: unknown): Result<number> {
  const a = structArg(arg);
  if (!a.ok) return a;
  const f = nums(a.value, ['argsz', 'index'] as const);
  if (!f.ok) return f;
  const { argsz, index } = f.value;
  if (argsz < 16 || index >= V.VFIO_PCI_NUM_IRQS) return fail('EINVAL', 'vfio_pci_ioctl_get_irq_info: argsz < minsz or index out of range');
  if (index === V.VFIO_PCI_ERR_IRQ_INDEX && !d.fn.isPcie) return fail('EINVAL', 'vfio_pci_ioctl_get_irq_info: ERR on a non-PCIe device');
  let flags = V.VFIO_IRQ_INFO_EVENTFD;
  if (index === V.VFIO_PCI_INTX_IRQ_INDEX) flags |= V.VFIO_IRQ_INFO_MASKABLE | V.VFIO_IRQ_INFO_AUTOMASKED;
  else if (!(index === V.VFIO_PCI_MSIX_IRQ_INDEX && hasDynMsix(d))) flags |= V.VFIO_IRQ_INFO_NORESIZE;
  Object.assign(a.value, { flags, count: irqCount(d, index) });
  return ok(0);
}

interface SetIrqs {
  flags: number;
  index: number;
  start: number;
  count: number;
  data: unknown[];
}

/** vfio_set_irqs_validate_and_prepare. */
function validate(d: VfioPciCoreDevice, arg: unknown): Result<SetIrqs> {
  const a = structArg(arg);
  if (!a.ok) return a;
  const f = nums(a.value, ['argsz', 'flags', 'index', 'start', 'count'] as const);
  if (!f.ok) return f;
  const { argsz, flags, index, start, count } = f.value;
  const why = 'vfio_set_irqs_validate_and_prepare';
  if (argsz < SET_MINSZ || index >= V.VFIO_PCI_NUM_IRQS) return fail('EINVAL', `${why}: argsz < minsz or index`);
  if (count >= 0xffff_ffff - start) return fail('EINVAL', `${why}: start + count overflows`);
  if (flags & ~(V.VFIO_IRQ_SET_DATA_TYPE_MASK | V.VFIO_IRQ_SET_ACTION_TYPE_MASK)) return fail('EINVAL', `${why}: unknown flags`);
  const max = irqCount(d, index);
  if (start >= max || start + count > max) return fail('EINVAL', `${why}: start/count beyond the ${max} vectors of index ${index}`);
  const type = flags & V.VFIO_IRQ_SET_DATA_TYPE_MASK;
  let size = 0;
  if (type === V.VFIO_IRQ_SET_DATA_BOOL) size = 1;
  else if (type === V.VFIO_IRQ_SET_DATA_EVENTFD) size = 4;
  else if (type !== V.VFIO_IRQ_SET_DATA_NONE) return fail('EINVAL', `${why}: data type is not exactly one of NONE, BOOL, EVENTFD`);
  let data: unknown[] = [];
  if (size > 0) {
    if (argsz - SET_MINSZ < count * size) return fail('EINVAL', `${why}: argsz too small for ${count} elements`);
    const r = arrayField(a.value, 'data', count);
    if (!r.ok) return r;
    data = r.value;
    for (const [i, v] of data.entries()) {
      if (type === V.VFIO_IRQ_SET_DATA_BOOL && typeof v !== 'boolean' && typeof v !== 'number') return failTypeAt(`arg.data[${i}]`, 'of type boolean', v);
      if (type === V.VFIO_IRQ_SET_DATA_EVENTFD && (typeof v !== 'number' || !Number.isInteger(v))) return failTypeAt(`arg.data[${i}]`, 'of type number', v);
    }
  }
  return ok({ flags, index, start, count, data });
}

function failTypeAt(name: string, expected: string, actual: unknown): Result<never> {
  return { ok: false, code: 'EINVAL', typeError: { name, expected, actual } };
}

/** Look an eventfd up: EBADF when the fd is not open, EINVAL when it is not an eventfd. */
export function eventfdOf(ctx: SyscallContext, fd: number): Result<EventFd> {
  const f = ctx.task.file(fd);
  if (f === undefined) return fail('EBADF', 'eventfd_ctx_fdget: fd not open');
  if (f.ops.kind !== 'eventfd') return fail('EINVAL', 'eventfd_ctx_fdget: not an eventfd');
  return ok(f.priv as EventFd);
}

/** VFIO_DEVICE_SET_IRQS (vfio_pci_ioctl_set_irqs → vfio_pci_set_irqs_ioctl). */
export function setIrqs(d: VfioPciCoreDevice, arg: unknown, ctx: SyscallContext): Result<number> {
  const v = validate(d, arg);
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

const dataType = (s: SetIrqs): number => s.flags & V.VFIO_IRQ_SET_DATA_TYPE_MASK;
const boolAt = (s: SetIrqs, i: number): boolean => Boolean(s.data[i]);

// ---- INTx ------------------------------------------------------------------------------

function intxMask(d: VfioPciCoreDevice, s: SetIrqs): Result<number> {
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

function intxUnmask(d: VfioPciCoreDevice, s: SetIrqs, ctx: SyscallContext): Result<number> {
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
function intxHandler(d: VfioPciCoreDevice): void {
  if (d.irqType !== 'intx' || d.intx.masked) return;
  d.intx.masked = true;
  hwIntxDisable(d, true);
  signalIntx(d);
}

function intxTrigger(d: VfioPciCoreDevice, s: SetIrqs, ctx: SyscallContext): Result<number> {
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

function intxDisable(d: VfioPciCoreDevice): void {
  d.intx.unmask?.off();
  d.intx = { trigger: null, masked: false, unmask: null };
  d.irqType = 'none';
}

function virqDisable(d: VfioPciCoreDevice, disabled: boolean): void {
  if (d.irqType !== 'intx') return;
  if (disabled) intxDoMask(d);
  else intxDoUnmask(d);
}

// ---- MSI / MSI-X -----------------------------------------------------------------------

function msiTrigger(d: VfioPciCoreDevice, s: SetIrqs, ctx: SyscallContext, kind: 'msi' | 'msix'): Result<number> {
  const t = dataType(s);
  if (d.irqType === kind && s.count === 0 && t === V.VFIO_IRQ_SET_DATA_NONE) {
    msiDisable(d);
    return ok(0);
  }
  if (d.irqType !== kind && d.irqType !== 'none') return fail('EINVAL', 'vfio_pci_set_msi_trigger: another interrupt type is active');
  if (t === V.VFIO_IRQ_SET_DATA_EVENTFD) {
    const fds = s.data as number[];
    if (d.irqType === kind) return msiSetBlock(d, s.start, fds, ctx);
    if (s.start + s.count === 0) return fail('ERANGE', 'pci_alloc_irq_vectors: zero vectors requested');
    const r = msiEnable(d, s.start + s.count, kind);
    if (!r.ok || r.value > 0) return r;
    const b = msiSetBlock(d, s.start, fds, ctx);
    if (!b.ok) msiDisable(d);
    return b;
  }
  if (d.irqType !== kind) return fail('EINVAL', 'vfio_pci_set_msi_trigger: loopback while not enabled');
  for (let i = 0; i < s.count; i++) {
    if (t === V.VFIO_IRQ_SET_DATA_BOOL && !boolAt(s, i)) continue;
    signalVector(d, s.start + i);
  }
  return ok(0);
}

function signalVector(d: VfioPciCoreDevice, v: number): void {
  const e = d.msiVectors[v];
  if (e === null || e === undefined) return;
  e.signal();
  d.k.trace.add('irq', d.bdf, `vfio: ${d.irqType === 'msix' ? 'MSI-X' : 'MSI'} vector ${v} eventfd signalled`);
}

/** vfio_msi_enable: allocate `nvec` host vectors and program the device. */
function msiEnable(d: VfioPciCoreDevice, nvec: number, kind: 'msi' | 'msix'): Result<number> {
  const irqs = hostIrqs(d.k);
  const block = irqs.alloc(nvec, requester(d), kind === 'msi', (i) => signalVector(d, i));
  if (block === null) {
    // pci_alloc_irq_vectors(1, nvec) granted fewer: return that count, enable nothing
    const got = irqs.available(nvec - 1, requester(d), kind === 'msi');
    if (got > 0) return ok(got);
    return fail('ENOSPC', 'vfio_msi_enable: no host vectors left');
  }
  d.msiBlock = block;
  d.msiVectors = new Array<EventFd | null>(nvec).fill(null);
  d.irqType = kind;
  const m = d.model;
  const c = m.config.caps;
  if (kind === 'msi' && c.msi !== null) {
    d.msiQmax = Math.ceil(Math.log2(nvec));
    const ctl = m.configRead(c.msi + 2, 2);
    const is64 = (ctl & 0x80) !== 0;
    m.configWrite(c.msi + 4, 4, Number(block.address & 0xffff_ffffn));
    if (is64) m.configWrite(c.msi + 8, 4, Number(block.address >> 32n));
    m.configWrite(c.msi + (is64 ? 12 : 8), 2, block.datas[0]!);
    m.configWrite(c.msi + 2, 2, (ctl & ~0x70) | (d.msiQmax << 4) | 1);
  } else if (c.msix !== null) {
    for (let i = 0; i < nvec; i++) m.programMsix(i, irqs.addressOf(block, i), block.datas[i]!, false);
    const ctl = m.configRead(c.msix + 2, 2);
    m.configWrite(c.msix + 2, 2, (ctl & ~0x4000) | 0x8000);
  }
  return ok(0);
}

function requester(d: VfioPciCoreDevice): number {
  return (d.model as { requesterId?: number }).requesterId ?? d.fn.rid;
}

/**
 * vfio_msi_set_block: bind fds to vectors start..; a failure leaves earlier ones unbound.
 * A vector beyond those enabled is unbound trivially with fd < 0; with fd >= 0 it needs
 * dynamic MSI-X (vfio_msi_alloc_irq → pci_msix_alloc_irq_at), else EINVAL. A vector added
 * that way stays allocated until MSI-X is disabled.
 */
function msiSetBlock(d: VfioPciCoreDevice, start: number, fds: number[], ctx: SyscallContext): Result<number> {
  for (let i = 0; i < fds.length; i++) {
    const v = start + i;
    const fd = fds[i]!;
    if (v < d.msiVectors.length) d.msiVectors[v] = null;
    if (fd < 0) continue;
    if (v >= d.msiVectors.length || d.msiVectors[v] === undefined) {
      const r = msixAllocAt(d, v);
      if (!r.ok) {
        for (let j = start; j < v; j++) if (j < d.msiVectors.length) d.msiVectors[j] = null;
        return r;
      }
    }
    const e = eventfdOf(ctx, fd);
    if (!e.ok) {
      for (let j = start; j < v; j++) d.msiVectors[j] = null;
      return e;
    }
    d.msiVectors[v] = e.value;
  }
  return ok(0);
}

/** pci_msix_alloc_irq_at: one more host vector for MSI-X entry `v` (dynamic MSI-X only). */
function msixAllocAt(d: VfioPciCoreDevice, v: number): Result<void> {
  if (d.irqType !== 'msix' || !hasDynMsix(d)) return fail('EINVAL', 'vfio_msi_alloc_irq: vector beyond those enabled (no dynamic MSI-X)');
  const irqs = hostIrqs(d.k);
  const b = irqs.alloc(1, requester(d), false, () => signalVector(d, v));
  if (b === null) return fail('ENOSPC', 'pci_msix_alloc_irq_at: no host vector left');
  d.dynMsix.push(b);
  d.model.programMsix(v, irqs.addressOf(b, 0), b.datas[0]!, false);
  while (d.msiVectors.length <= v) d.msiVectors.push(undefined as unknown as null);
  d.msiVectors[v] = null;
  return okVoid();
}

function msiDisable(d: VfioPciCoreDevice): void {
  const m = d.model;
  const c = m.config.caps;
  if (d.irqType === 'msi' && c.msi !== null) m.configWrite(c.msi + 2, 2, m.configRead(c.msi + 2, 2) & ~1);
  if (d.irqType === 'msix' && c.msix !== null) m.configWrite(c.msix + 2, 2, m.configRead(c.msix + 2, 2) & ~0x8000);
  d.freeMsiBlock();
  for (const b of d.dynMsix.splice(0)) hostIrqs(d.k).free(b);
  d.msiVectors = [];
  d.msiQmax = 0;
  d.irqType = 'none'; // vfio_msi_disable leaves vconfig alone: the user's Enable bit stays as written
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
function disableAll(d: VfioPciCoreDevice): void {
  if (d.irqType === 'intx') intxDisable(d);
  else if (d.irqType === 'msi' || d.irqType === 'msix') msiDisable(d);
}

irqOps.disableAll = disableAll;
irqOps.virqDisable = virqDisable;
irqOps.intxHandler = intxHandler;

/** The type names used in traces. */
export function irqTypeName(t: IrqType): string {
  return t;
}

export { okVoid };
