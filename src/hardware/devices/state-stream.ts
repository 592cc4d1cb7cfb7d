/**
 * Little-endian byte streams for a device model's migration state: a writer that grows as
 * fields are appended and a reader that reports, instead of throwing, when the bytes run
 * out. Models describe their state field by field; the vfio-pci migration driver frames it.
 *
 * Invariant: a reader never reads past its buffer; once it has run short, `ok` stays false
 * and every further read returns zero.
 */

export class StateWriter {
  private buf = new Uint8Array(64);
  private len = 0;

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }

  u8(v: number): this {
    this.room(1);
    this.buf[this.len++] = v & 0xff;
    return this;
  }

  u32(v: number): this {
    this.room(4);
    for (let i = 0; i < 4; i++) this.buf[this.len++] = (v >>> (8 * i)) & 0xff;
    return this;
  }

  u64(v: bigint): this {
    this.room(8);
    const x = BigInt.asUintN(64, v);
    for (let i = 0; i < 8; i++) this.buf[this.len++] = Number((x >> BigInt(8 * i)) & 0xffn);
    return this;
  }

  bool(v: boolean): this {
    return this.u8(v ? 1 : 0);
  }

  /** A length-prefixed byte string. */
  bytes(b: Uint8Array): this {
    this.u32(b.length);
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  done(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

export class StateReader {
  private at = 0;
  ok = true;

  constructor(private readonly buf: Uint8Array) {}

  private take(n: number): number | null {
    if (!this.ok || this.at + n > this.buf.length) {
      this.ok = false;
      return null;
    }
    const p = this.at;
    this.at += n;
    return p;
  }

  u8(): number {
    const p = this.take(1);
    return p === null ? 0 : this.buf[p]!;
  }

  u32(): number {
    const p = this.take(4);
    if (p === null) return 0;
    return (this.buf[p]! | (this.buf[p + 1]! << 8) | (this.buf[p + 2]! << 16) | (this.buf[p + 3]! << 24)) >>> 0;
  }

  u64(): bigint {
    const p = this.take(8);
    if (p === null) return 0n;
    let v = 0n;
    for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(this.buf[p + i]!);
    return v;
  }

  bool(): boolean {
    return this.u8() !== 0;
  }

  bytes(max = 1 << 24): Uint8Array {
    const n = this.u32();
    if (n > max) {
      this.ok = false;
      return new Uint8Array(0);
    }
    const p = this.take(n);
    return p === null ? new Uint8Array(0) : this.buf.slice(p, p + n);
  }

  /** Every byte consumed and nothing ran short. */
  get complete(): boolean {
    return this.ok && this.at === this.buf.length;
  }
}
