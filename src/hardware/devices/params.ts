/**
 * Reading a function's model `params` (the topology's `fn.params`, already validated by the
 * model catalog's schema) into the values models use: timing, DMA masks, migration opt-in.
 * Numbers may arrive as JSON numbers, bigints or hex strings ("0x…"), as everywhere in a
 * topology; anything unusable falls back to the default.
 */
import type { PciFunction } from '../topology/model.js';

const MIGRATION_FLAG = { 'stop-copy': 0x1, p2p: 0x2, 'pre-copy': 0x4 } as const;
export type MigrationFlagName = keyof typeof MIGRATION_FLAG;
function asBigint(v: unknown): bigint | null {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return BigInt(Math.trunc(v));
  if (typeof v === 'string' && /^(0x[0-9a-f]+|[0-9]+)$/i.test(v)) return BigInt(v);
  return null;
}

/** A positive number (e.g. bytes per microsecond). */
export function numParam(fn: PciFunction, name: string, dflt: number): number {
  const v = fn.params[name];
  if (typeof v === 'number') return v > 0 ? v : dflt;
  const b = asBigint(v);
  return b !== null && b > 0n ? Number(b) : dflt;
}

/** A duration in nanoseconds, 0 allowed. */
export function nsParam(fn: PciFunction, name: string, dflt: bigint): bigint {
  const b = asBigint(fn.params[name]);
  return b !== null && b >= 0n ? b : dflt;
}

/** A u64 (masks, addresses). */
export function u64Param(fn: PciFunction, name: string, dflt: bigint): bigint {
  const b = asBigint(fn.params[name]);
  return b !== null && b >= 0n ? BigInt.asUintN(64, b) : dflt;
}

/**
 * `params.migration`: `true` offers STOP_COPY | P2P | PRE_COPY, a list names the flags
 * (`["stop-copy", "pre-copy"]`; STOP_COPY is implied, as registration requires it).
 */
export function migrationFlagsParam(fn: PciFunction): number {
  const v = fn.params['migration'];
  if (v === true) return 0x7;
  if (!Array.isArray(v)) return 0;
  let flags = MIGRATION_FLAG['stop-copy'];
  for (const n of v) if (typeof n === 'string' && n in MIGRATION_FLAG) flags |= MIGRATION_FLAG[n as MigrationFlagName];
  return flags;
}

/** `params.dmaLogging`: device-side dirty tracking; defaults to on for migratable functions. */
export function dmaLoggingParam(fn: PciFunction): boolean {
  const v = fn.params['dmaLogging'];
  if (typeof v === 'boolean') return v;
  return migrationFlagsParam(fn) !== 0;
}
