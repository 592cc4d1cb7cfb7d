/**
 * fast-check arbitraries for users' properties and our own: random machines (topology
 * JSON as contract §7 describes it), DMA mappings, and ioctl arguments that are valid,
 * nearly valid, or hostile (wrong JS types, huge and negative numbers, missing fields).
 *
 * Every topology this produces parses: buses are numbered depth-first as firmware does,
 * BARs are left to firmware placement, and ACS lists only name real controls.
 */
import fc from 'fast-check';
import type { AcsCtl } from './reference-switch.js';
import { IOAPIC_RANGE_START } from '../uapi/x86.js';
import { U64_MAX } from '../base/u64.js';

const ACS_CTLS: readonly AcsCtl[] = ['SV', 'TB', 'RR', 'CR', 'UF', 'DT'];
const MODELS = ['edu', 'hostile', 'dma-engine', null] as const;

export interface TopologyArbOptions {
  /** Root ports (default 1..3). */
  readonly maxRootPorts?: number;
  /** Device models to draw from (default edu, hostile, dma-engine, none). */
  readonly models?: ReadonlyArray<string | null>;
  /** Draw `iommu: null` machines too (default false). */
  readonly allowNoIommu?: boolean;
}

type Slot =
  | { kind: 'endpoint'; model: string | null }
  | { kind: 'multifunction'; models: [string | null, string | null]; acs: boolean }
  | { kind: 'switch'; dsps: Array<{ acs: AcsCtl[]; model: string | null }> }
  | { kind: 'pci-bridge'; models: Array<string | null> };

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

/** A random machine as topology JSON. */
export function topologyArb(o: TopologyArbOptions = {}): fc.Arbitrary<Record<string, unknown>> {
  const model = fc.constantFrom(...(o.models ?? MODELS));
  const acs = fc.subarray([...ACS_CTLS]);
  const slot: fc.Arbitrary<Slot> = fc.oneof(
    fc.record({ kind: fc.constant('endpoint' as const), model }),
    fc.record({ kind: fc.constant('multifunction' as const), models: fc.tuple(model, model), acs: fc.boolean() }),
    fc.record({ kind: fc.constant('switch' as const), dsps: fc.array(fc.record({ acs, model }), { minLength: 1, maxLength: 3 }) }),
    fc.record({ kind: fc.constant('pci-bridge' as const), models: fc.array(model, { minLength: 1, maxLength: 2 }) }),
  );
  return fc.record({
    ports: fc.array(fc.record({ acs, slot }), { minLength: 1, maxLength: o.maxRootPorts ?? 3 }),
    iommu: o.allowNoIommu ? fc.boolean() : fc.constant(true),
    interruptRemapping: fc.boolean(),
    invalidation: fc.constantFrom('strict', 'lazy'),
    grouping: fc.constantFrom('classic', 'bus-isolation'),
  }).map((r) => buildTopology(r));
}

interface Drawn {
  ports: Array<{ acs: AcsCtl[]; slot: Slot }>;
  iommu: boolean;
  interruptRemapping: boolean;
  invalidation: string;
  grouping: string;
}

function buildTopology(r: Drawn): Record<string, unknown> {
  let bus = 0;
  const ep = (b: number, dev: number, fn: number, m: string | null, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    bdf: `0000:${hex2(b)}:${hex2(dev)}.${fn}`, type: 'endpoint', ...(m === null ? {} : { model: m }), ...extra,
  });
  const below = (s: Slot): Record<string, unknown>[] => {
    const b = ++bus;
    switch (s.kind) {
      case 'endpoint':
        return [ep(b, 0, 0, s.model)];
      case 'multifunction': {
        const mf = { multifunction: true, ...(s.acs ? { acs: ['SV', 'RR', 'CR', 'UF'] } : {}) };
        return [ep(b, 0, 0, s.models[0], mf), ep(b, 0, 1, s.models[1], mf)];
      }
      case 'switch': {
        const internal = ++bus;
        const dsps = s.dsps.map((d, i) => {
          const sec = ++bus;
          return {
            bdf: `0000:${hex2(internal)}:${hex2(i)}.0`, type: 'switch-downstream', acs: [...ACS_CTLS], acsCtrl: d.acs,
            children: [ep(sec, 0, 0, d.model)],
          };
        });
        return [{ bdf: `0000:${hex2(b)}:00.0`, type: 'switch-upstream', children: dsps }];
      }
      case 'pci-bridge': {
        const sec = ++bus;
        const kids = s.models.map((m, i) => ({ ...ep(sec, i, 0, m), type: 'legacy-endpoint', conventional: true }));
        return [{ bdf: `0000:${hex2(b)}:00.0`, type: 'pcie-to-pci-bridge', children: kids }];
      }
    }
  };
  const ports = r.ports.map((p, i) => ({
    bdf: `0000:00:${hex2(i + 1)}.0`, type: 'root-port', acs: [...ACS_CTLS], acsCtrl: p.acs, children: below(p.slot),
  }));
  return {
    name: 'random',
    ramBytes: '0x100000000',
    iommu: r.iommu ? { interruptRemapping: r.interruptRemapping, invalidation: r.invalidation } : null,
    kernel: { grouping: r.grouping },
    pci: [{ bdf: '0000:00:00.0', type: 'host-bridge' }, ...ports],
  };
}

/** A DMA mapping request: mostly page-aligned and small, sometimes not. */
export interface MappingDraw {
  readonly iova: bigint;
  readonly size: bigint;
  readonly flags: number;
}

export function mappingArb(): fc.Arbitrary<MappingDraw> {
  const page = fc.integer({ min: 0, max: 64 }).map((n) => BigInt(n) << 12n);
  return fc.record({
    iova: fc.oneof({ weight: 8, arbitrary: page }, { weight: 1, arbitrary: u64Arb() }),
    size: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 8 }).map((n) => BigInt(n) << 12n) }, { weight: 1, arbitrary: u64Arb() }),
    flags: fc.oneof({ weight: 8, arbitrary: fc.constant(3) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xff }) }),
  });
}

/** Interesting u64 values: 0, page multiples, boundaries, the top of the range. */
export function u64Arb(): fc.Arbitrary<bigint> {
  return fc.oneof(
    fc.constantFrom(0n, 1n, 0xfffn, 0x1000n, IOAPIC_RANGE_START, (1n << 48n) - 0x1000n, 1n << 48n, (1n << 63n), U64_MAX),
    fc.bigInt({ min: 0n, max: U64_MAX }),
  );
}

/** A JS value that does not belong where a field is expected (wrong type, out of range). */
export function junkArb(): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom(undefined, null, '', 'x', true, NaN, Infinity, -1, -1n, 2 ** 53, 1n << 64n, 1.5),
    fc.integer(),
    fc.bigInt({ min: -(1n << 65n), max: 1n << 65n }),
    fc.constant({}),
    fc.constant([]),
  );
}

/**
 * An ioctl argument for a struct with the given fields: valid-looking (argsz right, u64
 * fields bigint) most of the time, with fields dropped, mistyped or made extreme.
 */
export function structArgArb(fields: Readonly<Record<string, 'u32' | 'u64'>>, argsz: number): fc.Arbitrary<unknown> {
  const good: Record<string, fc.Arbitrary<unknown>> = { argsz: fc.oneof({ weight: 6, arbitrary: fc.constant(argsz) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 4096 }) }) };
  for (const [k, t] of Object.entries(fields)) {
    const v = t === 'u64' ? fc.oneof({ weight: 4, arbitrary: fc.bigInt({ min: 0n, max: 0x10_0000n }).map((x) => x & ~0xfffn) }, { weight: 1, arbitrary: u64Arb() }) : fc.integer({ min: 0, max: 7 });
    good[k] = fc.oneof({ weight: 8, arbitrary: v }, { weight: 1, arbitrary: junkArb() });
  }
  return fc.oneof(
    { weight: 10, arbitrary: fc.record(good, { requiredKeys: ['argsz'] }) },
    { weight: 1, arbitrary: junkArb() },
  );
}
