/**
 * The context table of one IOMMU unit: requester id → what happens to its DMA.
 *
 * Intel keeps a root table indexed by bus whose entries point at per-bus context tables;
 * Linux allocates a bus's context table on first use and never frees it. So a RID without
 * an entry faults with 0x1 (root entry clear) while its bus never had one, else 0x2
 * (context entry clear). Other platforms report 0x2 for both.
 *
 * Invariants: `attachedCount(domain)` equals the number of RIDs whose entry names that
 * domain; a bus once given a context table keeps it.
 */
import type { IommuDomain } from './domain.js';
import { FAULT } from './faults.js';

interface ContextCommon {
  /** Intel TT = device-TLB enabled; AMD DTE.I. Translated requests pass only when set. */
  readonly atsAllowed: boolean;
  /** Intel FPD: faults are not recorded (the access still fails). */
  readonly faultReportingDisabled: boolean;
  /** Page requests (PCIe PRI) from this RID are accepted into the page request queue. */
  readonly priEnabled?: boolean;
}

export type ContextEntry =
  | (ContextCommon & { readonly mode: 'translate'; readonly domain: IommuDomain })
  | (ContextCommon & { readonly mode: 'passthrough'; readonly domain: IommuDomain | null })
  | (ContextCommon & { readonly mode: 'blocked'; readonly domain: IommuDomain | null });

export interface AttachOptions {
  atsAllowed?: boolean;
  faultReportingDisabled?: boolean;
  priEnabled?: boolean;
}

export class ContextTable {
  private readonly entries = new Map<number, ContextEntry>();
  private readonly busesWithTable = new Set<number>();
  private readonly attached = new Map<number, number>();
  private readonly rootEntries: boolean;

  /** `rootEntries`: the platform distinguishes "root entry clear" (Intel). */
  constructor(rootEntries: boolean) {
    this.rootEntries = rootEntries;
  }

  get(rid: number): ContextEntry | undefined {
    return this.entries.get(rid);
  }

  /** Point `rid` at `domain`: translate, passthrough for 'identity', blocked for 'blocked'. */
  attach(rid: number, domain: IommuDomain, opts: AttachOptions = {}): void {
    const common = { atsAllowed: opts.atsAllowed ?? false, faultReportingDisabled: opts.faultReportingDisabled ?? false, priEnabled: opts.priEnabled ?? false };
    const entry: ContextEntry =
      domain.type === 'identity'
        ? { ...common, mode: 'passthrough', domain }
        : domain.type === 'blocked'
          ? { ...common, mode: 'blocked', domain }
          : { ...common, mode: 'translate', domain };
    this.set(rid, entry);
  }

  setBlocked(rid: number): void {
    this.set(rid, { mode: 'blocked', domain: null, atsAllowed: false, faultReportingDisabled: false });
  }

  clear(rid: number): void {
    this.set(rid, undefined);
  }

  attachedCount(domain: IommuDomain): number {
    return this.attached.get(domain.id) ?? 0;
  }

  /** The fault reason for a covered RID without a context entry. */
  missingCode(rid: number): number {
    return this.rootEntries && !this.busesWithTable.has(rid >> 8) ? FAULT.ROOT_NOT_PRESENT : FAULT.CONTEXT_NOT_PRESENT;
  }

  private set(rid: number, entry: ContextEntry | undefined): void {
    const old = this.entries.get(rid);
    if (old?.domain) this.attached.set(old.domain.id, (this.attached.get(old.domain.id) ?? 1) - 1);
    if (entry === undefined) {
      this.entries.delete(rid);
      return;
    }
    this.entries.set(rid, entry);
    this.busesWithTable.add(rid >> 8);
    if (entry.domain) this.attached.set(entry.domain.id, (this.attached.get(entry.domain.id) ?? 0) + 1);
  }
}
