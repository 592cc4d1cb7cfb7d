/**
 * Group bookkeeping shared by both algorithms: which function is in which group, why, and
 * the id allocator. Ids come from an IDA (`iommu_group_alloc()`): the lowest unused
 * non-negative integer. A function, once placed, is never moved (first come, first served).
 */
import type { PciFunction } from '../topology/index.js';

export interface GroupRecord {
  readonly id: number;
  readonly members: PciFunction[];
  /** Bus-isolation variant: everything downstream of a member joins (`BUS_DATA_PCI_NON_ISOLATED`). */
  nonIsolated: boolean;
}

/** What an algorithm decided for one function. `group: null` = allocate a new one. */
export interface Decision {
  readonly group: GroupRecord | null;
  readonly nonIsolated?: boolean;
  /** Short sentence; `{id}` is replaced by the group id. */
  readonly reason: string;
}

export class GroupAssignment {
  readonly #byFn = new Map<PciFunction, GroupRecord>();
  readonly #groups = new Map<number, GroupRecord>();
  readonly #reasons = new Map<PciFunction, string>();

  groupOf(f: PciFunction): GroupRecord | undefined {
    return this.#byFn.get(f);
  }

  #allocId(): number {
    let id = 0;
    while (this.#groups.has(id)) id++;
    return id;
  }

  apply(f: PciFunction, d: Decision): GroupRecord {
    let g = d.group;
    if (!g) {
      g = { id: this.#allocId(), members: [], nonIsolated: false };
      this.#groups.set(g.id, g);
    }
    if (d.nonIsolated) g.nonIsolated = true;
    g.members.push(f);
    this.#byFn.set(f, g);
    this.#reasons.set(f, d.reason.replaceAll('{id}', String(g.id)));
    return g;
  }

  /** A group that already exists (the kernel's, after boot), with its id and members. */
  seed(id: number, members: readonly PciFunction[], nonIsolated: boolean): GroupRecord {
    const g: GroupRecord = { id, members: [...members], nonIsolated };
    this.#groups.set(id, g);
    for (const m of members) this.#byFn.set(m, g);
    return g;
  }

  reasonOf(f: PciFunction): string | undefined {
    return this.#reasons.get(f);
  }

  /** Ascending id. */
  groups(): GroupRecord[] {
    return [...this.#groups.values()].sort((a, b) => a.id - b.id);
  }
}
