/**
 * The kernel's IOMMU group (drivers/iommu/iommu.c, struct iommu_group) and its DMA
 * ownership protocol (Linux >= 5.19, "iommu: Add dma ownership management interfaces").
 *
 * Invariants:
 * - every requester id of every member (after DMA aliasing) points at `domain` in the
 *   IOMMU's context table; a domain change is all-or-nothing for the group;
 * - `owner !== null` implies `ownerCount >= 1` and `domain` is not the default domain
 *   unless the owner attached it;
 * - kernel drivers that use the DMA API hold `ownerCount` while bound, with owner null.
 */
import { fail, okVoid, type Result } from '../../base/result.js';
import type { IommuDomain } from '../../hardware/iommu/domain.js';
import type { ReservedRegion } from '../../hardware/topology/model.js';
import type { PciDev } from '../pci/pci-dev.js';

/** What the group needs from the IOMMU hardware: program context entries for RIDs. */
export interface IommuPort<D> {
  allocDomain(type: 'DMA' | 'DMA-FQ' | 'identity' | 'blocked' | 'unmanaged'): D;
  /** Point `rids` at `domain` (translate, or block for a blocked domain). */
  attachRids(rids: readonly number[], domain: D): void;
  /** A RID leaves the IOMMU's context table (iommu_release_device of a removed function). */
  detachRids?(rids: readonly number[]): void;
  /** iommu_domain_free(), once no RID points at `domain` any more. */
  freeDomain?(domain: D): void;
  /** iommu_dma_init_fq(): turn a strict 'DMA' domain into 'DMA-FQ' in place. */
  enableFlushQueue?(domain: D): void;
  /**
   * iommu_iova_to_phys() / iommu_map() on a kernel DMA domain, for the RMRR identity maps
   * (iommu_create_device_direct_mappings). Absent: no direct mappings are made.
   */
  isMapped?(domain: D, iova: bigint): boolean;
  map?(domain: D, iova: bigint, pa: bigint, size: bigint): Result<void>;
}

/** The IOMMU's smallest page (the lowest bit of every simulated pgsize bitmap). */
const PG_SIZE = 0x1000n;

export type DefaultDomainType = 'DMA' | 'DMA-FQ' | 'identity';

/** `D` is the hardware domain type: the machine's IommuDomain, or a stand-in in unit tests. */
export class IommuGroup<D = IommuDomain> {
  readonly devices: PciDev[] = [];
  /** `iommu_group_set_name()`: only some groups have one (vfio-noiommu). */
  name: string | null = null;
  ownerCount = 0;
  owner: object | null = null;
  domain: D | null = null;
  defaultDomain: D | null = null;
  blockingDomain: D | null = null;
  /** Set by the bus-isolation algorithm (shown in pictures and `groups`). */
  nonIsolated = false;

  /** The type the kernel chose at IOMMU probe (what writing "auto" to `type` returns to). */
  readonly bootType: DefaultDomainType;
  #defaultType: DefaultDomainType;

  constructor(
    readonly id: number,
    readonly reservedRegions: readonly ReservedRegion[],
    /** Every requester id the IOMMU may see from the members (alias walk), ascending. */
    public rids: readonly number[],
    defaultType: DefaultDomainType,
    private readonly port: IommuPort<D> | null,
  ) {
    this.bootType = defaultType;
    this.#defaultType = defaultType;
  }

  /** The default domain's type, as /sys/kernel/iommu_groups/N/type shows it. */
  get defaultType(): DefaultDomainType {
    return this.#defaultType;
  }

  /** Attach the default domain at IOMMU probe (iommu_setup_default_domain). */
  setupDefaultDomain(): void {
    if (this.port === null) return;
    this.defaultDomain = this.port.allocDomain(this.defaultType);
    this.createDirectMappings(this.defaultDomain, this.defaultType);
    this.setDomain(this.defaultDomain);
  }

  /**
   * iommu_create_device_direct_mappings(): only a translating DMA-API domain ('DMA' or
   * 'DMA-FQ'; identity needs none, unmanaged domains never get them) receives an identity
   * map of every `direct` and `direct-relaxable` region of the members, read and write as
   * Intel's RMRRs are. Like the kernel, start is rounded up and the end (exclusive) rounded
   * up to the page size, and pages that some earlier region already mapped are skipped,
   * so overlapping regions map once. Done before the RIDs point at the domain, so there is
   * no window without the ranges firmware expects.
   */
  private createDirectMappings(domain: D, type: DefaultDomainType): void {
    const port = this.port;
    if (port === null || type === 'identity' || port.map === undefined || port.isMapped === undefined) return;
    const align = (a: bigint): bigint => (a + PG_SIZE - 1n) & ~(PG_SIZE - 1n);
    for (const r of this.reservedRegions) {
      if (r.type !== 'direct' && r.type !== 'direct-relaxable') continue;
      const start = align(r.start);
      const end = align(r.end + 1n);
      let runStart = start;
      for (let addr = start; addr <= end; addr += PG_SIZE) {
        if (addr < end && !port.isMapped(domain, addr)) continue;
        if (addr > runStart) {
          const res = port.map(domain, runStart, runStart, addr - runStart);
          // a firmware range beyond the IOMMU's address width: Linux fails the probe; the
          // simulator keeps the group and records nothing mapped for the rest
          if (!res.ok) return;
        }
        runStart = addr + PG_SIZE;
      }
    }
  }

  private setDomain(d: D): void {
    this.port?.attachRids(this.rids, d);
    this.domain = d;
  }

  /** iommu_device_use_default_domain(): a DMA-API driver is probing a member. */
  useDefaultDomain(): Result<void> {
    if (this.ownerCount > 0 && (this.domain !== this.defaultDomain || this.owner !== null)) {
      return fail('EBUSY', 'iommu_device_use_default_domain: group is owned by a user-space driver');
    }
    this.ownerCount++;
    return okVoid();
  }

  /** iommu_device_unuse_default_domain(). */
  unuseDefaultDomain(): void {
    if (this.ownerCount > 0) this.ownerCount--;
  }

  /** __iommu_take_dma_ownership(): attach the blocking domain and record the owner. */
  private takeOwnership(owner: object): Result<void> {
    if (this.domain !== null && this.domain !== this.defaultDomain) {
      return fail('EBUSY', '__iommu_take_dma_ownership: group is not on its default domain');
    }
    if (this.port !== null) {
      this.blockingDomain ??= this.port.allocDomain('blocked');
      this.setDomain(this.blockingDomain);
    }
    this.owner = owner;
    this.ownerCount++;
    return okVoid();
  }

  /** iommu_group_claim_dma_owner(): VFIO's legacy group path takes the whole group. */
  claimDmaOwner(owner: object): Result<void> {
    if (this.ownerCount > 0) return fail('EPERM', 'iommu_group_claim_dma_owner: a member is bound to a driver that uses the DMA API');
    return this.takeOwnership(owner);
  }

  /** iommu_device_claim_dma_owner(): the cdev path claims per device, sharing one owner. */
  claimDeviceDmaOwner(owner: object): Result<void> {
    if (this.ownerCount > 0) {
      if (this.owner !== owner) return fail('EPERM', 'iommu_device_claim_dma_owner: group is used by another owner or a kernel driver');
      this.ownerCount++;
      return okVoid();
    }
    return this.takeOwnership(owner);
  }

  /** iommu_group_release_dma_owner() / iommu_device_release_dma_owner(). */
  releaseDmaOwner(): void {
    if (this.ownerCount === 0) return;
    if (--this.ownerCount > 0) return;
    this.owner = null;
    if (this.defaultDomain !== null) this.setDomain(this.defaultDomain);
    else this.domain = null;
  }

  /** An owner attaches its own (unmanaged) domain: iommu_attach_group(). */
  attachDomain(domain: D): Result<void> {
    if (this.owner === null) return fail('EINVAL', 'iommu_attach_group: group has no DMA owner');
    // intel_iommu_attach_device (device_rmrr_is_relaxable): a non-relaxable RMRR keeps its
    // device on the kernel's own domains
    if (this.reservedRegions.some((r) => r.type === 'direct')) {
      return fail('EPERM', 'Device is ineligible for IOMMU domain attach due to platform RMRR requirement');
    }
    this.setDomain(domain);
    return okVoid();
  }

  /** iommu_detach_group(): back to the blocking domain while still owned. */
  detachDomain(): void {
    if (this.owner !== null && this.blockingDomain !== null) this.setDomain(this.blockingDomain);
  }

  /**
   * iommu_group_store_type() once the caller's capabilities and the text are checked:
   * DMA → DMA-FQ is done live on the same domain; anything else needs a group nobody
   * uses (EPERM otherwise) and replaces the default domain (iommu_setup_default_domain).
   * A group with an untrusted member only takes 'DMA' (iommu_get_default_domain_type →
   * EINVAL), and 'auto' returns to the boot type.
   */
  changeDefaultType(req: DefaultDomainType | 'auto'): Result<void> {
    const old = this.defaultDomain;
    if (old === null || this.port === null) return fail('EINVAL', 'iommu_group_store_type: group has no default domain');
    if (req === 'DMA-FQ' && this.#defaultType === 'DMA') {
      this.port.enableFlushQueue?.(old);
      this.#defaultType = 'DMA-FQ';
      return okVoid();
    }
    if (this.devices.length === 0 || this.ownerCount > 0) {
      return fail('EPERM', 'iommu_group_store_type: a member is bound to a driver or the group is owned');
    }
    const untrusted = this.devices.some((d) => d.fn.untrusted);
    if (untrusted && req !== 'auto' && req !== 'DMA') {
      return fail('EINVAL', `iommu_get_default_domain_type: device is not trusted, refusing ${req}`);
    }
    const type: DefaultDomainType = req !== 'auto' ? req : untrusted ? 'DMA' : this.bootType;
    const dom = this.port.allocDomain(type);
    this.createDirectMappings(dom, type);
    this.defaultDomain = dom;
    this.#defaultType = type;
    this.setDomain(dom);
    this.port.freeDomain?.(old);
    return okVoid();
  }

  /**
   * iommu_group_add_device() for a function that appeared after boot (a VF): its RIDs
   * follow the group's current domain at once. The caller sets `dev.group`.
   */
  addMember(dev: PciDev, rids: readonly number[]): void {
    const fresh = rids.filter((r) => !this.rids.includes(r));
    this.rids = [...this.rids, ...fresh].sort((a, b) => a - b);
    this.devices.push(dev);
    if (this.domain !== null && fresh.length > 0) this.port?.attachRids(fresh, this.domain);
  }

  /**
   * iommu_release_device(): the function is gone; its RIDs no longer translate. When it
   * was the last member the group's domains are freed too (iommu_group_release) and true
   * is returned, so the caller drops the group.
   */
  removeMember(dev: PciDev, rids: readonly number[]): boolean {
    const i = this.devices.indexOf(dev);
    if (i >= 0) this.devices.splice(i, 1);
    dev.group = null;
    const others = new Set(this.devices.flatMap((d) => (d.fn.rid === dev.fn.rid ? [] : [d.fn.rid])));
    const gone = rids.filter((r) => !others.has(r));
    this.rids = this.rids.filter((r) => !gone.includes(r));
    this.port?.detachRids?.(gone);
    if (this.devices.length > 0) return false;
    for (const d of new Set([this.defaultDomain, this.blockingDomain, this.domain])) if (d !== null) this.port?.freeDomain?.(d);
    this.domain = this.defaultDomain = this.blockingDomain = null;
    return true;
  }

  /** Does any member sit on a kernel driver that uses the DMA API (dma-owner model)? */
  get kernelDriverBound(): boolean {
    return this.owner === null && this.ownerCount > 0;
  }
}
