/**
 * The wire between the preload library (native/vfio-sim-shim.c) and the exec server, one
 * request at a time per connection, little endian:
 *   request: u32 len (whole frame), u32 op, u64 a[6], payload (len - 56 bytes)
 *   reply:   u32 len, s32 err (0 or a positive errno), s64 ret, u32 nact, u32 plen,
 *            nact x { u32 kind, s32 fd, u64 val, u64 addr }, plen payload bytes
 * The op numbers and action kinds below must match the enums of the C source.
 */
export const REQ_HEADER = 56;
export const REP_HEADER = 24;
export const ACT_SIZE = 24;

export const OP = {
  HELLO: 1,
  OPEN: 2,
  CLOSE: 3,
  IOCTL: 4,
  MMAP: 5,
  MUNMAP: 6,
  READ: 7,
  WRITE: 8,
  MMIO: 9,
  READLINK: 10,
  READDIR: 11,
  STAT: 12,
  DUP: 13,
  FCNTL: 14,
  SLEEP: 15,
  WAIT: 16,
  PREFORK: 17,
  REGISTER: 18,
  ECHO: 19,
  FSTAT: 20,
  REALPATH: 21,
  EXIT: 22,
  LSEEK: 23,
  HUGE: 24,
  SHARED: 25,
} as const;

/** A reply error asking the shim to send the request again after the reply's actions (ERESTARTSYS, never seen by programs). */
export const ERR_RETRY = 512;

/** Write `val` (8 bytes) to real fd `fd` — a simulated eventfd was signalled. */
export const ACT_SIGNAL = 1;
/** Make a placeholder for simulated fd `val & 0xffffffff` (bit 32: cloexec); store it at `addr`, or return it when addr is 0. */
export const ACT_NEWFD = 2;
/** Real eventfd `fd` is (val 1) or is no longer (val 0) signalled by the simulator. */
export const ACT_WATCH = 3;
/** Make the program's anonymous memory [addr, addr + val) a memfd mapped in place, and tell the server (OP.SHARED). */
export const ACT_SHARE = 4;

export interface Action {
  kind: number;
  fd: number;
  val: bigint;
  addr: bigint;
}

export interface Reply {
  err: number;
  ret: bigint;
  acts: Action[];
  payload: Uint8Array | null;
}

export interface Request {
  op: number;
  a: bigint[];
  payload: Buffer;
}

export function parseRequest(buf: Buffer, at: number): { req: Request; next: number } | null {
  if (buf.length - at < REQ_HEADER) return null;
  const len = buf.readUInt32LE(at);
  if (len < REQ_HEADER) throw new Error(`bad frame length ${len}`);
  if (buf.length - at < len) return null;
  const a: bigint[] = [];
  for (let i = 0; i < 6; i++) a.push(buf.readBigUInt64LE(at + 8 + i * 8));
  return { req: { op: buf.readUInt32LE(at + 4), a, payload: buf.subarray(at + REQ_HEADER, at + len) }, next: at + len };
}

export function encodeReply(r: Reply): Buffer {
  const plen = r.payload?.length ?? 0;
  const total = REP_HEADER + r.acts.length * ACT_SIZE + plen;
  const b = Buffer.allocUnsafe(total);
  b.writeUInt32LE(total, 0);
  b.writeInt32LE(r.err, 4);
  b.writeBigInt64LE(BigInt.asIntN(64, r.ret), 8);
  b.writeUInt32LE(r.acts.length, 16);
  b.writeUInt32LE(plen, 20);
  let o = REP_HEADER;
  for (const x of r.acts) {
    b.writeUInt32LE(x.kind, o);
    b.writeInt32LE(x.fd, o + 4);
    b.writeBigUInt64LE(BigInt.asUintN(64, x.val), o + 8);
    b.writeBigUInt64LE(BigInt.asUintN(64, x.addr), o + 16);
    o += ACT_SIZE;
  }
  if (plen) b.set(r.payload!, o);
  return b;
}

/** The NUL-terminated string at the start of a payload. */
export function cstr(p: Buffer): string {
  const z = p.indexOf(0);
  return p.toString('utf8', 0, z < 0 ? p.length : z);
}
