/**
 * One real process under `vfio-sim exec` and its simulated twin: the simulated Process, the
 * program's memory (/proc/<pid>/mem) and its mirror in simulated RAM, which real fd numbers
 * stand for which simulated fds (the shim's placeholders), and which real eventfds the
 * simulator signals (each backed by a simulated eventfd the kernel holds).
 *
 * Every handler returns a Reply and never throws for what a program can do: a SystemError
 * becomes its errno, a SignalError of an MMIO access is EFAULT (the shim raises SIGBUS).
 */
import { readlinkSync } from 'node:fs';
import { SignalError, SystemError } from '../../base/errors.js';
import { errnoNumber, type ErrnoCode } from '../../base/errno.js';
import type { Host } from '../host.js';
import type { EventFd } from '../../kernel/eventfd.js';
import type { Process } from '../../process/process.js';
import { EFD_NONBLOCK } from '../../kernel/eventfd.js';
import { ClientMemory } from './client-memory.js';
import { prepareIoctl } from './ioctl-args.js';
import { Mirror } from './mirror.js';
import { ACT_NEWFD, ACT_SHARE, ACT_SIGNAL, ACT_WATCH, ERR_RETRY, type Action, type Reply } from './protocol.js';

export interface SessionOptions {
  /** Virtual ns each MMIO access costs. */
  readonly mmioNs: bigint;
}

export class Session {
  readonly mem: ClientMemory;
  readonly mirror: Mirror;
  /** Real placeholder fd → simulated fd. */
  readonly fds = new Map<number, number>();
  /** Real eventfd → the simulated eventfd the kernel signals for it. */
  readonly eventfds = new Map<number, number>();
  private lastRead: { addr: bigint; value: bigint } | null = null;
  /** VFIO_SIM_DEBUG: print each decoded ioctl (read once: process.env is slow to read per call). */
  private readonly debug = process.env['VFIO_SIM_DEBUG'] !== undefined && process.env['VFIO_SIM_DEBUG'] !== '';
  conns = 0;
  private ended = false;

  constructor(
    readonly host: Host,
    readonly p: Process,
    readonly pid: number,
    private readonly opts: SessionOptions,
  ) {
    this.mem = new ClientMemory(pid);
    this.mirror = new Mirror(p, host.phys, this.mem);
  }

  /** A forked child: the same fd numbers, the same eventfd mapping (the table was copied). */
  inherit(parent: Session): void {
    for (const [r, s] of parent.fds) this.fds.set(r, s);
    for (const [r, s] of parent.eventfds) this.eventfds.set(r, s);
    this.mirror.adopt(parent.mirror);
  }

  // ---- fds ----------------------------------------------------------------------

  /** A real fd number as the simulated kernel should see it: a placeholder's fd, or a mirrored eventfd. */
  fdIn(real: number): number {
    const sim = this.fds.get(real);
    if (sim !== undefined) return sim;
    const ev = this.eventfds.get(real);
    if (ev !== undefined) return ev;
    if (!this.isRealEventfd(real)) return 0x3fffffff; // no such fd in the simulated table: EBADF
    const fd = this.p.eventfd(0, EFD_NONBLOCK);
    this.eventfds.set(real, fd);
    this.pendingActs.push({ kind: ACT_WATCH, fd: real, val: 1n, addr: 0n });
    return fd;
  }

  private isRealEventfd(fd: number): boolean {
    try {
      return readlinkSync(`/proc/${this.pid}/fd/${fd}`) === 'anon_inode:[eventfd]';
    } catch {
      return false;
    }
  }

  /** Actions queued for the next reply (watches, new fds). */
  pendingActs: Action[] = [];

  /** Signals of the simulated eventfds, as writes the shim makes to the real ones. */
  collectSignals(out: Action[]): boolean {
    let any = false;
    for (const [real, sim] of this.eventfds) {
      const e = this.p.task.file(sim)?.priv as EventFd | undefined;
      const v = e !== undefined && typeof e.take === 'function' ? e.take() : null;
      if (v !== null) {
        out.push({ kind: ACT_SIGNAL, fd: real, val: v, addr: 0n });
        any = true;
      }
    }
    return any;
  }

  // ---- calls ----------------------------------------------------------------------

  call(fn: () => bigint | number): Reply {
    try {
      return { err: 0, ret: BigInt(fn()), acts: [], payload: null };
    } catch (e) {
      return errReply(e);
    }
  }

  open(real: number, path: string, flags: number): Reply {
    return this.call(() => {
      const sim = this.p.open(path, flags);
      this.fds.set(real, sim);
      return 0;
    });
  }

  close(real: number): Reply {
    const sim = this.fds.get(real);
    this.fds.delete(real);
    if (sim === undefined) return { err: errnoNumber('EBADF'), ret: -1n, acts: [], payload: null };
    for (const s of this.fds.values()) if (s === sim) return ok0();
    return this.call(() => (this.p.close(sim), 0));
  }

  dup(oldReal: number, newReal: number): Reply {
    const sim = this.fds.get(oldReal);
    if (sim !== undefined) this.fds.set(newReal, sim);
    return ok0();
  }

  register(real: number, sim: number): Reply {
    this.fds.set(real, sim);
    return ok0();
  }

  /** An ioctl; `head`: the argument's first bytes as the program sent them (read from there first). */
  ioctl(real: number, request: number, arg: bigint, head: Uint8Array = new Uint8Array(0)): Reply {
    const sim = this.fds.get(real) ?? -1;
    const kind = this.p.task.file(sim)?.ops.kind;
    const share: Array<[bigint, bigint]> = [];
    const env = {
      read: (a: bigint, n: number) => this.mem.read(a, n),
      write: (a: bigint, d: Uint8Array) => this.mem.write(a, d),
      fdIn: (fd: number) => this.fdIn(fd),
      mirror: (a: bigint, n: bigint) => void share.push(...this.mirror.ensure(a, n)),
      attach: (a: bigint, n: bigint) => this.mirror.attach(a, n),
    };
    this.mem.beginWindow(arg, head);
    const prep = prepareIoctl(kind, request, arg, env);
    this.mem.endWindow();
    // the shim first makes these buffers shared memory, then sends the call again (nothing was done yet)
    if (share.length > 0) return { err: ERR_RETRY, ret: -1n, acts: share.map(([s, e]) => ({ kind: ACT_SHARE, fd: -1, val: e - s, addr: s })), payload: null };
    if (this.debug) process.stderr.write(`ioctl ${kind} 0x${request.toString(16)} ${JSON.stringify(prep, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))}\n`);
    if (!prep.ok) return { err: errnoNumber(prep.code), ret: -1n, acts: [], payload: null };
    const before = this.p.task.openFds();
    const r = this.call(() => this.p.ioctl(sim, request, prep.value.arg as never));
    try {
      prep.value.writeBack();
    } catch {
      /* the program's buffer went away: nothing to write back into */
    }
    // no ioctl closes an fd, so the same count means no new fd (most calls: no set to build)
    const after = this.p.task.openFds();
    if (after.length === before.length) return r;
    const had = new Set(before);
    const mirrored = new Set(this.eventfds.values());
    const fresh = after.filter((fd) => !had.has(fd) && !mirrored.has(fd));
    for (const fd of fresh) {
      const out = prep.value.fdOut.find((o) => o.simFd === fd);
      const cloexec = this.p.task.fdEntry(fd)?.cloexec ? 1n << 32n : 0n;
      if (out !== undefined) r.acts.push({ kind: ACT_NEWFD, fd: -1, val: BigInt(fd) | cloexec, addr: out.addr });
      else if (r.err === 0 && BigInt(fd) === r.ret) r.acts.push({ kind: ACT_NEWFD, fd: -1, val: BigInt(fd) | cloexec, addr: 0n });
    }
    return r;
  }

  read(real: number, len: number, off: bigint, hasOff: boolean): Reply {
    const sim = this.fds.get(real) ?? -1;
    const f = this.p.task.file(sim);
    if (f?.ops.kind === 'proc-pagemap' && (f.priv as { task?: unknown }).task === this.p.task) {
      // the program's own pagemap: its pages in memory become simulated pages first
      const at = (hasOff ? off : f.pos) / 8n;
      this.mirror.present(at << 12n, (at + BigInt(Math.floor(len / 8))) << 12n);
    }
    try {
      const data = hasOff ? this.p.pread(sim, len, off) : this.p.read(sim, len);
      return { err: 0, ret: BigInt(data.length), acts: [], payload: data };
    } catch (e) {
      return errReply(e);
    }
  }

  write(real: number, data: Uint8Array, off: bigint, hasOff: boolean): Reply {
    const sim = this.fds.get(real) ?? -1;
    return this.call(() => (hasOff ? this.p.pwrite(sim, data, off) : this.p.write(sim, data)));
  }

  lseek(real: number, off: bigint, whence: number): Reply {
    return this.call(() => this.p.lseek(this.fds.get(real) ?? -1, off, whence));
  }

  fcntl(real: number, cmd: number, arg: number): Reply {
    return this.call(() => this.p.fcntl(this.fds.get(real) ?? -1, cmd, arg));
  }

  mmap(addr: bigint, len: bigint, prot: number, flags: number, real: number, off: bigint): Reply {
    return this.call(() => this.p.mmap(addr, len, prot, flags, this.fds.get(real) ?? -1, off));
  }

  /** The program unmaps [addr, addr + len) (`bar`: a BAR mapping is there, whose errors are the program's). */
  munmap(addr: bigint, len: bigint, bar: boolean): Reply {
    this.mirror.forget(addr, len);
    const r = this.call(() => (this.p.munmap(addr, len), 0));
    return bar ? r : ok0();
  }

  /** The shim made [addr, addr + len) a memfd, its fd `fd` (or declined to: fd < 0). */
  shared(addr: bigint, len: bigint, fd: number): Reply {
    this.mirror.shared(addr, len, fd);
    return ok0();
  }

  /** One trapped load or store. A poll loop re-reading an unchanged register jumps to the next event. */
  mmio(addr: bigint, size: number, store: boolean, value: bigint): Reply {
    const clock = this.host.clock;
    try {
      clock.advance(this.opts.mmioNs);
      if (store) {
        const b = new Uint8Array(8);
        new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, value), true);
        this.lastRead = null;
        this.p.writeMem(addr, b.subarray(0, size));
        return ok0();
      }
      const b = new Uint8Array(8);
      b.set(this.p.readMem(addr, size));
      const v = new DataView(b.buffer).getBigUint64(0, true);
      if (this.lastRead !== null && this.lastRead.addr === addr && this.lastRead.value === v) clock.step();
      this.lastRead = { addr, value: v };
      return { err: 0, ret: v, acts: [], payload: null };
    } catch (e) {
      return errReply(e);
    }
  }

  sleep(ns: bigint): Reply {
    this.host.clock.advance(ns);
    return ok0();
  }

  /** Exit of the real process: the simulated one exits too (fds closed, pins released). */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.mirror.detachAll();
    try {
      this.p.exit();
    } catch {
      /* already gone */
    }
    this.mem.close();
  }
}

export function ok0(): Reply {
  return { err: 0, ret: 0n, acts: [], payload: null };
}

export function errReply(e: unknown): Reply {
  if (e instanceof SystemError) return { err: -e.errno, ret: -1n, acts: [], payload: null };
  if (e instanceof SignalError) return { err: errnoNumber('EFAULT'), ret: -1n, acts: [], payload: null };
  if (e instanceof TypeError || e instanceof RangeError) return { err: errnoNumber('EINVAL'), ret: -1n, acts: [], payload: null };
  process.stderr.write(`vfio-sim exec: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
  return { err: errnoNumber('EIO' as ErrnoCode), ret: -1n, acts: [], payload: null };
}
