/**
 * What the address space needs from the machine's memory: a pool of physical page frames
 * and byte access to physical memory. The hardware layer provides both; keeping them as
 * small interfaces lets mm stay independent of how RAM is stored.
 */
export interface FramePool {
  /** Allocate `count` contiguous frames whose first pfn is a multiple of `alignFrames`; null when none. */
  alloc(count: number, alignFrames: number): number | null;
  /** Return frames to the pool. Their contents are zeroed before they are handed out again. */
  free(pfn: number, count: number): void;
}

export interface PhysAccess {
  read(pa: bigint, len: number): Uint8Array;
  write(pa: bigint, data: Uint8Array): void;
  /** memmove within physical memory (fork's page copies). */
  copy(dstPa: bigint, srcPa: bigint, len: number): void;
}
