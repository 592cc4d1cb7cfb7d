/**
 * An IOMMU domain: one IO address space (a page table) that any number of requester ids
 * can be attached to. The domain id is the IOTLB tag (Intel DID).
 *
 * Types follow Linux's iommu_domain types: 'DMA' (kernel DMA API, strict invalidation),
 * 'DMA-FQ' (DMA API with the deferred flush queue), 'identity' (passthrough, no table
 * used), 'unmanaged' (owned by VFIO / iommufd; always strict), 'blocked' (no DMA at all).
 *
 * Invariants: the aperture is [0, 2^width - 1]; `lazyFlush` is true only for DMA-FQ, never
 * for 'DMA' or 'unmanaged' (spec §3.5).
 */
import { IoPageTable } from './io-pgtable.js';
import type { TablePages } from './table-pages.js';

export type DomainType = 'DMA' | 'DMA-FQ' | 'identity' | 'unmanaged' | 'blocked';

export class IommuDomain {
  readonly aperture: readonly [bigint, bigint];
  readonly pageTable: IoPageTable;
  /** When on, device writes set the dirty bit of the leaf they hit (iommufd dirty tracking). */
  dirtyTracking = false;
  /**
   * The OS object page requests for this domain go to (Linux domain->fault_data with an
   * iopf_handler); null: the domain takes no page faults and PRI is not enabled for it.
   */
  faultData: object | null = null;

  readonly id: number;
  #type: DomainType;
  readonly addressWidth: number;
  readonly pgsizeBitmap: bigint;
  #lazyFlush: boolean;

  /** `tablePages`: the unit's pool its page-table pages come from (null: unlimited). */
  constructor(id: number, type: DomainType, addressWidth: number, pgsizeBitmap: bigint, lazyFlush: boolean, tablePages: TablePages | null = null) {
    this.id = id;
    this.#type = type;
    this.addressWidth = addressWidth;
    this.pgsizeBitmap = pgsizeBitmap;
    this.#lazyFlush = lazyFlush;
    this.aperture = [0n, (1n << BigInt(addressWidth)) - 1n];
    this.pageTable = new IoPageTable(addressWidth, pgsizeBitmap, tablePages);
  }

  get type(): DomainType {
    return this.#type;
  }

  /** Unmap queues IOTLB invalidation in the flush queue instead of doing it now. */
  get lazyFlush(): boolean {
    return this.#lazyFlush;
  }

  /**
   * iommu_group_store_type() writing "DMA-FQ" over a strict 'DMA' domain: the kernel brings
   * up a flush queue without tearing the domain down (iommu_dma_init_fq(), then
   * `domain->type = IOMMU_DOMAIN_DMA_FQ`), so mappings and attachments stay. Any other
   * type is left alone (false).
   */
  enableFlushQueue(): boolean {
    if (this.#type !== 'DMA') return false;
    this.#type = 'DMA-FQ';
    this.#lazyFlush = true;
    return true;
  }

  /** Whether DMA through this domain is translated by its page table. */
  get translates(): boolean {
    return this.type !== 'identity' && this.type !== 'blocked';
  }
}
