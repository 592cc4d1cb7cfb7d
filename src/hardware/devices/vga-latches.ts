/**
 * The legacy VGA ranges of an inert VGA core: memory 0xA0000-0xBFFFF and ports 0x3B0-0x3DF
 * as plain latches (a load returns what the last store put there, zero at power-on).
 */
import { getLE, putLE } from './le-bytes.js';
import type { AccessSize } from './model-types.js';

export class VgaLatches {
  private readonly mem = new Uint8Array(0x20000 + 8);
  private readonly io = new Uint8Array(0x30 + 8);

  read(space: 'mem' | 'io', addr: number, size: AccessSize): bigint {
    return space === 'mem' ? getLE(this.mem, addr - 0xa0000, size) : getLE(this.io, addr - 0x3b0, size);
  }

  write(space: 'mem' | 'io', addr: number, size: AccessSize, value: bigint): void {
    if (space === 'mem') putLE(this.mem, addr - 0xa0000, size, value);
    else putLE(this.io, addr - 0x3b0, size, value);
  }
}
