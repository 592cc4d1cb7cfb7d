/**
 * Where host RAM sits in the physical address space (contract §7). On intel and amd the
 * 32-bit MMIO hole [0xC0000000, 4 GiB) holds no RAM and the RAM it displaces continues
 * at 4 GiB; on arm RAM is simply [0, ramBytes). Ranges are ascending with inclusive ends.
 */
import type { AddressRange, Platform, RamRange } from './model.js';

export const MMIO_HOLE_START = 0xc000_0000n;
export const FOUR_GIB = 0x1_0000_0000n;
/** Firmware-assigned 32-bit BARs go here (below the IOAPIC/MSI/flash specials). */
export const MMIO32_WINDOW: AddressRange = { start: 0xc000_0000n, end: 0xfebf_ffffn };
/** IOAPIC, HPET, LAPIC/MSI window and BIOS flash: never a BAR. */
export const X86_SPECIAL_RANGE: AddressRange = { start: 0xfec0_0000n, end: 0xffff_ffffn };

function range(start: bigint, size: bigint): RamRange {
  return { start, end: start + size - 1n, size };
}

export function ramLayout(ramBytes: bigint, platform: Platform): RamRange[] {
  if (ramBytes === 0n) return [];
  if (platform === 'arm' || ramBytes <= MMIO_HOLE_START) return [range(0n, ramBytes)];
  return [range(0n, MMIO_HOLE_START), range(FOUR_GIB, ramBytes - MMIO_HOLE_START)];
}

/** One past the highest RAM byte. */
export function ramTop(ranges: readonly RamRange[]): bigint {
  const last = ranges[ranges.length - 1];
  return last ? last.end + 1n : 0n;
}

export function overlaps(a: AddressRange, b: AddressRange): boolean {
  return a.start <= b.end && b.start <= a.end;
}

