/**
 * A hostile device: the attacker of the threat catalogue (spec topology-groups-iommu.md
 * §4). It does what real malicious or compromised hardware can do and nothing more: emit
 * arbitrary memory requests on its link — any address, any length, a forged requester id,
 * any address type (untranslated, ATS translation request, translated) — keep its own ATS
 * translation cache and ignore invalidations, write raw MSI messages, and ignore the
 * Command register's bus-master bit (a device enforces that bit itself). Everything it
 * sends still goes through the fabric (ACS) and the IOMMU, so what succeeds shows what the
 * platform failed to block.
 *
 * Driving it: from a test or scenario call `attack()`, `translate()`, `msi()`; from a
 * user-space driver program BAR0:
 *   0x00 RO  identification 0x686f7374 ("host")
 *   0x08 RW  ADDR (u64)        0x10 RW  LEN (≤ 4096)
 *   0x14 RW  RID: bits 15:0 the forged requester id, bit 16 = use it
 *   0x18 RW  AT: 0 untranslated, 1 translated, 2 translation request
 *   0x1c WO  CMD: 1 write BUF → ADDR, 2 read ADDR → BUF, 3 translation request for ADDR
 *            (result in ATC_PA), 4 MSI: write BUF[0..4) to ADDR
 *   0x20 RO  STATUS: 0 ok, 1 IOMMU fault, 2 dropped by ACS, 3 bus mastering off
 *   0x24 RO  bytes done        0x28 RO  ATC_PA (u64) of the last translation
 *   0x1000–0x1fff RW BUF (4 KiB)
 * Params: `respectBusMaster` (default false), `honourAtsInvalidation` (default false).
 *
 * Invariant: the model never touches memory except through the fabric/IOMMU DMA port.
 */
import type { Fabric, FabricDmaResult } from '../fabric/fabric.js';
import type { AddressType } from '../fabric/route.js';
import type { AtsTranslation } from '../iommu/iommu-types.js';
import type { PciFunction } from '../topology/model.js';
import { MAX_PHYS } from '../memory/phys-mem.js';
import { CMD } from './config-space.js';
import { U64_MAX as M64 } from '../../base/u64.js';
import { getLE, putLE } from './le-bytes.js';
import { PciDeviceModel } from './model.js';
import type { AccessSize, DeviceContext } from './model-types.js';
import { z } from 'zod';
import type { DeviceModelInfo } from '../topology/model-catalog.js';
import { mmioBar } from './catalog-fields.js';

export const HOSTILE = {
  ID: 0x00, ADDR: 0x08, LEN: 0x10, RID: 0x14, AT: 0x18, CMD: 0x1c, STATUS: 0x20, DONE: 0x24, ATC_PA: 0x28,
  BUF: 0x1000, BUF_SIZE: 0x1000,
  IDENT: 0x686f7374,
  CMD_WRITE: 1, CMD_READ: 2, CMD_TRANSLATE: 3, CMD_MSI: 4,
  RID_FORGE: 0x1_0000,
  ST_OK: 0, ST_FAULT: 1, ST_ACS: 2, ST_NO_MASTER: 3,
} as const;

const AT_CODES: readonly AddressType[] = ['untranslated', 'translated', 'translation-request'];
const MAX_PHYS_N = BigInt(MAX_PHYS);

/** One request the attacker puts on its link. */
export interface AttackRequest {
  readonly kind: 'write' | 'read';
  readonly addr: bigint;
  /** Bytes to write (write), or the length to read (read). */
  readonly data?: Uint8Array;
  readonly len?: number;
  /** A forged requester id (default: the function's own, after aliasing). */
  readonly rid?: number;
  readonly at?: AddressType;
}

export type AttackResult = FabricDmaResult | { readonly ok: false; readonly bytesDone: 0; readonly busMasterOff: true };

export class HostileModel extends PciDeviceModel {
  /** The device's own ATS translation cache: page-aligned IOVA → translation. */
  readonly atc = new Map<bigint, AtsTranslation>();
  readonly buffer = new Uint8Array(HOSTILE.BUF_SIZE);
  private regs = { addr: 0n, len: 0, rid: 0, at: 0, status: 0, done: 0, atcPa: 0n };
  private readonly respectBusMaster: boolean;
  private readonly honourInvalidation: boolean;

  constructor(fn: PciFunction, ctx: DeviceContext) {
    super(fn, ctx);
    this.respectBusMaster = fn.params['respectBusMaster'] === true;
    this.honourInvalidation = fn.params['honourAtsInvalidation'] === true;
  }

  /** Put one request on the link; the fabric and the IOMMU decide what happens. */
  attack(req: AttackRequest): AttackResult {
    if (this.respectBusMaster && (this.command & CMD.MASTER) === 0) return { ok: false, bytesDone: 0, busMasterOff: true };
    const rid = req.rid ?? this.requesterId;
    const opts = { at: req.at ?? 'untranslated' } as const;
    const port = this.port();
    const what = `${req.kind} 0x${req.addr.toString(16)}${rid !== this.requesterId ? ` as rid 0x${rid.toString(16).padStart(4, '0')}` : ''} (${opts.at})`;
    this.trace(`hostile: ${what}`);
    if (req.kind === 'write') return port.dmaWrite(this.fn, rid, req.addr, req.data ?? new Uint8Array(0), opts);
    return port.dmaRead(this.fn, rid, req.addr, req.len ?? 0, opts);
  }

  /** An ATS translation request for `iova`; a success is cached in the device's ATC. */
  translate(iova: bigint, rid?: number): AttackResult {
    const r = this.attack({ kind: 'read', addr: iova, len: 0, at: 'translation-request', ...(rid === undefined ? {} : { rid }) });
    if (r.ok && r.translation !== undefined) this.atc.set(iova & ~0xfffn, r.translation);
    return r;
  }

  /** A write using the ATC's cached physical address for `iova` (a translated request). */
  writeTranslated(iova: bigint, data: Uint8Array): AttackResult | null {
    const t = this.atc.get(iova & ~0xfffn);
    if (t === undefined) return null;
    return this.attack({ kind: 'write', addr: t.pa + (iova & 0xfffn), data, at: 'translated' });
  }

  /** The host's ATS invalidation: a compliant device drops the entry, this one may not. */
  atsInvalidate(iova: bigint, size: bigint): boolean {
    if (!this.honourInvalidation) return false;
    for (const k of [...this.atc.keys()]) if (k >= (iova & ~0xfffn) && k < iova + size) this.atc.delete(k);
    return true;
  }

  /** A raw MSI: a 4-byte write of `data` to `address` (compatibility or remappable format). */
  msi(address: bigint, data: number, rid?: number): AttackResult {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, data >>> 0, true);
    return this.attack({ kind: 'write', addr: address, data: b, ...(rid === undefined ? {} : { rid }) });
  }

  // ---- MMIO -------------------------------------------------------------------------

  protected mmioRead(bar: number, off: number, size: AccessSize): bigint {
    if (bar !== 0) return M64;
    if (off >= HOSTILE.BUF && off + size <= HOSTILE.BUF + HOSTILE.BUF_SIZE) return getLE(this.buffer, off - HOSTILE.BUF, size);
    const r = this.regs;
    const v: Record<number, bigint> = {
      [HOSTILE.ID]: BigInt(HOSTILE.IDENT), [HOSTILE.ADDR]: r.addr, [HOSTILE.LEN]: BigInt(r.len), [HOSTILE.RID]: BigInt(r.rid),
      [HOSTILE.AT]: BigInt(r.at), [HOSTILE.STATUS]: BigInt(r.status), [HOSTILE.DONE]: BigInt(r.done), [HOSTILE.ATC_PA]: r.atcPa,
    };
    const x = v[off];
    return x === undefined ? 0n : x & (size === 8 ? M64 : (1n << BigInt(8 * size)) - 1n);
  }

  protected mmioWrite(bar: number, off: number, size: AccessSize, value: bigint): void {
    if (bar !== 0) return;
    if (off >= HOSTILE.BUF && off + size <= HOSTILE.BUF + HOSTILE.BUF_SIZE) {
      putLE(this.buffer, off - HOSTILE.BUF, size, value);
      return;
    }
    const r = this.regs;
    if (off === HOSTILE.ADDR) r.addr = size === 8 ? value : (r.addr & ~0xffff_ffffn) | (value & 0xffff_ffffn);
    else if (off === HOSTILE.ADDR + 4 && size === 4) r.addr = (r.addr & 0xffff_ffffn) | ((value & 0xffff_ffffn) << 32n);
    else if (off === HOSTILE.LEN) r.len = Math.min(Number(value & 0xffffn), HOSTILE.BUF_SIZE);
    else if (off === HOSTILE.RID) r.rid = Number(value & 0x1_ffffn);
    else if (off === HOSTILE.AT) r.at = Number(value & 3n) % 3;
    else if (off === HOSTILE.CMD) this.command_(Number(value & 0xffn));
  }

  private command_(cmd: number): void {
    const r = this.regs;
    const rid = r.rid & HOSTILE.RID_FORGE ? { rid: r.rid & 0xffff } : {};
    const at = AT_CODES[r.at]!;
    let res: AttackResult | undefined;
    if (cmd === HOSTILE.CMD_WRITE) res = this.attack({ kind: 'write', addr: r.addr, data: this.buffer.slice(0, r.len), at, ...rid });
    else if (cmd === HOSTILE.CMD_READ) {
      res = this.attack({ kind: 'read', addr: r.addr, len: r.len, at, ...rid });
      if ('data' in res && res.data !== undefined) this.buffer.set(res.data.subarray(0, r.len));
    } else if (cmd === HOSTILE.CMD_TRANSLATE) {
      res = this.translate(r.addr, 'rid' in rid ? rid.rid : undefined);
      if (res.ok && res.translation !== undefined) r.atcPa = res.translation.pa;
    } else if (cmd === HOSTILE.CMD_MSI) res = this.msi(r.addr, Number(getLE(this.buffer, 0, 4)), 'rid' in rid ? rid.rid : undefined);
    if (res === undefined) return;
    r.status = res.ok ? HOSTILE.ST_OK : 'busMasterOff' in res ? HOSTILE.ST_NO_MASTER : res.dropped !== undefined ? HOSTILE.ST_ACS : HOSTILE.ST_FAULT;
    r.done = res.ok ? res.bytes : res.bytesDone;
  }

  protected onReset(): void {
    this.regs = { addr: 0n, len: 0, rid: 0, at: 0, status: 0, done: 0, atcPa: 0n };
    this.buffer.fill(0);
    // a reset does not make a hostile device forget: its ATC survives (it ignores the host)
  }

  /** The DMA port: the fabric when the machine has one, else the IOMMU / memory directly. */
  private port(): Pick<Fabric, 'dmaRead' | 'dmaWrite'> {
    if (this.ctx.fabric !== undefined) return this.ctx.fabric;
    const iommu = this.ctx.iommu;
    const phys = this.ctx.phys;
    // without an IOMMU the bus address is physical; beyond MAXPHYADDR nothing answers
    const reach = (addr: bigint, len: number): number => (addr >= MAX_PHYS_N ? 0 : addr + BigInt(len) > MAX_PHYS_N ? Number(MAX_PHYS_N - addr) : len);
    return {
      dmaWrite: (_fn, rid, addr, data, opts) => {
        if (iommu !== null) return iommu.dmaWrite(rid, addr, data, opts);
        const n = reach(addr, data.length);
        if (n > 0) phys.write(addr, data.subarray(0, n));
        return { ok: true, bytes: data.length };
      },
      dmaRead: (_fn, rid, addr, len, opts) => {
        if (iommu !== null) return iommu.dmaRead(rid, addr, len, opts);
        const data = new Uint8Array(len).fill(0xff);
        const n = reach(addr, len);
        if (n > 0) data.set(phys.read(addr, n));
        return { ok: true, bytes: len, data };
      },
    };
  }
}

// ---- what enumeration sees: identity, BARs, interrupt pin, capabilities, params ----

/**
 * The attacker of the isolation lab: emits arbitrary requests, forged requester ids,
 * translated requests and raw MSIs. Placeholder identity 1b36:10ff.
 */
export const hostileDevice: DeviceModelInfo = {
  name: 'hostile',
  description: 'hostile device for the isolation lab: arbitrary DMA, forged RIDs, ATS, raw MSIs',
  vendor: 0x1b36, device: 0x10ff, subsystemVendor: 0x1b36, subsystemDevice: 0x0000,
  classCode: 0xff0000, revision: 0x01, interruptPin: 1,
  bars: [mmioBar(0, 0x4000n)],
  msi: { vectors: 1, is64: true, perVectorMask: false },
  msix: null,
  pcie: true, pm: false, flr: true,
  params: z.strictObject({ respectBusMaster: z.boolean().optional(), honourAtsInvalidation: z.boolean().optional() }),
  create: (fn, ctx) => new HostileModel(fn, ctx),
};
