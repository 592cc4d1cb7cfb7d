/**
 * Live migration, v2 protocol (vfio_main.c vfio_mig_get_next_state and
 * vfio_ioctl_device_feature_mig_device_state; the per-arc work a variant driver such as
 * mlx5 does, here for device models that opt in with `params.migration`).
 *
 * The FSM: a SET walks from the current state to the requested one an arc at a time, each
 * hop chosen by the kernel's next-state table with arcs through unsupported states skipped.
 * Arcs move the model's run state, and open or close a data session: a saving session
 * (STOP→STOP_COPY, RUNNING→PRE_COPY, RUNNING_P2P→PRE_COPY_P2P) is a read-only fd streaming
 * the device state; a resuming session (STOP→RESUMING) is a write-only fd the state is
 * written to and loaded from at RESUMING→STOP.
 *
 * Invariants: at most one session is open per device; a session's fd works only while its
 * session lasts (afterwards ENODEV, mlx5's choice); a failed load leaves the device in
 * ERROR, from which only a reset (→ RUNNING) leaves; open, reset and last close put the
 * device in RUNNING with no session.
 */
import { fail, ok, type Result } from '../../base/result.js';
import type { DeviceMigration, RunState } from '../../hardware/devices/model-types.js';
import * as V from '../../uapi/vfio.js';
import { OpenFile, type FileOperations } from '../fs/file.js';
import { dispatch, structOp, type IoctlOp, type StructArg } from '../ioctl-table.js';
import { copyNested, u32, type UserArg } from '../uaccess.js';
import { readStream, writeRecord } from './migration-stream.js';
import type { VfioPciCoreDevice } from './vfio-pci-core.js';

const S = {
  ERROR: V.VFIO_DEVICE_STATE_ERROR, STOP: V.VFIO_DEVICE_STATE_STOP, RUNNING: V.VFIO_DEVICE_STATE_RUNNING,
  STOP_COPY: V.VFIO_DEVICE_STATE_STOP_COPY, RESUMING: V.VFIO_DEVICE_STATE_RESUMING,
  P2P: V.VFIO_DEVICE_STATE_RUNNING_P2P, PC: V.VFIO_DEVICE_STATE_PRE_COPY, PCP: V.VFIO_DEVICE_STATE_PRE_COPY_P2P,
} as const;

const SC = V.VFIO_MIGRATION_STOP_COPY;
const P2P = V.VFIO_MIGRATION_P2P;
const PRE = V.VFIO_MIGRATION_PRE_COPY;

/** vfio_from_fsm_table: row = current state, column = requested state, entry = next hop. */
const NEXT: readonly (readonly number[])[] = [
  /* ERROR     */ [0, 0, 0, 0, 0, 0, 0, 0],
  /* STOP      */ [S.ERROR, S.STOP, S.P2P, S.STOP_COPY, S.RESUMING, S.P2P, S.P2P, S.P2P],
  /* RUNNING   */ [S.ERROR, S.P2P, S.RUNNING, S.P2P, S.P2P, S.P2P, S.PC, S.P2P],
  /* STOP_COPY */ [S.ERROR, S.STOP, S.STOP, S.STOP_COPY, S.STOP, S.STOP, S.ERROR, S.ERROR],
  /* RESUMING  */ [S.ERROR, S.STOP, S.STOP, S.STOP, S.RESUMING, S.STOP, S.STOP, S.STOP],
  /* P2P       */ [S.ERROR, S.STOP, S.RUNNING, S.STOP, S.STOP, S.P2P, S.RUNNING, S.PCP],
  /* PC        */ [S.ERROR, S.RUNNING, S.RUNNING, S.PCP, S.RUNNING, S.RUNNING, S.PC, S.PCP],
  /* PCP       */ [S.ERROR, S.P2P, S.P2P, S.STOP_COPY, S.P2P, S.P2P, S.PC, S.PCP],
];

/** state_flags_table: the migration flags a state needs (ERROR: never satisfiable). */
const NEEDS: readonly number[] = [~0 >>> 0, SC, SC, SC, SC, SC | P2P, SC | PRE, SC | P2P | PRE];

const supported = (flags: number, s: number): boolean => ((NEEDS[s]! & flags) >>> 0) === NEEDS[s];

/** vfio_mig_get_next_state: the next hop from `cur` toward `target`, or EINVAL. */
export function migGetNextState(flags: number, cur: number, target: number): Result<number> {
  const why = 'vfio_mig_get_next_state';
  if (cur >= V.VFIO_DEVICE_STATE_NR || !supported(flags, cur)) return fail('EINVAL', `${why}: current state ${cur} invalid (WARN)`);
  if (target >= V.VFIO_DEVICE_STATE_NR || !supported(flags, target)) return fail('EINVAL', `${why}: state ${target} not supported`);
  let next = NEXT[cur]![target]!;
  while (next !== S.ERROR && !supported(flags, next)) next = NEXT[next]![target]!;
  return next === S.ERROR ? fail('EINVAL', `${why}: no arc from ${cur} toward ${target}`) : ok(next);
}

const RUN_STATE: Readonly<Record<number, RunState>> = {
  [S.ERROR]: 'stopped', [S.STOP]: 'stopped', [S.STOP_COPY]: 'stopped', [S.RESUMING]: 'stopped',
  [S.RUNNING]: 'running', [S.PC]: 'running', [S.P2P]: 'running-p2p', [S.PCP]: 'running-p2p',
};

/** The private data of a migration data fd. */
export class MigFile {
  data = new Uint8Array(0);
  pos = 0;
  /** End of the initial pre-copy record (initial_bytes counts down to it). */
  initialEnd = 0;
  /** The state the last record carried (pre-copy dirtiness is a change since it). */
  last: Uint8Array | null = null;
  active = true;

  constructor(readonly kind: 'save' | 'resume', readonly dev: VfioPciCoreDevice) {}

  append(b: Uint8Array): void {
    const n = new Uint8Array(this.data.length + b.length);
    n.set(this.data);
    n.set(b, this.data.length);
    this.data = n;
  }
}

/** A device's migration state (`VfioPciCoreDevice.mig`): the FSM state and the open data session. */
export interface MigState {
  state: number;
  session: OpenFile<MigFile> | null;
}

/** The state a device starts in: RUNNING, no session. */
export function initialMigState(): MigState {
  return { state: S.RUNNING, session: null };
}

export function migrationOf(d: VfioPciCoreDevice): DeviceMigration | null {
  return d.model.migration ?? null;
}

function stateOf(d: VfioPciCoreDevice): MigState {
  return d.mig;
}

function endSession(m: MigState): void {
  if (m.session !== null) m.session.priv.active = false;
  m.session = null;
}

/** Open, reset and last close: RUNNING, no session (mlx5vf_reset_done / close_device). */
export function migrationReset(d: VfioPciCoreDevice): void {
  const mig = migrationOf(d);
  if (mig === null) return;
  const m = stateOf(d);
  endSession(m);
  m.state = S.RUNNING;
  mig.setRunState('running');
}

function record(d: VfioPciCoreDevice, f: MigFile, final: boolean): void {
  const state = migrationOf(d)!.save();
  f.append(writeRecord(d.fn.model ?? 'device', state, final));
  f.last = state;
}

function newSession(d: VfioPciCoreDevice, kind: 'save' | 'resume'): OpenFile<MigFile> {
  const O_RDONLY = 0;
  const O_WRONLY = 1;
  return new OpenFile<MigFile>(migrationFops, new MigFile(kind, d), kind === 'save' ? O_RDONLY : O_WRONLY, 'anon_inode:[vfio-migration]');
}

/** One arc cur → next: run state, then the session it opens, continues or closes. */
function step(d: VfioPciCoreDevice, m: MigState, next: number): Result<OpenFile<MigFile> | null> {
  const cur = m.state;
  const mig = migrationOf(d)!;
  if (cur === S.RESUMING && next === S.STOP) {
    const f = m.session!.priv;
    endSession(m);
    const r = readStream(f.data, d.fn.model ?? 'device');
    if (!r.ok || !mig.load(r.value)) {
      m.state = S.ERROR;
      d.trace('migration: resume data rejected, device in ERROR');
      return r.ok ? fail('EINVAL', 'migration: the device rejected the resumed state') : r;
    }
  }
  mig.setRunState(RUN_STATE[next]!);
  let opened: OpenFile<MigFile> | null = null;
  if ((cur === S.STOP && next === S.STOP_COPY) || (cur === S.RUNNING && next === S.PC) || (cur === S.P2P && next === S.PCP)) {
    endSession(m);
    opened = newSession(d, 'save');
    m.session = opened;
    record(d, opened.priv, next === S.STOP_COPY);
    opened.priv.initialEnd = opened.priv.data.length;
  } else if (cur === S.STOP && next === S.RESUMING) {
    endSession(m);
    opened = newSession(d, 'resume');
    m.session = opened;
  } else if ((cur === S.PC || cur === S.PCP) && next === S.STOP_COPY) {
    if (m.session !== null) record(d, m.session.priv, true);
  } else if ((cur === S.STOP_COPY && next === S.STOP) || (cur === S.PC && next === S.RUNNING) || (cur === S.PCP && next === S.P2P)) {
    endSession(m);
  }
  m.state = next;
  return ok(opened);
}

/** migration_set_state: walk to `target`; the fd of the session-starting arc, if any. */
function setState(d: VfioPciCoreDevice, target: number): Result<OpenFile<MigFile> | null> {
  const m = stateOf(d);
  const flags = migrationOf(d)!.flags;
  let file: OpenFile<MigFile> | null = null;
  while (m.state !== target) {
    const n = migGetNextState(flags, m.state, target);
    if (!n.ok) return n;
    const r = step(d, m, n.value);
    if (!r.ok) return r;
    if (r.value !== null) file = r.value;
  }
  if (file !== null && m.session !== file) file = null; // a later arc already ended it
  if (file !== null) d.trace(`migration: ${file.priv.kind === 'save' ? 'saving' : 'resuming'} session opened`);
  return ok(file);
}

type Payload = Record<string, unknown>;

/** The payload object under `arg.data`, created for a write-back when absent. */
function payloadOf(arg: unknown): Payload {
  const a = arg as Payload;
  const p = a['data'];
  if (p !== null && typeof p === 'object' && !Array.isArray(p)) return p as Payload;
  const fresh: Payload = {};
  a['data'] = fresh;
  return fresh;
}

/** VFIO_DEVICE_FEATURE_MIGRATION (GET): the flags. */
export function featureMigration(d: VfioPciCoreDevice, arg: unknown): Result<number> {
  payloadOf(arg)['flags'] = BigInt(migrationOf(d)!.flags);
  return ok(0);
}

/** VFIO_DEVICE_FEATURE_MIG_DATA_SIZE (GET): the length a STOP_COPY stream would have now. */
export function featureMigDataSize(d: VfioPciCoreDevice, arg: unknown): Result<number> {
  const len = writeRecord(d.fn.model ?? 'device', migrationOf(d)!.save(), true).length;
  payloadOf(arg)['stop_copy_length'] = BigInt(len);
  return ok(0);
}

/** VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE (GET / SET). */
export function featureMigDeviceState(d: VfioPciCoreDevice, arg: unknown, get: boolean, install: (f: OpenFile) => number | null): Result<number> {
  const p = copyNested(arg as UserArg, 'data', 'vfio_device_feature_mig_state');
  if (!p.ok) return p;
  const requested = u32(p.value.f, 'device_state');
  if (get) {
    Object.assign(payloadOf(arg), { device_state: stateOf(d).state, data_fd: -1 });
    return ok(0);
  }
  const r = setState(d, requested);
  if (r.ok && r.value !== null) {
    const fd = install(r.value as OpenFile);
    if (fd === null) {
      r.value.put();
      return fail('EMFILE', 'vfio_ioct_mig_return_fd: no free fd');
    }
    Object.assign(payloadOf(arg), { device_state: requested, data_fd: fd });
    return ok(0);
  }
  Object.assign(payloadOf(arg), { device_state: requested, data_fd: -1 }); // written back even on failure
  return r.ok ? ok(0) : r;
}

// ---- the data fd ------------------------------------------------------------------------

const GONE = 'migration data fd: its session has ended';

function readSaving(f: OpenFile<MigFile>, len: number): Result<Uint8Array> {
  const m = f.priv;
  if (!m.active) return fail('ENODEV', GONE);
  const state = stateOf(m.dev).state;
  const precopy = state === S.PC || state === S.PCP;
  if (m.pos >= m.data.length && precopy) {
    const now = migrationOf(m.dev)!.save();
    if (m.last !== null && equal(now, m.last)) return fail('ENOMSG', 'pre-copy: no more data for now');
    record(m.dev, m, false);
  }
  const n = Math.min(len, m.data.length - m.pos);
  const out = m.data.slice(m.pos, m.pos + n);
  m.pos += n;
  return ok(out);
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** VFIO_MIG_GET_PRECOPY_INFO (mlx5vf_precopy_ioctl's checks, in its order). */
function precopyInfo(f: OpenFile<MigFile>, a: StructArg): Result<number> {
  if (a.argsz < a.minsz) return fail('EINVAL', 'vfio_precopy_info: argsz < minsz');
  const m = f.priv;
  const state = stateOf(m.dev).state;
  if (m.kind !== 'save' || (state !== S.PC && state !== S.PCP)) return fail('EINVAL', 'VFIO_MIG_GET_PRECOPY_INFO: device not in PRE_COPY');
  if (!m.active) return fail('ENODEV', GONE);
  const initial = Math.max(0, m.initialEnd - m.pos);
  const unread = m.data.length - Math.max(m.pos, m.initialEnd);
  const now = migrationOf(m.dev)!.save();
  const fresh = m.last !== null && !equal(now, m.last) ? writeRecord(m.dev.fn.model ?? 'device', now, false).length : 0;
  // vfio_check_precopy_ioctl(): flags is an output only after the PRECOPY_INFOv2 opt-in (then
  // 0: this driver never re-initialises its initial data, so never VFIO_PRECOPY_INFO_REINIT);
  // before it the caller's flags go back unchanged, as the v1 drivers copied them
  const flags = m.dev.precopyInfoV2 ? { flags: 0 } : {};
  Object.assign(a.obj, { ...flags, initial_bytes: BigInt(initial), dirty_bytes: BigInt(Math.max(0, unread) + fresh) });
  return ok(0);
}

/** The migration data fd's ioctls (a variant driver's file_operations). */
export const MIG_IOCTLS: readonly IoctlOp<OpenFile<MigFile>>[] = [
  structOp(V.VFIO_MIG_GET_PRECOPY_INFO, 'vfio_precopy_info', 'dirty_bytes', precopyInfo),
];

const RESUME_MAX = 64 << 20;

export const migrationFops: FileOperations<MigFile> = {
  kind: 'vfio-migration',
  read(f, len) {
    if (f.priv.kind !== 'save') return fail('EINVAL', 'migration: not a saving fd');
    return readSaving(f, len);
  },
  write(f, data) {
    const m = f.priv;
    if (m.kind !== 'resume') return fail('EINVAL', 'migration: not a resuming fd');
    if (!m.active) return fail('ENODEV', GONE);
    if (m.data.length + data.length > RESUME_MAX) return fail('ENOMEM', 'migration: resume data too large');
    m.append(data);
    return ok(data.length);
  },
  ioctl: (f, request, arg, sc) => dispatch(MIG_IOCTLS, f, request, arg, sc, 'migration data fd'),
  release(f) {
    const m = f.priv.dev.mig;
    f.priv.active = false;
    if (m.session === f) m.session = null;
  },
};
