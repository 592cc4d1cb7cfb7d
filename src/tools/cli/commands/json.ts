/** JSON output for --json: bigints as hex strings, two-space indent. */
export function jsonText(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `0x${x.toString(16)}` : x), 2);
}

/**
 * A virtual time for JSON: decimal nanoseconds (the unit named by the output's `timeUnit`), a
 * number while it is exact (below 2^53 ns, 104 days) and a decimal string beyond.
 */
export function jsonNs(ns: bigint): number | string {
  return ns <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(ns) : ns.toString();
}
