/**
 * Config space virtualization (drivers/vfio/pci/vfio_pci_config.c): the shadow `vconfig`,
 * and per byte two bit masks — `virt` (bit lives in vconfig) and `wr` (user may change
 * it). Reads merge device and vconfig bits; writes drop read-only bits, send virtualized
 * bits to vconfig and read-modify-write the rest to the device; special handlers (command,
 * BARs, MSI control, PM control, PCIe DevCtl FLR) run after.
 *
 * Invariants: a user write never moves a BAR (BARs are pure emulation, fixed up on read);
 * Status is unwritable; bytes outside any kept capability go raw to the device; the
 * MEMORY bit that gates BAR access is the user's last written value, kept in vconfig.
 */
import { CFG, CMD } from '../../hardware/devices/config-space.js';
import type { DeviceModel } from '../../hardware/devices/model-types.js';
import { fail, ok, type Result } from '../../base/result.js';

/** What a config write can ask of the vfio-pci core. */
export interface ConfigHooks {
  intxVirqDisable(disabled: boolean): void;
  /** A user asked for a function reset through DevCtl.FLR. */
  flr(): void;
  /** The user's PM_CTRL PowerState changed (0..3). */
  powerState(state: number): void;
  /** Whether MSI is the active vfio interrupt type, and its qmax. */
  msiActive(): { active: boolean; qmax: number };
}

export class VConfig {
  readonly size: number;
  readonly vconfig: Uint8Array;
  private readonly virt: Uint8Array;
  private readonly wr: Uint8Array;

  constructor(private readonly model: DeviceModel, private readonly hooks: ConfigHooks) {
    const cs = model.config;
    this.size = cs.size;
    this.vconfig = new Uint8Array(this.size);
    for (let i = 0; i < this.size; i += 4) {
      const v = model.configRead(i, 4);
      for (let j = 0; j < 4; j++) this.vconfig[i + j] = (v >>> (8 * j)) & 0xff;
    }
    this.virt = new Uint8Array(this.size);
    this.wr = new Uint8Array(this.size).fill(0xff, 0x40);
    this.initHeader();
    this.initCaps();
  }

  private perm(off: number, len: number, virt: number, wr: number): void {
    for (let i = 0; i < len; i++) {
      this.virt[off + i] = (virt >>> (8 * i)) & 0xff;
      this.wr[off + i] = (wr >>> (8 * i)) & 0xff;
    }
  }

  private initHeader(): void {
    this.perm(0, 0x40, 0, 0);
    this.perm(CFG.VENDOR, 4, 0xffff_ffff, 0);
    this.perm(CFG.COMMAND, 2, CMD.INTX_DISABLE, 0xffff);
    this.perm(CFG.STATUS, 2, 0x0010, 0);
    this.perm(0x0c, 2, 0, 0xffff);
    this.perm(0x0f, 1, 0, 0xff);
    for (let b = CFG.BAR0; b < 0x28; b += 4) this.perm(b, 4, 0xffff_ffff, 0xffff_ffff);
    this.perm(CFG.ROM, 4, 0xffff_ffff, 0xffff_ffff);
    this.perm(CFG.CAP_PTR, 1, 0xff, 0);
    this.perm(CFG.INT_LINE, 1, 0xff, 0xff);
    this.perm(CFG.INT_PIN, 1, 0xff, 0);
    const fn = this.model.fn;
    if (fn.interruptPin === 0 || fn.isVf) this.vconfig[CFG.INT_PIN] = 0;
    if (this.size > 0x100) {
      this.perm(0x100, 4, 0xffff_ffff, 0);
      this.vconfig.fill(0, 0x100, 0x104);
    }
  }

  private initCaps(): void {
    const c = this.model.config.caps;
    for (const at of [c.pm, c.msi, c.pcie, c.msix]) if (at !== null) this.capCommon(at);
    if (c.pm !== null) {
      this.perm(c.pm + 2, 2, 0xf800, 0);
      // init_pci_cap_pm_perm: PME_En / PME_Status virtual; PowerState read from the device and
      // changed only by vfio_pm_config_write (the user's request, through the PCI core)
      this.perm(c.pm + 4, 2, 0x8100, 0xffff & ~0x8103);
      this.vconfig[c.pm + 3] = this.vconfig[c.pm + 3]! & 0x07;
      this.vconfig[c.pm + 5] = this.vconfig[c.pm + 5]! & ~0x81;
    }
    if (c.msi !== null) {
      const ctl = this.model.config.read(c.msi + 2, 2);
      const is64 = (ctl & 0x80) !== 0;
      const dataAt = c.msi + (is64 ? 12 : 8);
      this.perm(c.msi + 2, 2, 0x00ff, 0x00ff);
      this.perm(c.msi + 4, dataAt + 2 - (c.msi + 4), 0xffff_ffff, 0xffff_ffff);
      for (let i = c.msi + 4; i < dataAt + 2; i++) { this.virt[i] = 0xff; this.wr[i] = 0xff; }
      if (ctl & 0x100) this.perm(dataAt + 4, 4, 0, 0xffff_ffff);
      if (ctl & 0x100) this.perm(dataAt + 8, 4, 0, 0);
    }
    if (c.pcie !== null) {
      this.perm(c.pcie + 2, 8, 0, 0);
      this.perm(c.pcie + 8, 2, 0xf0e0, 0xffff & ~0x0200);
      this.perm(c.pcie + 0x0a, 0x3c - 0x0a, 0, 0);
      this.perm(c.pcie + 0x28, 2, 0, 0xffff & ~0x0020);
    }
    if (c.msix !== null) this.perm(c.msix + 2, 10, 0, 0);
  }

  private capCommon(at: number): void {
    this.perm(at, 2, 0xffff, 0);
  }

  /** Which capability a byte belongs to: its start, or -1 (header) / null (unassigned). */
  private capStart(off: number): number | null {
    if (off < 0x40) return -1;
    const c = this.model.config.caps;
    const spans: Array<[number | null, number]> = [[c.pm, 8], [c.msi, 24], [c.pcie, 0x3c], [c.msix, 12]];
    for (const [s, n] of spans) if (s !== null && off >= s && off < s + n) return s;
    return null;
  }

  /** vfio_pci_config_rw: the whole request is range-checked first (EFAULT), then pieces. */
  access(pos: number, data: Uint8Array, write: boolean): Result<number> {
    const count = data.length;
    if (pos < 0 || pos >= this.size || pos + count > this.size) return fail('EFAULT', 'vfio_pci_config_rw: outside config space');
    let done = 0;
    while (done < count) {
      const p = pos + done;
      const left = count - done;
      let n = p % 4 === 0 && left >= 4 ? 4 : p % 2 === 0 && left >= 2 ? 2 : 1;
      if (n > 1 && this.capStart(p) !== this.capStart(p + n - 1)) n = p % 2 === 0 && left >= 2 && this.capStart(p) === this.capStart(p + 1) ? 2 : 1;
      if (write) {
        let v = 0;
        for (let i = n - 1; i >= 0; i--) v = v * 256 + data[done + i]!;
        this.write(p, n, v >>> 0);
      } else {
        const v = this.read(p, n);
        for (let i = 0; i < n; i++) data[done + i] = (v >>> (8 * i)) & 0xff;
      }
      done += n;
    }
    return ok(count);
  }

  read(off: number, n: number): number {
    if (off < 0x40 && off + n > CFG.BAR0 && off < 0x34) this.barFixup();
    const dev = this.model.configRead(off, n);
    let v = 0;
    for (let i = n - 1; i >= 0; i--) {
      const m = this.virt[off + i]!;
      const b = (((dev >>> (8 * i)) & 0xff) & ~m) | (this.vconfig[off + i]! & m);
      v = v * 256 + b;
    }
    return v >>> 0;
  }

  private write(off: number, n: number, val: number): void {
    const oldCmd = this.vconfig[CFG.COMMAND + 1]!;
    let devMask = 0;
    let devVal = 0;
    for (let i = 0; i < n; i++) {
      const b = (val >>> (8 * i)) & 0xff;
      const w = this.wr[off + i]!;
      const m = this.virt[off + i]!;
      this.vconfig[off + i] = (this.vconfig[off + i]! & ~(w & m)) | (b & w & m);
      devMask += (w & ~m & 0xff) * 2 ** (8 * i);
      devVal += (b & w & ~m & 0xff) * 2 ** (8 * i);
    }
    if (devMask !== 0) {
      const cur = this.model.configRead(off, n);
      const merged = (((cur & ~devMask) | devVal) >>> 0);
      this.model.configWrite(off, n, merged);
    }
    this.special(off, n, val, oldCmd);
  }

  private special(off: number, n: number, val: number, oldCmdHi: number): void {
    const c = this.model.config.caps;
    if (off <= CFG.COMMAND && off + n > CFG.COMMAND) {
      const lo = (val >>> (8 * (CFG.COMMAND - off))) & 0xff;
      this.vconfig[CFG.COMMAND] = (this.vconfig[CFG.COMMAND]! & ~(CMD.IO | CMD.MEMORY)) | (lo & (CMD.IO | CMD.MEMORY));
    }
    if (off <= CFG.COMMAND + 1 && off + n > CFG.COMMAND) {
      const was = (oldCmdHi & 0x04) !== 0;
      const now = (this.vconfig[CFG.COMMAND + 1]! & 0x04) !== 0;
      if (was !== now) this.hooks.intxVirqDisable(now);
    }
    // vfio_msi_config_write: any write reaching PCI_MSI_FLAGS (offset <= 2 && offset + count >= 2,
    // so also a write of the next pointer) sanitizes the virtual flags and writes the whole
    // word to the device: Enable as the user left it while MSI is the active type (so clearing
    // it stops the device's MSIs), 0 otherwise; Multiple Message Enable clamped to msi_qmax.
    if (c.msi !== null && off <= c.msi + 2 && off + n >= c.msi + 2) {
      const { active, qmax } = this.hooks.msiActive();
      let flags = this.vconfig[c.msi + 2]! | (this.vconfig[c.msi + 3]! << 8);
      if (!active) flags &= ~1;
      if (((flags >> 4) & 7) > qmax) flags = (flags & ~0x70) | (qmax << 4);
      this.vconfig[c.msi + 2] = flags & 0xff;
      this.model.configWrite(c.msi + 2, 2, flags);
    }
    if (c.pm !== null && off === c.pm + 4) this.hooks.powerState(val & 3); // vfio_pm_config_write: offset == PCI_PM_CTRL
    if (c.pcie !== null && off <= c.pcie + 9 && off + n > c.pcie + 9 && this.vconfig[c.pcie + 9]! & 0x80) {
      this.vconfig[c.pcie + 9] = this.vconfig[c.pcie + 9]! & 0x7f;
      if (this.model.fn.capabilities.flr) this.hooks.flr();
    }
  }

  /** vfio_bar_fixup: emulated BARs report their size mask and type bits. */
  private barFixup(): void {
    const bars = this.model.fn.bars;
    for (let i = 0; i < 6; i++) {
      const at = CFG.BAR0 + 4 * i;
      const bar = bars.find((b) => b.index === i);
      const upperOf = bars.find((b) => b.index === i - 1 && b.is64);
      if (upperOf !== undefined) {
        const mask = Number((~(upperOf.size - 1n) >> 32n) & 0xffff_ffffn);
        this.set32(at, (this.get32(at) & mask) >>> 0);
        continue;
      }
      if (bar === undefined || bar.size === 0n) {
        this.set32(at, 0);
        continue;
      }
      const flags = bar.io ? 0x1 : (bar.is64 ? 0x4 : 0) | (bar.prefetchable ? 0x8 : 0);
      const mask = Number(~(bar.size - 1n) & 0xffff_ffffn) & (bar.io ? ~0x3 : ~0xf);
      this.set32(at, ((this.get32(at) & mask) | flags) >>> 0);
    }
    const rom = this.model.rom;
    if (rom === null) this.set32(CFG.ROM, 0);
    else this.set32(CFG.ROM, (this.get32(CFG.ROM) & ((~(rom.length - 1) >>> 0) | 0x1)) >>> 0); // enable bit kept as written
  }

  get32(off: number): number {
    return (this.vconfig[off]! | (this.vconfig[off + 1]! << 8) | (this.vconfig[off + 2]! << 16) | (this.vconfig[off + 3]! << 24)) >>> 0;
  }

  private set32(off: number, v: number): void {
    for (let i = 0; i < 4; i++) this.vconfig[off + i] = (v >>> (8 * i)) & 0xff;
  }

  /** The user's virtual MEMORY / IO enable bits. */
  get memoryEnabled(): boolean {
    return (this.vconfig[CFG.COMMAND]! & CMD.MEMORY) !== 0;
  }

  get virqDisabled(): boolean {
    return (this.vconfig[CFG.COMMAND + 1]! & 0x04) !== 0;
  }
}
