/**
 * MSI and MSI-X for vfio-pci (vfio_pci_intrs.c: vfio_msi_enable, vfio_msi_set_block,
 * vfio_msi_disable, dynamic MSI-X): host vectors come from the interrupt-remapping allocator
 * and are programmed into the device; each vector signals its bound eventfd.
 * Invariants: a vector is delivered only while bound; a failed first enable leaves nothing
 * enabled; dynamically added MSI-X vectors stay allocated until MSI-X is disabled.
 */
import { fail, ok, okVoid, type Result } from '../../base/result.js';
import * as V from '../../uapi/vfio.js';
import type { EventFd } from '../eventfd.js';
import type { SyscallContext } from '../fs/file.js';
import { boolAt, dataType, eventfdOf, hasDynMsix, type SetIrqs } from './irq-set-args.js';
import type { VfioPciCoreDevice } from './vfio-pci-core.js';

export function msiTrigger(d: VfioPciCoreDevice, s: SetIrqs, ctx: SyscallContext, kind: 'msi' | 'msix'): Result<number> {
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
  const irqs = d.k.irqs;
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
  const irqs = d.k.irqs;
  const b = irqs.alloc(1, requester(d), false, () => signalVector(d, v));
  if (b === null) return fail('ENOSPC', 'pci_msix_alloc_irq_at: no host vector left');
  d.dynMsix.push(b);
  d.model.programMsix(v, irqs.addressOf(b, 0), b.datas[0]!, false);
  while (d.msiVectors.length <= v) d.msiVectors.push(undefined as unknown as null);
  d.msiVectors[v] = null;
  return okVoid();
}

export function msiDisable(d: VfioPciCoreDevice): void {
  const m = d.model;
  const c = m.config.caps;
  if (d.irqType === 'msi' && c.msi !== null) m.configWrite(c.msi + 2, 2, m.configRead(c.msi + 2, 2) & ~1);
  if (d.irqType === 'msix' && c.msix !== null) m.configWrite(c.msix + 2, 2, m.configRead(c.msix + 2, 2) & ~0x8000);
  d.freeMsiBlock();
  for (const b of d.dynMsix.splice(0)) d.k.irqs.free(b);
  d.msiVectors = [];
  d.msiQmax = 0;
  d.irqType = 'none'; // vfio_msi_disable leaves vconfig alone: the user's Enable bit stays as written
}
