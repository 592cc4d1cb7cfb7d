/**
 * How a function turns "interrupt vector N" into an MSI / MSI-X message from what the host
 * programmed: the MSI capability's address / data / mask / pending registers in config space,
 * or the MSI-X table and PBA. The message itself is sent by `deliver` (a DMA write).
 * What must always hold: a masked vector (per-vector mask, or the MSI-X function mask) sets
 * its pending bit instead of sending; unmasking sends each pending message once and clears
 * its bit; a vector beyond what is enabled sends nothing.
 */
import type { ConfigSpace } from './config-space.js';
import type { MsixState } from './msix.js';

/** Send one message: the address and the data word. */
export type Deliver = (address: bigint, data: number) => void;

/** Is MSI or MSI-X enabled in the function's config space? */
export function msiModeOf(config: ConfigSpace): 'msix' | 'msi' | null {
  const c = config.caps;
  if (c.msix !== null && config.read(c.msix + 2, 2) & 0x8000) return 'msix';
  if (c.msi !== null && config.read(c.msi + 2, 2) & 0x1) return 'msi';
  return null;
}

/** Send MSI-X entry `vector`, or set its pending bit while masked. */
export function sendMsix(config: ConfigSpace, x: MsixState, vector: number, deliver: Deliver): boolean {
  if (vector >= x.vectors) return false;
  const ctl = config.read(config.caps.msix! + 2, 2);
  if (ctl & 0x4000 || x.masked(vector)) {
    x.setPending(vector, true);
    return true;
  }
  deliver(x.address(vector), x.data(vector));
  return true;
}

/** Send every pending, now unmasked MSI-X entry once (MSI-X enabled, function unmasked). */
export function flushMsix(config: ConfigSpace, x: MsixState | null, deliver: Deliver): void {
  if (x === null || msiModeOf(config) !== 'msix') return;
  if (config.read(config.caps.msix! + 2, 2) & 0x4000) return;
  for (let v = 0; v < x.vectors; v++) {
    if (x.pending(v) && !x.masked(v)) {
      x.setPending(v, false);
      deliver(x.address(v), x.data(v));
    }
  }
}

function msiRegs(config: ConfigSpace): { ctl: number; addr: bigint; data: number; maskAt: number | null } {
  const at = config.caps.msi!;
  const ctl = config.read(at + 2, 2);
  const is64 = (ctl & 0x80) !== 0;
  const lo = BigInt(config.read(at + 4, 4));
  const hi = is64 ? BigInt(config.read(at + 8, 4)) : 0n;
  const dataAt = at + (is64 ? 12 : 8);
  return { ctl, addr: (hi << 32n) | lo, data: config.read(dataAt, 2), maskAt: ctl & 0x100 ? dataAt + 4 : null };
}

/** Send MSI vector `vector` (multi-message: the low data bits carry it), or mark it pending. */
export function sendMsiVector(config: ConfigSpace, vector: number, deliver: Deliver): boolean {
  const r = msiRegs(config);
  const enabled = 1 << ((r.ctl >> 4) & 7);
  if (vector >= enabled) return false;
  if (r.maskAt !== null && (config.read(r.maskAt, 4) >>> vector) & 1) {
    config.set(r.maskAt + 4, 4, config.read(r.maskAt + 4, 4) | (1 << vector));
    return true;
  }
  deliver(r.addr, (r.data & ~(enabled - 1)) | vector);
  return true;
}

/** After a write to the MSI capability: send each pending vector the write unmasked. */
export function msiUnmaskCheck(config: ConfigSpace, deliver: Deliver): void {
  if (msiModeOf(config) !== 'msi') return;
  const r = msiRegs(config);
  if (r.maskAt === null) return;
  const mask = config.read(r.maskAt, 4);
  const pend = config.read(r.maskAt + 4, 4);
  for (let v = 0; v < 32; v++) {
    if ((pend >>> v) & 1 && !((mask >>> v) & 1)) {
      config.set(r.maskAt + 4, 4, config.read(r.maskAt + 4, 4) & ~(1 << v));
      const enabled = 1 << ((r.ctl >> 4) & 7);
      deliver(r.addr, (r.data & ~(enabled - 1)) | v);
    }
  }
}
