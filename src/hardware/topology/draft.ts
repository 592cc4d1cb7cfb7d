/**
 * Mutable drafts of the model types, used only while building a Topology. Once
 * build.ts returns, nothing writes to them again and callers see the readonly types.
 */
import type { PciBus, PciFunction } from './model.js';

export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A BAR as requested (address absent = firmware assigns it). */
export interface BarSpec {
  readonly index: number;
  readonly size: bigint;
  readonly address: bigint | undefined;
  readonly prefetchable: boolean;
  readonly is64: boolean;
  readonly io: boolean;
}

export interface FnDraft extends Mutable<PciFunction> {
  parentBus: BusDraft;
  subordinate: BusDraft | null;
  children: PciFunction[];
  vfs: PciFunction[];
  barSpecs: BarSpec[];
  /** BARs came from the input's `bars` (else from the model). */
  barsFromInput: boolean;
}

export interface BusDraft extends Mutable<PciBus> {
  devices: FnDraft[];
  self: FnDraft | null;
  parent: BusDraft | null;
}
