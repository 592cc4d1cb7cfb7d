/**
 * The exec server: a unix socket the preload library of every process and thread of one run
 * connects to. Each connection belongs to one real process (HELLO names its pid); calls of
 * all connections are served one at a time, in arrival order, on one simulated Host. A real
 * process is a Session; its last connection closing is its exit (the simulated process exits:
 * fds closed, pins released). A blocking wait on eventfds runs the virtual clock; when nothing
 * is scheduled it waits for another connection's call to make progress, or fails EDEADLK
 * when there is none.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { errnoNumber } from '../../base/errno.js';
import type { Host } from '../host.js';
import type { EventFd } from '../../kernel/eventfd.js';
import type { Process } from '../../process/process.js';
import { fstatReply, readdirReply, readlinkReply, realpathReply, statReply } from './paths.js';
import { cstr, encodeReply, OP, parseRequest, type Reply, type Request } from './protocol.js';
import { ok0, Session, type SessionOptions } from './session.js';

export interface ExecServerOptions extends SessionOptions {
  /** uid of a process the server has not seen fork (the program itself). */
  readonly uid: number;
}

interface Conn {
  readonly sock: Socket;
  buf: Buffer;
  session: Session | null;
  parked: ParkedWait | null;
}

interface ParkedWait {
  readonly sims: number[];
  readonly deadline: bigint | null;
}

/** Steps a single wait may run before it gives up (a device with a periodic timer never idles). */
const MAX_WAIT_STEPS = 1_000_000;

export class ExecServer {
  private readonly server: Server;
  private readonly sessions = new Map<number, Session>();
  private readonly forks = new Map<number, { child: Process; parent: Session }>();
  private readonly conns = new Set<Conn>();
  private nextToken = 1;

  constructor(
    readonly host: Host,
    private readonly opts: ExecServerOptions,
  ) {
    this.server = createServer((sock) => this.accept(sock));
  }

  /** The session of real process `pid`, while it runs (benchmarks reach its simulated process). */
  session(pid: number): Session | undefined {
    return this.sessions.get(pid);
  }

  listen(path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(path, () => resolve());
    });
  }

  /** Stop listening and end every session still open. */
  close(): Promise<void> {
    for (const c of this.conns) c.sock.destroy();
    for (const s of this.sessions.values()) s.end();
    this.sessions.clear();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(sock: Socket): void {
    sock.setNoDelay(true);
    const c: Conn = { sock, buf: Buffer.alloc(0), session: null, parked: null };
    this.conns.add(c);
    sock.on('data', (d: Buffer) => this.onData(c, d));
    sock.on('close', () => this.onClose(c));
    sock.on('error', () => {});
  }

  private onData(c: Conn, d: Buffer): void {
    c.buf = c.buf.length === 0 ? d : Buffer.concat([c.buf, d]);
    let at = 0;
    for (;;) {
      let parsed;
      try {
        parsed = parseRequest(c.buf, at);
      } catch {
        c.sock.destroy();
        return;
      }
      if (parsed === null) break;
      at = parsed.next;
      const r = this.handle(c, parsed.req);
      if (r !== null) this.send(c, r);
    }
    c.buf = at === c.buf.length ? Buffer.alloc(0) : c.buf.subarray(at);
    this.retryParked();
  }

  private send(c: Conn, r: Reply): void {
    const s = c.session;
    if (s !== null) {
      r.acts.push(...s.pendingActs);
      s.pendingActs = [];
      s.collectSignals(r.acts);
    }
    c.sock.write(encodeReply(r));
  }

  private onClose(c: Conn): void {
    this.conns.delete(c);
    const s = c.session;
    if (s !== null && --s.conns === 0) {
      s.end();
      this.sessions.delete(s.pid);
    }
    this.retryParked();
  }

  private hello(c: Conn, pid: number, token: number): Reply {
    let s = this.sessions.get(pid);
    if (s === undefined) {
      const f = this.forks.get(token);
      this.forks.delete(token);
      const p = f?.child ?? this.host.spawn({ uid: this.opts.uid });
      s = new Session(this.host, p, pid, this.opts);
      if (f !== undefined) s.inherit(f.parent);
      this.sessions.set(pid, s);
    }
    s.conns++;
    c.session = s;
    return ok0();
  }

  private prefork(s: Session): Reply {
    try {
      const child = s.p.fork();
      const token = this.nextToken++;
      this.forks.set(token, { child, parent: s });
      return { err: 0, ret: BigInt(token), acts: [], payload: null };
    } catch {
      return { err: errnoNumber('EAGAIN'), ret: -1n, acts: [], payload: null };
    }
  }

  private handle(c: Conn, q: Request): Reply | null {
    const a = q.a;
    const n = (i: number): number => Number(BigInt.asIntN(64, a[i]!));
    if (q.op === OP.HELLO) return this.hello(c, n(0), n(1));
    if (q.op === OP.ECHO) return { err: 0, ret: a[0]!, acts: [], payload: null };
    const s = c.session;
    if (s === null) return { err: errnoNumber('EBADF'), ret: -1n, acts: [], payload: null };
    switch (q.op) {
      case OP.OPEN:
        return s.open(n(0), cstr(q.payload), n(1));
      case OP.CLOSE:
        return s.close(n(0));
      case OP.IOCTL:
        return s.ioctl(n(0), Number(a[1]! & 0xffffffffn), a[2]!, q.payload);
      case OP.MMAP:
        return s.mmap(a[0]!, a[1]!, n(2), n(3), n(4), a[5]!);
      case OP.MUNMAP:
        return s.munmap(a[0]!, a[1]!, a[2] !== 0n);
      case OP.SHARED:
        return s.shared(a[0]!, a[1]!, n(2));
      case OP.READ:
        return s.read(n(0), Math.min(n(1), 1 << 24), a[2]!, a[3] !== 0n);
      case OP.WRITE:
        return s.write(n(0), new Uint8Array(q.payload), a[1]!, a[2] !== 0n);
      case OP.LSEEK:
        return s.lseek(n(0), BigInt.asIntN(64, a[1]!), n(2));
      case OP.MMIO:
        return s.mmio(a[0]!, n(1), a[2] !== 0n, a[3]!);
      case OP.READLINK:
        return readlinkReply(s.p, cstr(q.payload));
      case OP.REALPATH:
        return realpathReply(s.p, cstr(q.payload));
      case OP.READDIR:
        return readdirReply(s.p, cstr(q.payload));
      case OP.STAT:
        return statReply(s.p, cstr(q.payload), a[0] === 0n);
      case OP.FSTAT:
        return fstatReply(s.p, s.fds.get(n(0)) ?? -1);
      case OP.DUP:
        return s.dup(n(0), n(1));
      case OP.REGISTER:
        return s.register(n(0), n(1));
      case OP.FCNTL:
        return s.fcntl(n(0), n(1), n(2));
      case OP.HUGE:
        s.mirror.addHuge(a[0]!, a[0]! + a[1]!, n(2));
        return ok0();
      case OP.SLEEP:
        return s.sleep(a[0]!);
      case OP.PREFORK:
        return this.prefork(s);
      case OP.WAIT:
        return this.wait(c, s, q);
      default:
        return { err: errnoNumber('ENOSYS'), ret: -1n, acts: [], payload: null };
    }
  }

  // ---- blocking waits on eventfds ---------------------------------------------------

  private wait(c: Conn, s: Session, q: Request): Reply | null {
    const fds: number[] = [];
    for (let i = 0; i + 4 <= q.payload.length; i += 4) fds.push(q.payload.readInt32LE(i));
    const sims = fds.map((f) => s.eventfds.get(f)).filter((x): x is number => x !== undefined);
    const t = BigInt.asIntN(64, q.a[1]!);
    const w: ParkedWait = { sims, deadline: t < 0n ? null : this.host.clock.now() + t };
    const r = this.runWait(s, w);
    if (r !== null) return r;
    c.parked = w;
    return null;
  }

  private signalled(s: Session, sims: readonly number[]): boolean {
    return sims.some((fd) => ((s.p.task.file(fd)?.priv as EventFd | undefined)?.count ?? 0n) !== 0n);
  }

  /** Run the clock for a wait: a reply when it is over, null when only another connection can end it. */
  private runWait(s: Session, w: ParkedWait, final = false): Reply | null {
    const clock = this.host.clock;
    for (let i = 0; i < MAX_WAIT_STEPS; i++) {
      if (this.signalled(s, w.sims)) return ok0();
      const next = clock.nextDue();
      if (next === undefined || (w.deadline !== null && next > w.deadline)) {
        if (w.deadline !== null) {
          if (w.deadline > clock.now()) clock.advance(w.deadline - clock.now());
          return this.signalled(s, w.sims) ? ok0() : { err: errnoNumber('ETIMEDOUT'), ret: -1n, acts: [], payload: null };
        }
        if (!final && this.othersCanRun()) return null;
        return { err: errnoNumber('EDEADLK'), ret: -1n, acts: [], payload: null };
      }
      clock.step();
    }
    return { err: errnoNumber('EDEADLK'), ret: -1n, acts: [], payload: null };
  }

  private othersCanRun(): boolean {
    let running = 0;
    for (const c of this.conns) if (c.parked === null) running++;
    return running > 1; // the caller's own connection is not parked yet
  }

  private retryParked(): void {
    const parked = [...this.conns].filter((c) => c.parked !== null && c.session !== null);
    if (parked.length === 0) return;
    const stuck = parked.length === this.conns.size;
    for (const c of parked) {
      const r = this.runWait(c.session!, c.parked!, stuck);
      if (r === null) continue;
      c.parked = null;
      this.send(c, r);
    }
  }
}
