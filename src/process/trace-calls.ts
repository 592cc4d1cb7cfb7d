/**
 * How each syscall of the process skin shows in the trace: its arguments, named and in C
 * order as the man page has them, each rendered from the raw values the call recorded
 * (`CallSpec.args[i]` reads `values`). The process records only those values (copies where
 * the caller's object may change later); the text is built when someone reads the entry,
 * so a traced MAP_DMA costs about what an untraced one does.
 */
import type { TraceValue } from '../base/trace-format.js';
import { nameValue } from '../uapi/value-names.js';
import type { FdKind } from '../uapi/ioctls.js';
import { bufText, changedFields, ioctlArg, offsetText, type BufSnapshot } from './trace-decode.js';

export type CallValues = readonly unknown[];
type Show = (v: CallValues) => TraceValue | undefined;

export interface CallSpec {
  readonly syscall: string;
  /** [name, render]: an argument whose render gives undefined is left out (an ioctl without arg). */
  readonly args: ReadonlyArray<readonly [string, Show]>;
  /** What the kernel wrote back, on success. */
  readonly out?: Show;
}

const int = (i: number): Show => (v) => String(v[i]);
const hex = (i: number): Show => (v) => `0x${(v[i] as number | bigint).toString(16)}`;
const quoted = (i: number): Show => (v) => JSON.stringify(v[i]);
const named = (i: number, key: string): Show => (v) => nameValue(key, v[i] as number) ?? String(v[i]);
/** A buffer snapshot (null when the call failed and nothing was read). */
const buf = (i: number): Show => (v) => (v[i] === null ? '...' : bufText((v[i] as BufSnapshot).bytes, (v[i] as BufSnapshot).length));
/** A file offset at i, on a file of the kind at i + 1. */
const offset = (i: number): Show => (v) => offsetText(v[i + 1] as string | undefined, v[i] as bigint);

const spec = (syscall: string, args: CallSpec['args'], out?: Show): CallSpec => ({ syscall, args, ...(out !== undefined ? { out } : {}) });

/** ioctl values: fd, request name, request number, fd kind, arg before, arg after (success only). */
const ioctlShown = (v: CallValues): TraceValue | undefined => ioctlArg(v[2] as number, v[3] as FdKind | undefined, v[4]);

export const SYSCALLS = {
  open: spec('open', [['pathname', quoted(0)], ['flags', named(1, 'open.flags')]]),
  close: spec('close', [['fd', int(0)]]),
  ioctl: spec('ioctl', [['fd', int(0)], ['request', (v) => v[1] as string], ['arg', ioctlShown]], (v) => changedFields(ioctlShown(v), ioctlArg(v[2] as number, v[3] as FdKind | undefined, v[5]))),
  // addr, length, prot, flags, fd, offset, file kind
  mmap: spec('mmap', [['addr', hex(0)], ['length', hex(1)], ['prot', named(2, 'mmap.prot')], ['flags', named(3, 'mmap.flags')], ['fd', int(4)], ['offset', offset(5)]]),
  munmap: spec('munmap', [['addr', hex(0)], ['length', hex(1)]]),
  // fd, buf, count, offset, file kind
  pread: spec('pread', [['fd', int(0)], ['buf', buf(1)], ['count', int(2)], ['offset', offset(3)]]),
  pwrite: spec('pwrite', [['fd', int(0)], ['buf', buf(1)], ['count', int(2)], ['offset', offset(3)]]),
  eventfd: spec('eventfd', [['initval', int(0)], ['flags', named(1, 'eventfd.flags')]]),
  read: spec('read', [['fd', int(0)], ['buf', buf(1)], ['count', int(2)]]),
  write: spec('write', [['fd', int(0)], ['buf', buf(1)], ['count', int(2)]]),
  memfd_create: spec('memfd_create', [['name', quoted(0)], ['flags', named(1, 'memfd_create.flags')]]),
  ftruncate: spec('ftruncate', [['fd', int(0)], ['length', hex(1)]]),
  lseek: spec('lseek', [['fd', int(0)], ['offset', int(1)], ['whence', named(2, 'lseek.whence')]]),
  fcntl: spec('fcntl', [['fd', int(0)], ['cmd', named(1, 'fcntl.cmd')], ['arg', hex(2)]]),
  /** Process.writeFile: open + write of a sysfs attribute, shown as one call. */
  writeFile: spec('write', [['pathname', quoted(0)], ['buf', quoted(1)]]),
  chown: spec('chown', [['pathname', quoted(0)], ['owner', int(1)], ['group', int(2)]]),
  fork: spec('fork', []),
  exit: spec('exit', [['status', int(0)]]),
} as const satisfies Record<string, CallSpec>;
