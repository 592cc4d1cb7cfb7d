/**
 * How trace entries read as text: one formatter for the virtual time (nanoseconds, the unit
 * the clock counts, everywhere: trace lines, pictures, the CLI), and one for the structured
 * detail of syscalls and CPU loads/stores, strace-style:
 *
 *   ioctl(0, VFIO_IOMMU_MAP_DMA, {argsz=32, flags=VFIO_DMA_MAP_FLAG_READ, iova=0x100000}) = 0
 *   ioctl(0, VFIO_IOMMU_MAP_DMA, {...}) = -1 EEXIST (vfio_dma_do_map: range overlaps ...)
 *   ioctl(2, VFIO_DEVICE_GET_REGION_INFO, {argsz=32, index=0}) = 0 => {flags=..., size=0x1000}
 *   load32 bar0+0x8 → 0x00000005        store64 0x7efffffff000 ← 0x0000000000001234
 *
 * Pure functions of their input, so a trace stays byte-identical run to run.
 */

/** A value as printed: a pre-formatted scalar ("0x100000", "VFIO_DMA_MAP_FLAG_READ", "\"/dev/vfio/17\""), a struct, or an array. */
export type TraceValue = string | TraceStruct | readonly TraceValue[];

/** A named argument of a call, or a field of a struct. */
export interface TraceArg {
  readonly name: string;
  readonly value: TraceValue;
}

/** A struct argument: its C tag and the fields shown, in layout order. */
export interface TraceStruct {
  readonly struct: string;
  readonly fields: readonly TraceArg[];
}

/** A syscall as strace shows it (kind 'syscall'). */
export interface TraceCall {
  readonly type: 'call';
  /** 'ioctl', 'pwrite', 'mmap', ... */
  readonly syscall: string;
  /** In C order, named as the man page names them (fd, request, arg; fd, buf, count, offset). */
  readonly args: readonly TraceArg[];
  /** The return value as printed ('0', '3', '0x7efffffc0000'); '-1' when the call failed. */
  readonly ret: string;
  /** The errno name when the call failed ('EINVAL'). */
  readonly errno?: string;
  /** The kernel check that refused it. */
  readonly why?: string;
  /** What the kernel wrote back into a struct argument (strace's `=> {...}`): the fields that changed. */
  readonly out?: TraceValue;
}

/** A CPU load or store a process made (kind 'cpu'), to RAM or to a device mapping (MMIO). */
export interface TraceAccess {
  readonly type: 'load' | 'store';
  /** 1, 2, 4 or 8 for a loadN/storeN (N = bits), else the length of a block access. */
  readonly bytes: number;
  /** The virtual address. */
  readonly addr: bigint;
  /** Where it went: 'bar0+0x8' for a device mapping, else the address ('0x7efffffff000'). */
  readonly target: string;
  /** The value loaded or stored (1/2/4/8-byte accesses that completed). */
  readonly value?: bigint;
  /** 'SIGBUS: why' or 'SIGSEGV: why' when the access faulted. */
  readonly signal?: string;
}

export type TraceDetail = TraceCall | TraceAccess;

/** Virtual time in nanoseconds, digits grouped by three: `100 000 000 ns`. */
export function formatNs(ns: bigint): string {
  const digits = ns.toString();
  const neg = digits.startsWith('-');
  const d = neg ? digits.slice(1) : digits;
  const groups: string[] = [];
  for (let end = d.length; end > 0; end -= 3) groups.unshift(d.slice(Math.max(0, end - 3), end));
  return `${neg ? '-' : ''}${groups.join(' ')} ns`;
}

/** The time column of a trace line: formatNs right-aligned to a fixed width (to 10^12 ns, 16 min 40 s). */
export function formatTime(ns: bigint): string {
  return formatNs(ns).padStart(18, ' ');
}

export function formatValue(v: TraceValue): string {
  if (typeof v === 'string') return v;
  if (isStruct(v)) return `{${v.fields.map((f) => `${f.name}=${formatValue(f.value)}`).join(', ')}}`;
  return `[${v.map(formatValue).join(', ')}]`;
}

function isStruct(v: TraceValue): v is TraceStruct {
  return typeof v === 'object' && !Array.isArray(v) && 'struct' in v;
}

/** `0x` and `width` hex digits (a loaded or stored value shows its width). */
export function hexWidth(v: bigint, bytes: number): string {
  return `0x${v.toString(16).padStart(bytes * 2, '0')}`;
}

function formatCall(c: TraceCall): string {
  const head = `${c.syscall}(${c.args.map((a) => formatValue(a.value)).join(', ')})`;
  if (c.errno !== undefined) return `${head} = -1 ${c.errno}${c.why !== undefined ? ` (${c.why})` : ''}`;
  return `${head} = ${c.ret}${c.out !== undefined ? ` => ${formatValue(c.out)}` : ''}`;
}

function formatAccess(a: TraceAccess): string {
  const sized = a.bytes === 1 || a.bytes === 2 || a.bytes === 4 || a.bytes === 8;
  const op = sized ? `${a.type}${a.bytes * 8}` : a.type;
  const where = sized ? a.target : `${a.target} [${a.bytes} bytes]`;
  if (a.signal !== undefined) return `${op} ${where}: ${a.signal}`;
  if (a.value === undefined) return `${op} ${where}`;
  return `${op} ${where} ${a.type === 'load' ? '→' : '←'} ${hexWidth(a.value, a.bytes)}`;
}

/** The text of an entry with a detail: the one rendering of calls and accesses. */
export function formatDetail(d: TraceDetail): string {
  return d.type === 'call' ? formatCall(d) : formatAccess(d);
}
