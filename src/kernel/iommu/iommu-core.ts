/**
 * The IOMMU core's group registry (drivers/iommu/iommu.c): groups are formed once, at IOMMU
 * probe, from the topology; ids come from an IDA (lowest free number) so ids are reused
 * after a group goes away (a no-IOMMU group, say).
 */
import type { IommuDomain } from '../../hardware/iommu/domain.js';
import type { ReservedRegion } from '../../hardware/topology/model.js';
import { IommuGroup, type DefaultDomainType, type IommuPort } from './iommu-group.js';

export class IommuCore<D = IommuDomain> {
  private readonly groups = new Map<number, IommuGroup<D>>();

  constructor(readonly port: IommuPort<D> | null) {}

  /** Lowest unused group id (ida_alloc). */
  private allocId(): number {
    let id = 0;
    while (this.groups.has(id)) id++;
    return id;
  }

  /** Create a group with a given id (boot) or the next free one. */
  create(opts: { id?: number; reservedRegions: readonly ReservedRegion[]; rids: readonly number[]; defaultType: DefaultDomainType; hardware: boolean }): IommuGroup<D> {
    const id = opts.id ?? this.allocId();
    if (this.groups.has(id)) throw new Error(`iommu group ${id} exists`);
    const g = new IommuGroup<D>(id, opts.reservedRegions, opts.rids, opts.defaultType, opts.hardware ? this.port : null);
    this.groups.set(id, g);
    if (opts.hardware) g.setupDefaultDomain();
    return g;
  }

  remove(id: number): void {
    this.groups.delete(id);
  }

  get(id: number): IommuGroup<D> | undefined {
    return this.groups.get(id);
  }

  /** All groups, ascending id. */
  list(): IommuGroup<D>[] {
    return [...this.groups.values()].sort((a, b) => a.id - b.id);
  }
}
