/**
 * Pieces the built-in models' catalog entries share (docs/device-models.md): a plain MMIO
 * BAR, and the zod fields of the tuning params — DMA bandwidth in bytes per microsecond,
 * durations in nanoseconds, and the live-migration opt-in a vfio variant driver would offer.
 */
import { z } from 'zod';
import type { ModelBar } from '../topology/model-catalog.js';
import { u64Field } from '../topology/schema.js';

export const bytesPerUsField = z.number().positive().max(1e9);
export const nsField = u64Field;
export const migrationField = z.union([z.boolean(), z.array(z.enum(['stop-copy', 'p2p', 'pre-copy']))]);

/** A 32-bit, non-prefetchable memory BAR. */
export function mmioBar(index: number, size: bigint): ModelBar {
  return { index, size, prefetchable: false, is64: false, io: false };
}
