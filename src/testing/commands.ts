/**
 * Model-based testing over the syscall surface (fast-check `fc.commands`): random
 * sequences of open/close/ioctl/mmap/pread/pwrite/bind/clock/device-attack steps against a
 * real Host, with the simulator's promises checked after every step:
 *  1. only SystemError, TypeError (code ERR_INVALID_ARG_TYPE), RangeError (code
 *     ERR_OUT_OF_RANGE) — and SignalError for CPU
 *     loads and stores — ever come out of a call;
 *  2. a failed call changes no observable state, not even its argument object;
 *  3. the isolation invariants hold (invariants.ts: no violations);
 *  4. a hostile device in a user-owned group reaches memory only through IOVAs its owner
 *     mapped (or through an exposure the configuration explains: P2P, identity, ATS).
 * A failure is shrunk by fast-check to a minimal command list and replayable with the
 * printed seed and path. Users add their own commands (their driver's operations) to the
 * same list; see docs/testing-kit.md.
 */
import fc from 'fast-check';
import { SystemError, SignalError } from '../base/errors.js';
import type { Host } from '../host/host.js';
import type { Process } from '../process/process.js';
import * as uapi from '../uapi/index.js';
import { VFIO_IOCTLS, IOMMUFD_IOCTLS } from '../uapi/ioctls.js';
import { STRUCTS } from '../uapi/structs.js';
import { checkInvariants } from './invariants.js';
import { stateChanges } from './state-changes.js';
import { junkArb, u64Arb } from './arbitraries.js';
import { HostileModel } from '../hardware/devices/hostile.js';
import { inMsiWindow } from '../uapi/x86.js';
import { freeFrames, iommuGroupOf, iommuGroups, pciDevices, tasks, vfioGroups } from './kernel-view.js';

/** The real system a command sequence runs against. */
export class SyscallWorld {
  readonly fds: number[] = [];
  /** fds by what they are, for commands that want a container or a device. */
  readonly roles = { container: [] as number[], group: [] as number[], device: [] as number[] };
  readonly vaddrs: bigint[] = [];
  steps = 0;
  /** What happened, one line per step (for a failure report). */
  readonly log: string[] = [];
  readonly bdfs: string[];

  constructor(readonly host: Host, readonly p: Process) {
    this.bdfs = host.topology.functions.filter((f) => !f.isBridge && f.type !== 'host-bridge').map((f) => f.bdf);
  }

  /** An fd of the given role when one is open (it may since have been closed: fine). */
  roleFd(role: keyof SyscallWorld['roles'], pick: number): number {
    const l = this.roles[role];
    return l.length > 0 ? l[pick % l.length]! : this.fd(pick);
  }

  fd(pick: number): number {
    if (pick < 0 || this.fds.length === 0) return pick < 0 ? pick : pick % 64;
    return this.fds[pick % this.fds.length]!;
  }
}

/** Everything a failed call must leave as it was (the JSON of observableStateObject). */
export function observableState(host: Host): string {
  return JSON.stringify(observableStateObject(host));
}

/** The state observableState prints, as a value. */
export function observableStateObject(host: Host): unknown {
  const taskList = [...tasks(host)].map((t) => [t.pid, t.openFds().map((fd) => `${fd}:${t.file(fd)!.path}:${t.file(fd)!.refs}`), String(t.mm.lockedVm), String(t.mm.pinnedVm), t.mm.pinnedFrames(), t.mm.list().length]);
  const groups = iommuGroups(host).map((g) => [g.id, g.owner !== null, g.ownerCount, (g.domain as { id?: number } | null)?.id ?? null]);
  const domains = host.iommu?.domainsList().map((d) => [d.id, d.type, d.pageTable.stats().leaves, String(d.pageTable.stats().mappedBytes)]) ?? [];
  const vfio = [...vfioGroups(host)].map((g) => [g.id, g.attached, g.dead]);
  const drivers = pciDevices(host).map((d) => d.driver?.name ?? null);
  return { tasks: taskList, groups, domains, vfio, drivers, free: freeFrames(host) };
}

type StateVector = Array<string | number | bigint | boolean | null>;

/**
 * The same facts as observableStateObject, flat and unformatted, each section tagged and
 * each fd list counted, so two vectors are element-wise equal exactly when the two
 * observableState strings are. guardedStep takes one before every step: building and
 * comparing this costs a fraction of formatting the JSON (~8 us a snapshot, a tenth of
 * a property run).
 */
export function stateVector(host: Host): StateVector {
  const v: StateVector = [];
  for (const t of tasks(host)) {
    const fds = t.openFds();
    v.push('T', t.pid, fds.length);
    for (const fd of fds) {
      const f = t.file(fd)!;
      v.push(fd, f.path, f.refs);
    }
    v.push(t.mm.lockedVm, t.mm.pinnedVm, t.mm.pinnedFrames(), t.mm.list().length);
  }
  for (const g of iommuGroups(host)) v.push('G', g.id, g.owner !== null, g.ownerCount, (g.domain as { id?: number } | null)?.id ?? null);
  for (const d of host.iommu?.domainsList() ?? []) {
    const st = d.pageTable.stats();
    v.push('D', d.id, d.type, st.leaves, st.mappedBytes);
  }
  for (const g of vfioGroups(host)) v.push('V', g.id, g.attached, g.dead);
  for (const d of pciDevices(host)) v.push('R', d.driver?.name ?? null);
  v.push('F', freeFrames(host));
  return v;
}

/** Index of the first difference of two state vectors, or -1 when equal. */
export function stateDiff(a: StateVector, b: StateVector): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function showVector(v: StateVector): string {
  return v.map((x) => (typeof x === 'string' ? JSON.stringify(x) : String(x))).join(' ');
}

function clone(v: unknown): unknown {
  try {
    return structuredClone(v);
  } catch {
    return v;
  }
}

function allowed(e: unknown, cpu: boolean): boolean {
  if (e instanceof SystemError) return true;
  if (cpu && e instanceof SignalError) return true;
  const code = (e as { code?: unknown }).code;
  return (e instanceof TypeError && code === 'ERR_INVALID_ARG_TYPE') || (e instanceof RangeError && code === 'ERR_OUT_OF_RANGE');
}

/** Run one step under the promises of the module comment; throws an Error naming the broken one. */
export function guardedStep(w: SyscallWorld, label: string, call: () => void, opts: { arg?: unknown; cpu?: boolean; argMayChange?: readonly string[]; compound?: boolean } = {}): boolean {
  const before = stateVector(w.host);
  const argBefore = clone(opts.arg);
  let failed = false;
  try {
    call();
  } catch (e) {
    if (!allowed(e, opts.cpu === true)) throw new Error(`step ${w.steps} ${label}: unexpected ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e });
    failed = true;
  }
  w.steps++;
  w.log.push(`${label}${failed ? ' → error' : ''}`);
  if (failed && opts.compound !== true) {
    const after = stateVector(w.host);
    const at = stateDiff(before, after);
    if (at >= 0) throw new Error(`step ${w.steps} ${label}: failed but changed state: ${stateChanges(before, after).join('; ')}`, { cause: { before: showVector(before), after: showVector(after), now: observableState(w.host) } });
    if (opts.arg !== undefined && !sameValue(without(opts.arg, opts.argMayChange), without(argBefore, opts.argMayChange))) throw new Error(`step ${w.steps} ${label}: failed but changed its argument`);
  }
  const r = checkInvariants(w.host, { p2p: false });
  if (r.violations.length > 0) throw new Error(`step ${w.steps} ${label}: invariant broken: ${r.violations.map((v) => `${v.rule}: ${v.detail}`).join('; ')}`);
  return !failed;
}

function without(v: unknown, fields: readonly string[] | undefined): unknown {
  if (fields === undefined || typeof v !== 'object' || v === null) return v;
  const o = { ...(v as Record<string, unknown>) };
  for (const f of fields) delete o[f];
  return o;
}

/**
 * Fields Linux writes back even when the call fails (contract §5's partial effects):
 * iommufd_hwpt_invalidate() reports how many entries it handled in entry_num either way;
 * vfio_pci_ioctl_get_pci_hot_reset_info() copies the header with the needed count back
 * before returning ENOSPC.
 */
const WRITTEN_ON_FAILURE: Readonly<Record<string, readonly string[]>> = {
  IOMMU_HWPT_INVALIDATE: ['entry_num'],
  VFIO_DEVICE_GET_PCI_HOT_RESET_INFO: ['count', 'flags'],
};

function sameValue(a: unknown, b: unknown): boolean {
  return fc.stringify(a) === fc.stringify(b);
}

type Cmd = fc.Command<object, SyscallWorld>;

class Step implements Cmd {
  constructor(private readonly label: string, private readonly body: (w: SyscallWorld) => void) {}
  check(): boolean {
    return true;
  }
  run(_m: object, w: SyscallWorld): void {
    this.body(w);
  }
  toString(): string {
    return this.label;
  }
}

const PATHS = ['/dev/vfio/vfio', '/dev/iommu', '/dev/vfio/devices/vfio0', '/dev/vfio/devices/vfio1', '/dev/vfio/999', '/dev/null-ish'];

function openCmd(): fc.Arbitrary<Cmd> {
  return fc.record({ path: fc.oneof(fc.constantFrom(...PATHS), fc.integer({ min: 0, max: 12 }).map((n) => `/dev/vfio/${n}`)), flags: fc.constantFrom(uapi.O_RDWR, uapi.O_RDONLY, uapi.O_RDWR | uapi.O_CLOEXEC) })
    .map(({ path, flags }) => new Step(`open(${path}, ${flags})`, (w) => {
      guardedStep(w, `open ${path}`, () => void w.fds.push(w.p.open(path, flags)));
    }));
}

function closeCmd(): fc.Arbitrary<Cmd> {
  return fc.integer({ min: -2, max: 40 }).map((pick) => new Step(`close(#${pick})`, (w) => {
    const fd = w.fd(pick);
    if (guardedStep(w, `close ${fd}`, () => w.p.close(fd))) w.fds.splice(w.fds.indexOf(fd), 1);
  }));
}

const REQUESTS = [...VFIO_IOCTLS.map((r) => ({ name: r.name, request: r.request, arg: r.arg, struct: r.struct as string | null })),
  ...IOMMUFD_IOCTLS.map((r) => ({ name: r.name, request: r.request, arg: 'struct' as const, struct: r.struct as string | null }))];

/** A struct argument from its layout: sizes right, fields plausible, some mutated. */
function structArg(struct: string): fc.Arbitrary<(w: SyscallWorld) => unknown> {
  const layout = STRUCTS.get(struct);
  if (layout === undefined) return fc.constant(() => ({}));
  const fields = layout.fields.filter((f) => f.kind !== 'array' && f.kind !== 'flex' && f.kind !== 'struct');
  const sized = (n: string) => n === 'argsz' || n === 'size';
  return fc.tuple(
    fc.array(fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 64 }) }, { weight: 1, arbitrary: junkArb() }), { minLength: fields.length, maxLength: fields.length }),
    fc.array(fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 32 }).map((n) => BigInt(n) << 12n) }, { weight: 2, arbitrary: u64Arb() }, { weight: 1, arbitrary: junkArb() }), { minLength: fields.length, maxLength: fields.length }),
    fc.array(fc.boolean(), { minLength: fields.length, maxLength: fields.length }),
  ).map(([small, big, drop]) => (w: SyscallWorld) => {
    const o: Record<string, unknown> = {};
    fields.forEach((f, i) => {
      if (drop[i] && !sized(f.name) && i % 3 === 0) return;
      if (sized(f.name)) o[f.name] = typeof small[i] === 'number' && (small[i] as number) > 60 ? small[i] : layout.sizeof;
      else if (f.pointer && w.vaddrs.length > 0 && typeof small[i] === 'number') o[f.name] = w.vaddrs[(small[i] as number) % w.vaddrs.length];
      else if (f.kind === 'u64' || f.kind === 's64') o[f.name] = big[i];
      else o[f.name] = typeof small[i] === 'number' ? (small[i] as number) % 8 : small[i];
    });
    return o;
  });
}

function ioctlCmd(): fc.Arbitrary<Cmd> {
  return fc.integer({ min: 0, max: REQUESTS.length - 1 }).chain((ri) => {
    const rq = REQUESTS[ri]!;
    const arg: fc.Arbitrary<(w: SyscallWorld) => unknown> =
      rq.arg === 'struct' && rq.struct !== null ? fc.oneof({ weight: 8, arbitrary: structArg(rq.struct) }, { weight: 1, arbitrary: junkArb().map((j) => () => j) })
        : rq.arg === 'string' ? fc.oneof(fc.integer({ min: 0, max: 16 }).map((i) => (w: SyscallWorld) => w.bdfs[i % Math.max(1, w.bdfs.length)] ?? 'x'), junkArb().map((j) => () => j))
          : fc.oneof(fc.integer({ min: -1, max: 12 }).map((n) => (w: SyscallWorld) => (n >= 0 && n < 4 ? w.fd(n) : n)), junkArb().map((j) => () => j));
    return fc.tuple(fc.integer({ min: -1, max: 40 }), arg).map(([pick, mk]) => new Step(`ioctl(#${pick}, ${rq.name})`, (w) => {
      const fd = w.fd(pick);
      const a = mk(w);
      // request numbers repeat across fd kinds (0x3b70 is also the hot-reset info on a device fd)
      const may = REQUESTS.filter((x) => x.request === rq.request).flatMap((x) => WRITTEN_ON_FAILURE[x.name] ?? []);
      guardedStep(w, `ioctl ${fd} ${rq.name} ${fc.stringify(a)}`, () => void w.p.ioctl(fd, rq.request, a as object), { arg: a, argMayChange: may });
    }));
  });
}

function mmapCmd(): fc.Arbitrary<Cmd> {
  return fc.integer({ min: 1, max: 16 }).map((pages) => new Step(`mmap(${pages} pages)`, (w) => {
    guardedStep(w, `mmap ${pages}`, () => void w.vaddrs.push(w.p.mmap(0n, BigInt(pages) << 12n, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_PRIVATE | uapi.MAP_ANONYMOUS, -1, 0n)));
  }));
}

/** A well-formed VFIO_IOMMU_MAP_DMA / UNMAP_DMA on a random fd: exercises the success paths. */
function dmaCmd(): fc.Arbitrary<Cmd> {
  return fc.record({ pick: fc.integer({ min: 0, max: 8 }), vpick: fc.nat(), iova: fc.integer({ min: 0, max: 32 }), pages: fc.integer({ min: 1, max: 8 }), unmap: fc.boolean() })
    .map(({ pick, vpick, iova, pages, unmap }) => new Step(`${unmap ? 'unmap' : 'map'}(#${pick}, iova ${iova}p, ${pages}p)`, (w) => {
      const fd = w.roleFd('container', pick);
      const arg = unmap
        ? { argsz: uapi.sizeofStruct('vfio_iommu_type1_dma_unmap'), flags: 0, iova: BigInt(iova) << 12n, size: BigInt(pages) << 12n }
        : { argsz: uapi.sizeofStruct('vfio_iommu_type1_dma_map'), flags: 3, vaddr: w.vaddrs.length > 0 ? w.vaddrs[vpick % w.vaddrs.length]! : 0x1000n, iova: BigInt(iova) << 12n, size: BigInt(pages) << 12n };
      guardedStep(w, `ioctl ${fd} ${unmap ? 'UNMAP' : 'MAP'}_DMA ${fc.stringify(arg)}`, () => void w.p.ioctl(fd, unmap ? uapi.VFIO_IOMMU_UNMAP_DMA : uapi.VFIO_IOMMU_MAP_DMA, arg), { arg });
    }));
}

/** Group plumbing in the right order, so sequences reach the interesting states. */
function plumbCmd(): fc.Arbitrary<Cmd> {
  return fc.record({ g: fc.integer({ min: 0, max: 8 }), c: fc.integer({ min: 0, max: 8 }), what: fc.constantFrom('set-container', 'set-iommu', 'device-fd', 'unset-container') })
    .map(({ g, c, what }) => new Step(`${what}(#${g}, #${c})`, (w) => {
      const gf = w.fd(g);
      const cf = w.fd(c);
      if (what === 'set-container') guardedStep(w, `SET_CONTAINER ${gf} ${cf}`, () => void w.p.ioctl(gf, uapi.VFIO_GROUP_SET_CONTAINER, cf));
      else if (what === 'unset-container') guardedStep(w, `UNSET_CONTAINER ${gf}`, () => void w.p.ioctl(gf, uapi.VFIO_GROUP_UNSET_CONTAINER));
      else if (what === 'set-iommu') guardedStep(w, `SET_IOMMU ${cf}`, () => void w.p.ioctl(cf, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1v2_IOMMU));
      else {
        const bdf = w.bdfs[g % Math.max(1, w.bdfs.length)] ?? 'x';
        guardedStep(w, `GET_DEVICE_FD ${gf} ${bdf}`, () => void w.fds.push(w.p.ioctl(gf, uapi.VFIO_GROUP_GET_DEVICE_FD, bdf)));
      }
    }));
}

function regionCmd(): fc.Arbitrary<Cmd> {
  return fc.record({ pick: fc.integer({ min: 0, max: 8 }), index: fc.integer({ min: 0, max: 9 }), off: fc.integer({ min: 0, max: 0x2000 }), len: fc.constantFrom(1, 2, 4, 8, 3, 0), write: fc.boolean(), v: fc.integer({ min: 0, max: 0xffff }) })
    .map(({ pick, index, off, len, write, v }) => new Step(`${write ? 'pwrite' : 'pread'}(#${pick}, region ${index} + 0x${off.toString(16)}, ${len})`, (w) => {
      const fd = w.roleFd('device', pick);
      const at = (BigInt(index) << 40n) + BigInt(off);
      if (write) guardedStep(w, `pwrite ${fd} 0x${at.toString(16)}`, () => void w.p.pwrite(fd, new Uint8Array(len).fill(v & 0xff), at));
      else guardedStep(w, `pread ${fd} 0x${at.toString(16)}`, () => void w.p.pread(fd, len, at));
    }));
}

function bindCmd(): fc.Arbitrary<Cmd> {
  return fc.record({ i: fc.nat(), driver: fc.constantFrom('vfio-pci', null, 'pci-stub') }).map(({ i, driver }) => new Step(`bind(#${i}, ${driver})`, (w) => {
    const bdf = w.bdfs[i % Math.max(1, w.bdfs.length)];
    if (bdf === undefined) return;
    // host.bind is several sysfs writes: an earlier one (unbind) may succeed before a later fails
    guardedStep(w, `bind ${bdf} ${driver}`, () => w.host.bind(bdf, driver), { compound: true });
  }));
}

function clockCmd(): fc.Arbitrary<Cmd> {
  return fc.constantFrom(1_000n, 1_000_000n, 20_000_000n, 200_000_000n).map((ns) => new Step(`advance(${ns})`, (w) => {
    guardedStep(w, `advance ${ns}`, () => w.host.advance(ns));
  }));
}

/**
 * A hostile device attacks a random address. Oracle: when its group is user-owned and the
 * request went to the IOMMU untranslated, success means the IOVA is mapped in the group's
 * domain (or it was an MSI).
 */
function attackCmd(): fc.Arbitrary<Cmd> {
  return fc.record({ i: fc.nat(), addr: fc.oneof(fc.integer({ min: 0, max: 40 }).map((n) => BigInt(n) << 12n), u64Arb().map((a) => a & ((1n << 52n) - 1n))), write: fc.boolean() })
    .map(({ i, addr, write }) => new Step(`attack(#${i}, 0x${addr.toString(16)}, ${write ? 'write' : 'read'})`, (w) => {
      const fns = w.host.topology.functions.filter((f) => f.model === 'hostile');
      const fn = fns[i % Math.max(1, fns.length)];
      if (fn === undefined) return;
      const m = w.host.machine.modelOf(fn);
      if (!(m instanceof HostileModel)) return;
      const r = write ? m.attack({ kind: 'write', addr, data: new Uint8Array(4) }) : m.attack({ kind: 'read', addr, len: 4 });
      w.steps++;
      const g = iommuGroupOf(w.host, fn.bdf);
      const iommu = w.host.iommu;
      if (!r.ok || g === null || g.owner === null || iommu === null) return;
      const route = w.host.machine.fabric.route(fn, addr).kind;
      if (route !== 'root-complex' || inMsiWindow(addr)) return;
      const ctx = iommu.contextOf(m.requesterId);
      if (ctx?.mode !== 'translate') return;
      if (ctx.domain.pageTable.iovaToPhys(addr & ~0xfffn) === null && ctx.domain.pageTable.iovaToPhys(addr) === null) {
        throw new Error(`step ${w.steps}: hostile ${fn.bdf} reached unmapped IOVA 0x${addr.toString(16)} of a user-owned domain`);
      }
    }));
}

/** The vfio.rst sequence for one function, each call a guarded step of its own. */
function sessionCmd(): fc.Arbitrary<Cmd> {
  return fc.nat().map((i) => new Step(`session(#${i})`, (w) => {
    const bdf = w.bdfs[i % Math.max(1, w.bdfs.length)];
    if (bdf === undefined) return;
    let gid = -1;
    guardedStep(w, `readlink ${bdf}/iommu_group`, () => { gid = Number(w.p.readlink(`/sys/bus/pci/devices/${bdf}/iommu_group`).split('/').pop()); });
    let c = -1;
    let g = -1;
    if (!guardedStep(w, 'open /dev/vfio/vfio', () => { c = w.p.open('/dev/vfio/vfio', uapi.O_RDWR); })) return;
    w.fds.push(c);
    w.roles.container.push(c);
    if (gid < 0 || !guardedStep(w, `open /dev/vfio/${gid}`, () => { g = w.p.open(`/dev/vfio/${gid}`, uapi.O_RDWR); })) return;
    w.fds.push(g);
    w.roles.group.push(g);
    if (!guardedStep(w, `SET_CONTAINER ${g} ${c}`, () => void w.p.ioctl(g, uapi.VFIO_GROUP_SET_CONTAINER, c))) return;
    guardedStep(w, `SET_IOMMU ${c}`, () => void w.p.ioctl(c, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1v2_IOMMU));
    let d = -1;
    if (guardedStep(w, `GET_DEVICE_FD ${g} ${bdf}`, () => { d = w.p.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD, bdf); })) {
      w.fds.push(d);
      w.roles.device.push(d);
    }
  }));
}

export interface SyscallCommandOptions {
  /** Include hostile-device attacks (default true). */
  readonly attacks?: boolean;
  /** Include driver binding changes (default true). */
  readonly binding?: boolean;
}

/** The command arbitraries for `fc.commands(...)`, weighted towards reaching deep states. */
export function syscallCommands(o: SyscallCommandOptions = {}): Array<fc.Arbitrary<Cmd>> {
  const cmds = [sessionCmd(), openCmd(), closeCmd(), ioctlCmd(), ioctlCmd(), ioctlCmd(), mmapCmd(), dmaCmd(), dmaCmd(), plumbCmd(), plumbCmd(), regionCmd(), clockCmd()];
  if (o.binding !== false) cmds.push(bindCmd());
  if (o.attacks !== false) cmds.push(attackCmd());
  return cmds;
}

/**
 * Set up a world: every endpoint bound to vfio-pci where it can be (so group nodes exist),
 * one root process without CAP_IPC_LOCK and a small RLIMIT_MEMLOCK (so memlock paths run).
 */
export function syscallWorld(host: Host): SyscallWorld {
  for (const f of host.topology.functions) {
    if (f.isBridge || f.type === 'host-bridge' || host.iommu === null) continue;
    try {
      host.bind(f.bdf, 'vfio-pci');
    } catch (e) {
      if (!(e instanceof SystemError)) throw e;
    }
  }
  const p = host.spawn({ uid: 0, caps: ['CAP_SYS_ADMIN', 'CAP_SYS_RAWIO', 'CAP_DAC_OVERRIDE'], rlimitMemlock: 64n << 12n });
  return new SyscallWorld(host, p);
}
