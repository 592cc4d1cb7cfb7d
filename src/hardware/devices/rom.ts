/**
 * The expansion ROM of a function whose topology entry has a ROM BAR (`bars` index 6): a
 * PCI option-ROM image as firmware would find it — 0x55AA signature, a "PCIR" data
 * structure with the function's vendor, device and class, the last-image indicator, a
 * checksum byte that makes the image sum to zero — followed by 0xFF up to the BAR size.
 *
 * Invariant: the image is a function of the PciFunction alone (deterministic), and the
 * array is exactly the ROM BAR's size.
 */
import type { PciFunction } from '../topology/model.js';

const PCIR_AT = 0x1c;

export function buildRomImage(fn: PciFunction, size: number): Uint8Array {
  const rom = new Uint8Array(size).fill(0xff);
  const image = Math.min(size, 0x800);
  if (image < 0x200) return rom;
  rom.fill(0, 0, image);
  const set16 = (at: number, v: number): void => {
    rom[at] = v & 0xff;
    rom[at + 1] = (v >> 8) & 0xff;
  };
  rom[0] = 0x55;
  rom[1] = 0xaa;
  rom[2] = image / 512;
  set16(0x18, PCIR_AT);
  rom.set([0x50, 0x43, 0x49, 0x52], PCIR_AT); // "PCIR"
  set16(PCIR_AT + 4, fn.vendor);
  set16(PCIR_AT + 6, fn.device);
  set16(PCIR_AT + 0x0a, 0x18);
  rom[PCIR_AT + 0x0d] = fn.classCode & 0xff;
  rom[PCIR_AT + 0x0e] = (fn.classCode >> 8) & 0xff;
  rom[PCIR_AT + 0x0f] = (fn.classCode >> 16) & 0xff;
  set16(PCIR_AT + 0x10, image / 512);
  rom[PCIR_AT + 0x14] = 0x00; // code type: x86 PC-AT
  rom[PCIR_AT + 0x15] = 0x80; // last image
  const text = `vfio-sim option ROM ${fn.model ?? 'function'} ${fn.bdf}`;
  for (let i = 0; i < text.length; i++) rom[0x40 + i] = text.charCodeAt(i) & 0x7f;
  let sum = 0;
  for (let i = 0; i < image - 1; i++) sum = (sum + rom[i]!) & 0xff;
  rom[image - 1] = (0x100 - sum) & 0xff;
  return rom;
}
