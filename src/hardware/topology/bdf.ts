/**
 * PCI addresses. A function is named `DDDD:BB:SS.F` (segment, bus, slot, function), all hex.
 * `devfn = slot << 3 | fn` (8 bits) and the Requester ID is `bus << 8 | devfn` (Linux
 * `PCI_DEVID()`), the 16-bit value an IOMMU sees on every DMA.
 *
 * Invariant: a formatted BDF is always lower-case and zero-padded, so string equality is
 * address equality.
 */

export interface BdfParts {
  readonly segment: number;
  readonly bus: number;
  readonly slot: number;
  readonly fn: number;
  readonly devfn: number;
}

const FULL_BDF = /^([0-9a-fA-F]{4}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$/;
const SHORT_BDF = /^([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$/;
const DEVFN = /^([0-9a-fA-F]{2})\.([0-7])$/;

export const BDF_FORMAT_HINT = 'expected DDDD:BB:DD.F';
export const DEVFN_FORMAT_HINT = 'expected DD.F (slot 00-1f, function 0-7)';

export function devfnOf(slot: number, fn: number): number {
  return ((slot & 0x1f) << 3) | (fn & 0x7);
}

export function ridOf(bus: number, devfn: number): number {
  return ((bus & 0xff) << 8) | (devfn & 0xff);
}

function parts(segment: number, bus: number, slot: number, fn: number): BdfParts | null {
  if (slot > 0x1f) return null;
  return { segment, bus, slot, fn, devfn: devfnOf(slot, fn) };
}

/** Parses the full form `DDDD:BB:SS.F`; `null` if malformed or the slot exceeds 0x1f. */
export function parseBdf(text: string): BdfParts | null {
  const m = FULL_BDF.exec(text);
  if (!m) return null;
  return parts(parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16), Number(m[4]));
}

/** Accepts `DDDD:BB:SS.F` or the short `BB:SS.F` (segment 0), as lspci prints it. */
export function parseBdfLoose(text: string): BdfParts | null {
  const full = parseBdf(text);
  if (full) return full;
  const m = SHORT_BDF.exec(text);
  if (!m) return null;
  return parts(0, parseInt(m[1]!, 16), parseInt(m[2]!, 16), Number(m[3]));
}

/** Parses a devfn written `SS.F` (e.g. `"00.1"`); `null` if malformed. */
export function parseDevfn(text: string): number | null {
  const m = DEVFN.exec(text);
  if (!m) return null;
  const slot = parseInt(m[1]!, 16);
  return slot > 0x1f ? null : devfnOf(slot, Number(m[2]));
}

function hex(v: number, width: number): string {
  return v.toString(16).padStart(width, '0');
}

export function formatDevfn(devfn: number): string {
  return `${hex(devfn >> 3, 2)}.${devfn & 7}`;
}

export function formatBdf(segment: number, bus: number, devfn: number): string {
  return `${hex(segment, 4)}:${hex(bus, 2)}:${formatDevfn(devfn)}`;
}

/** `BB:SS.F` for a RID (the IOMMU has no segment in the RID itself). */
export function formatRid(rid: number): string {
  return `${hex(rid >> 8, 2)}:${formatDevfn(rid & 0xff)}`;
}

/** Normalises any accepted spelling to the canonical full form, or `null`. */
export function normalizeBdf(text: string): string | null {
  const p = parseBdfLoose(text);
  return p ? formatBdf(p.segment, p.bus, p.devfn) : null;
}
