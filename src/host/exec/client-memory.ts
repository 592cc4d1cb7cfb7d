/**
 * A real program's memory, seen from the server: /proc/<pid>/mem for bytes and
 * /proc/<pid>/maps for what the program has mapped. Reads and writes are synchronous, so a
 * device's DMA lands in the program's page before the simulator takes its next step. An
 * address the program has not mapped fails (null / false), never touching anything else.
 * (The program allows the server to ptrace-access it: prctl(PR_SET_PTRACER) in the shim.)
 */
import { closeSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';

/** x86-64 user addresses end at 2^47 (TASK_SIZE); beyond is never the program's memory. */
const USER_END = 1n << 47n;

export interface RealMapping {
  readonly start: bigint;
  readonly end: bigint;
  readonly read: boolean;
  readonly write: boolean;
  /** Anonymous memory (private, or MAP_SHARED anonymous), not the heap or the stack: the shim may share it. */
  readonly anon: boolean;
}

export class ClientMemory {
  private fd: number | null = null;
  /** The program's memfds this server opened (shared DMA buffers): closed with the memory. */
  private readonly files: number[] = [];
  /** Bytes the program sent along with the current call (its ioctl argument's start), or null. */
  private window: { readonly addr: bigint; readonly bytes: Uint8Array } | null = null;

  /** Serve reads inside [addr, addr + bytes.length) from `bytes` until `endWindow()` (one call). */
  beginWindow(addr: bigint, bytes: Uint8Array): void {
    this.window = bytes.length > 0 ? { addr, bytes } : null;
  }

  endWindow(): void {
    this.window = null;
  }

  constructor(readonly pid: number) {}

  private handle(): number | null {
    if (this.fd === null) {
      try {
        this.fd = openSync(`/proc/${this.pid}/mem`, 'r+');
      } catch {
        return null;
      }
    }
    return this.fd;
  }

  /** `len` bytes at `addr`, or null when any of them is not readable. */
  read(addr: bigint, len: number): Uint8Array | null {
    const out = new Uint8Array(len);
    return this.readInto(addr, out, 0, len) ? out : null;
  }

  readInto(addr: bigint, dst: Uint8Array, off: number, len: number): boolean {
    const w = this.window;
    if (w !== null && addr >= w.addr && addr + BigInt(len) <= w.addr + BigInt(w.bytes.length)) {
      const at = Number(addr - w.addr);
      dst.set(w.bytes.subarray(at, at + len), off);
      return true;
    }
    const fd = this.handle();
    if (fd === null || addr < 0n || addr >= USER_END) return false;
    try {
      return len === 0 || readSync(fd, dst, off, len, addr) === len;
    } catch {
      return false;
    }
  }

  write(addr: bigint, data: Uint8Array, off = 0, len = data.length): boolean {
    const fd = this.handle();
    if (fd === null || addr < 0n || addr >= USER_END) return false;
    try {
      return len === 0 || writeSync(fd, data, off, len, Number(addr)) === len;
    } catch {
      return false;
    }
  }

  /** The program's mappings overlapping [start, end), from /proc/<pid>/maps. */
  mappings(start: bigint, end: bigint): RealMapping[] {
    let text: string;
    try {
      text = readFileSync(`/proc/${this.pid}/maps`, 'latin1');
    } catch {
      return [];
    }
    const out: RealMapping[] = [];
    for (const line of text.split('\n')) {
      const m = /^([0-9a-f]+)-([0-9a-f]+) (.)(.).(.) \S+ \S+ (\d+) *(.*)$/.exec(line);
      if (m === null) continue;
      const s = BigInt(`0x${m[1]}`);
      const e = BigInt(`0x${m[2]}`);
      const path = m[7] ?? '';
      const anon = (m[6] === '0' && m[5] === 'p' && (path === '' || path.startsWith('[anon:'))) || path === '/dev/zero (deleted)';
      if (e > start && s < end) out.push({ start: s, end: e, read: m[3] === 'r', write: m[4] === 'w', anon });
    }
    return out;
  }

  /** The program's own pagemap entries for `count` pages from `vpn` on, or null when unreadable. */
  pagemap(vpn: bigint, count: number): BigUint64Array | null {
    let fd: number | null = null;
    try {
      fd = openSync(`/proc/${this.pid}/pagemap`, 'r');
      const out = new BigUint64Array(count);
      const got = readSync(fd, new Uint8Array(out.buffer), 0, count * 8, vpn * 8n);
      return got === count * 8 ? out : null;
    } catch {
      return null;
    } finally {
      if (fd !== null) closeSync(fd);
    }
  }

  /** Open the program's fd `fd` (a memfd it shares) for reading and writing; null when it cannot be. */
  openFile(fd: number): number | null {
    try {
      const f = openSync(`/proc/${this.pid}/fd/${fd}`, 'r+');
      this.files.push(f);
      return f;
    } catch {
      return null;
    }
  }

  /** `len` bytes of an opened file at `pos` into dst; false when short. */
  readFile(file: number, pos: number, dst: Uint8Array, off: number, len: number): boolean {
    try {
      return len === 0 || readSync(file, dst, off, len, pos) === len;
    } catch {
      return false;
    }
  }

  writeFile(file: number, pos: number, src: Uint8Array, off: number, len: number): boolean {
    try {
      return len === 0 || writeSync(file, src, off, len, pos) === len;
    } catch {
      return false;
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    for (const f of this.files.splice(0)) closeSync(f);
  }
}
