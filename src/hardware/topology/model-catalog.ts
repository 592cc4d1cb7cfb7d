/**
 * A catalog of device models: for each model a topology may name (`"model": "…"`), the PCI
 * identity, BAR layout, interrupt pin and capabilities it advertises — the defaults parsing
 * fills in — its params schema, and the behaviour (`create`). The built-in entries live each
 * in its own model file; src/hardware/devices/catalog.ts lists them (`builtinModels`).
 *
 * A catalog is an immutable value: `builtinModels.with(entry)` returns a new catalog, so
 * two machines in one process never share mutable registry state.
 */
import type { z } from 'zod';
import type { DeviceModelMaker } from '../devices/model-types.js';
import type { PciIdentity } from './model.js';

export interface ModelBar {
  readonly index: number;
  readonly size: bigint;
  readonly prefetchable: boolean;
  readonly is64: boolean;
  readonly io: boolean;
}

/** A model's catalog entry: its identity (interruptPin 0 or 1 = INTA), BARs, capabilities, params and maker. */
export interface DeviceModelInfo extends PciIdentity {
  readonly name: string;
  readonly description: string;
  readonly bars: readonly ModelBar[];
  readonly msi: { readonly vectors: number; readonly is64: boolean; readonly perVectorMask: boolean } | null;
  readonly msix: {
    readonly vectors: number; readonly tableBar: number; readonly tableOffset: bigint;
    readonly pbaBar: number; readonly pbaOffset: bigint;
  } | null;
  /** The real model carries a PCI Express capability (QEMU's edu does not). */
  readonly pcie: boolean;
  readonly pm: boolean;
  readonly flr: boolean;
  /** Validates `params`; absent = the model takes none. */
  readonly params?: z.ZodType<Record<string, unknown>>;
  /** The behaviour: makes the function's model (absent: an inert model, config space and BARs only). */
  readonly create?: DeviceModelMaker;
}

export class ModelCatalog {
  readonly #models: ReadonlyMap<string, DeviceModelInfo>;

  constructor(models: Iterable<DeviceModelInfo> = []) {
    const map = new Map<string, DeviceModelInfo>();
    for (const m of models) map.set(m.name, Object.freeze({ ...m }));
    this.#models = map;
  }

  get(name: string): DeviceModelInfo | undefined {
    return this.#models.get(name);
  }

  has(name: string): boolean {
    return this.#models.has(name);
  }

  /** Model names in registration order. */
  names(): string[] {
    return [...this.#models.keys()];
  }

  /** A new catalog with `models` added (replacing same-named entries). */
  with(...models: DeviceModelInfo[]): ModelCatalog {
    return new ModelCatalog([...this.#models.values(), ...models]);
  }
}
