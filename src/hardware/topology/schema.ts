/**
 * The topology JSON (contract §7 plus the additions of topology-groups-iommu.md §1.10), as
 * a zod v4 schema. This file checks *shape* only: every object is strict (unknown keys are
 * rejected so typos surface), numbers that may be u64 become bigint, ids become numbers.
 * Cross-field rules (bus structure, BAR overlaps, …) live in validate.ts.
 */
import { z } from 'zod';
import { U64_MAX } from '../../base/u64.js';
import { kernelParamsSchema } from './kernel-params.js';
import { BDF_FORMAT_HINT, DEVFN_FORMAT_HINT, parseBdf, parseDevfn } from './bdf.js';
import { ACS_NAMES } from './pci-consts.js';

const HEX = /^0x[0-9a-fA-F]+$/;

/** Number or `"0x…"` string → bigint (u64). */
export const u64Field = z.union([z.number(), z.string()]).transform((v, ctx): bigint => {
  let out: bigint | null = null;
  if (typeof v === 'number') out = Number.isSafeInteger(v) && v >= 0 ? BigInt(v) : null;
  else if (HEX.test(v)) out = BigInt(v);
  if (out === null || out > U64_MAX) {
    ctx.addIssue({ code: 'custom', message: 'expected a non-negative number or a hex string "0x…" (u64)' });
    return z.NEVER;
  }
  return out;
});

/** Number or `"0x…"` string → number, bounded by `max` (PCI ids, class codes). */
function idField(max: number, what: string) {
  return z.union([z.number(), z.string()]).transform((v, ctx): number => {
    const n = typeof v === 'number' ? v : HEX.test(v) ? parseInt(v, 16) : NaN;
    if (!Number.isInteger(n) || n < 0 || n > max) {
      ctx.addIssue({ code: 'custom', message: `expected ${what} (0..0x${max.toString(16)}, number or "0x…")` });
      return z.NEVER;
    }
    return n;
  });
}

const SIZE_UNITS: Record<string, bigint> = { K: 1n << 10n, M: 1n << 20n, G: 1n << 30n, T: 1n << 40n };

/** A page size: `"4K"`, `"2M"`, `"1G"`, or a number / hex string; a power of two ≥ 4 KiB. */
export const pageSizeField = z.union([z.number(), z.string()]).transform((v, ctx): bigint => {
  let out: bigint | null = null;
  const m = typeof v === 'string' ? /^(\d+)([KMGT])$/.exec(v) : null;
  if (m) out = BigInt(m[1]!) * SIZE_UNITS[m[2]!]!;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) out = BigInt(v);
  else if (typeof v === 'string' && HEX.test(v)) out = BigInt(v);
  if (out === null || out < 4096n || (out & (out - 1n)) !== 0n) {
    ctx.addIssue({ code: 'custom', message: 'expected a power-of-two page size ≥ 4K, e.g. "4K", "2M", "1G"' });
    return z.NEVER;
  }
  return out;
});

export const bdfField = z.string().refine((s) => parseBdf(s) !== null, { error: BDF_FORMAT_HINT });
export const devfnField = z.string().refine((s) => parseDevfn(s) !== null, { error: DEVFN_FORMAT_HINT });

export const FUNCTION_TYPES = [
  'host-bridge', 'root-port', 'switch-upstream', 'switch-downstream', 'pcie-to-pci-bridge',
  'pci-to-pcie-bridge', 'pci-bridge', 'endpoint', 'rciep', 'rcec', 'legacy-endpoint',
] as const;
export const RESET_METHODS = ['flr', 'pm', 'slot', 'bus'] as const;
export const RESV_TYPES = ['direct', 'direct-relaxable', 'reserved', 'msi'] as const;

export const barSchema = z.strictObject({
  index: z.number().int().min(0).max(6), // 6 = expansion ROM
  size: u64Field,
  address: u64Field.optional(),
  prefetchable: z.boolean().default(false),
  is64: z.boolean().default(false),
  io: z.boolean().default(false),
});

export const reservedRegionSchema = z.strictObject({
  start: u64Field,
  /** Last byte, inclusive (as an ACPI RMRR limit and sysfs print it). */
  end: u64Field,
  /** Absent: `direct`, or `direct-relaxable` for USB and graphics functions on intel. */
  type: z.enum(RESV_TYPES).optional(),
});

export const sriovSchema = z.strictObject({
  totalVfs: z.number().int().min(1).max(65535),
  numVfs: z.number().int().min(0).max(65535).default(0),
  offset: z.number().int().min(1).max(65535).default(0x80),
  stride: z.number().int().min(1).max(65535).default(1),
  vfModel: z.string().optional(),
  vfDevice: idField(0xffff, 'a 16-bit device id').optional(),
  vfDriver: z.string().nullable().optional(),
});

const pciNodeFields = {
  bdf: bdfField,
  type: z.enum(FUNCTION_TYPES),
  vendor: idField(0xffff, 'a 16-bit vendor id').optional(),
  device: idField(0xffff, 'a 16-bit device id').optional(),
  subsystemVendor: idField(0xffff, 'a 16-bit vendor id').optional(),
  subsystemDevice: idField(0xffff, 'a 16-bit device id').optional(),
  class: idField(0xffffff, 'a 24-bit class code').optional(),
  revision: idField(0xff, 'an 8-bit revision').optional(),
  model: z.string().optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  driver: z.string().nullable().optional(),
  multifunction: z.boolean().optional(),
  acs: z.array(z.enum(ACS_NAMES)).optional(),
  acsCtrl: z.array(z.enum(ACS_NAMES)).optional(),
  dmaAliases: z.array(devfnField).optional(),
  acsQuirk: z.enum(['isolated', 'not-isolated']).optional(),
  internalP2P: z.boolean().optional(),
  conventional: z.boolean().optional(),
  pcieBridgeAliasQuirk: z.boolean().optional(),
  xlateRoot: z.boolean().optional(),
  realDmaDev: bdfField.optional(),
  untrusted: z.boolean().optional(),
  atsCapable: z.boolean().optional(),
  /** PCIe Page Request Interface (with ATS): the device can ask the IOMMU to fault pages in. */
  priCapable: z.boolean().optional(),
  /** false: this function sits behind an IOMMU unit without dirty tracking (a second DMAR unit without SSADS). */
  iommuDirtyTracking: z.boolean().optional(),
  reservedRegions: z.array(reservedRegionSchema).optional(),
  resetMethods: z.array(z.enum(RESET_METHODS)).optional(),
  sriov: sriovSchema.optional(),
  bars: z.array(barSchema).optional(),
  /** Bridges only: force the secondary bus number of a bridge with no children. */
  secondaryBus: z.number().int().min(0).max(255).optional(),
};

export interface PciNodeInput extends z.input<typeof pciNodeBase> {
  children?: PciNodeInput[] | undefined;
}
export interface PciNodeParsed extends z.output<typeof pciNodeBase> {
  children?: PciNodeParsed[] | undefined;
}
const pciNodeBase = z.strictObject(pciNodeFields);

export const pciNodeSchema: z.ZodType<PciNodeParsed, PciNodeInput> = z.strictObject({
  ...pciNodeFields,
  get children() {
    return z.array(pciNodeSchema).optional();
  },
});

export const iommuSchema = z.strictObject({
  addressWidth: z.union([z.literal(39), z.literal(48), z.literal(57)], {
    error: 'expected 39, 48 or 57 (3-, 4- or 5-level tables)',
  }).default(48),
  // the simulated unit's radix table has VT-d second-level leaves: 4K always, 2M and 1G optional
  pageSizes: z.array(pageSizeField).min(1).default(() => [1n << 12n, 1n << 21n, 1n << 30n])
    .refine((a) => a.includes(1n << 12n) && a.every((s) => s === 1n << 12n || s === 1n << 21n || s === 1n << 30n), {
      error: 'expected 4K and optionally 2M and 1G: the simulated IOMMU\'s page table has 4K, 2M and 1G leaves only',
    }),
  interruptRemapping: z.boolean().default(true),
  invalidation: z.enum(['strict', 'lazy']).default('lazy'),
  platform: z.enum(['intel', 'amd', 'arm']).default('intel'),
  fqSize: z.number().int().min(1).max(1 << 20).default(256),
  fqTimeoutMs: z.number().int().min(1).max(60_000).default(10),
  faultSlots: z.number().int().min(1).max(256).default(8),
  /** Second-stage dirty tracking (VT-d ECAP.SSADS, AMD HDSup); false: IOMMU_HWPT_ALLOC_DIRTY_TRACKING is EOPNOTSUPP. */
  dirtyTracking: z.boolean().default(true),
  /** When the OS turns translation on, in ns after power-on (threat T12's pre-boot window). */
  enabledAtNs: u64Field.default(0n),
  /**
   * Page-table pages the kernel can allocate for this unit's domains (iommu_alloc_pages_node_sz);
   * a map needing more is ENOMEM. Omitted: as many as needed.
   */
  pageTablePages: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
});

export const kernelSchema = z.strictObject({
  grouping: z.enum(['classic', 'bus-isolation']).default('classic'),
  params: kernelParamsSchema.default(() => ({})),
  ownershipModel: z.enum(['dma-owner', 'legacy-viability']).default('dma-owner'),
});

export const topologySchema = z.strictObject({
  /** For editors: the JSON Schema this file follows (fixtures/schema/topology.schema.json). */
  $schema: z.string().optional(),
  name: z.string().min(1),
  description: z.string().optional(),
  ramBytes: u64Field.default(0x1_0000_0000n),
  /** Absent: an IOMMU with every default; `null`: no IOMMU. */
  iommu: iommuSchema.nullable().optional(),
  kernel: kernelSchema.optional(),
  pci: z.array(pciNodeSchema),
});

/** The topology JSON as written (numbers or hex strings, optional fields). */
export type TopologyInput = z.input<typeof topologySchema>;
/** The topology after the schema's transforms (bigints, defaults filled). */
export type TopologyParsed = z.output<typeof topologySchema>;
export type IommuParsed = z.output<typeof iommuSchema>;
export type KernelParsed = z.output<typeof kernelSchema>;
export type BarParsed = z.output<typeof barSchema>;
