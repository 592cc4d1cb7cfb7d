/**
 * The project's own fuzzer (issue 14, "Must show"), shared by the short run in `npm test`
 * (test/fuzz/*.test.ts) and the long one in `npm run test:deep` (test/deep/fuzz.deep.test.ts):
 *
 * - CLI: random JSON and mutated bundled topologies and scenarios through runCli in-process
 *   (validate, machine, groups, draw, run); the exit code is 0, 1 or 2 -- never 3 -- and no
 *   stack trace is printed.
 * - Syscalls: garbage arguments through every method of Process (and Host.advance/run);
 *   each call returns or throws one of the contract's classes -- TypeError
 *   ERR_INVALID_ARG_TYPE, RangeError ERR_OUT_OF_RANGE, SystemError (SignalError for CPU
 *   loads and stores) -- and a call that throws changes no observable state.
 */
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { Host, SignalError, SystemError, uapi } from '../../src/index.js';
import { Process } from '../../src/process/process.js';
import { observableState } from '../../src/testing/index.js';
import { runCli } from '../../src/tools/cli/cli.js';

// ---- CLI ---------------------------------------------------------------------------------

const FIXTURES = ['fixtures/topologies', 'fixtures/scenarios', 'fixtures/scenarios/threats'].flatMap((d) =>
  readdirSync(d).filter((f) => f.endsWith('.json')).map((f) => `${d}/${f}`),
);
const SEEDS: ReadonlyArray<{ file: string; json: unknown }> = FIXTURES.map((file) => ({ file, json: JSON.parse(readFileSync(file, 'utf8')) as unknown }));

/** Values a field should not hold (and a few it may). */
const junk = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.constantFrom(null, true, false, 0, -1, 1.5, -0.5, 2 ** 53, 1e300, -1e300, '', 'x', '0x', '-5', '1 << 0xffffffffff', '$nope', 'sizeof(nope)', 'VFIO_NOPE', '0xffffffffffffffffffff', [], {}, { var: 'x' }, { text: 1 }),
    fc.integer(),
    fc.string({ maxLength: 12 }),
    fc.jsonValue({ maxDepth: 3 }),
  );

type Mutation = { kind: 'set' | 'tweak' | 'delete' | 'add' | 'dup' | 'nest' | 'deep'; at: number; value: unknown; key: string };

/** Stands for an array nested DEEP levels, spliced into the file's text (no JS value that deep is built). */
const DEEP_MARK = '\u0000deep';
const DEEP = 50_000;

const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('set', 'set', 'tweak', 'tweak', 'tweak', 'delete', 'add', 'dup', 'nest', 'deep'),
  at: fc.nat(),
  value: junk(),
  key: fc.constantFrom('children', 'steps', 'op', 'fd', 'arg', 'request', 'bdf', 'type', 'params', 'kernel', 'iommu', 'bogus', 'ns', 'length', 'topology'),
});

/** Every container (object or array) inside a JSON value, parents before children. */
function containers(v: unknown, out: Array<Record<string, unknown> | unknown[]> = []): Array<Record<string, unknown> | unknown[]> {
  if (typeof v !== 'object' || v === null) return out;
  out.push(v as Record<string, unknown>);
  for (const x of Array.isArray(v) ? v : Object.values(v)) containers(x, out);
  return out;
}

/** A near miss of a leaf value: a number one off, scaled or negated; a string with a typo; a flipped bool. */
function tweak(v: unknown, n: number): unknown {
  if (typeof v === 'number') return [v + 1, v - 1, v * 0x1000, -v, v + 0.5, 2 ** 32 + v, `0x${Math.trunc(Math.abs(v)).toString(16)}`][n % 7];
  if (typeof v === 'boolean') return !v;
  if (typeof v === 'string') return [`${v}X`, v.slice(0, -1), v.toLowerCase(), `${v} + 0x1000`, `(${v}) << 64`, `-${v}`, '', `${v} << 0xffffffffff`, `(${v}) * 0xffffffffffffffff * 0xffffffffffffffff`, `${v} >> (0 - 1)`][n % 10];
  return v;
}

function mutate(json: unknown, muts: readonly Mutation[]): unknown {
  const root = structuredClone(json);
  for (const m of muts) {
    const all = containers(root);
    if (all.length === 0) return structuredClone(m.value);
    const c = all[m.at % all.length]!;
    const keys = Array.isArray(c) ? c.map((_x, i) => i) : Object.keys(c);
    const k = keys.length === 0 ? undefined : keys[m.at % keys.length];
    const rec = c as Record<string | number, unknown>;
    const value = structuredClone(m.value);
    if (m.kind === 'set' && k !== undefined) rec[k] = value;
    else if (m.kind === 'tweak' && k !== undefined) rec[k] = tweak(rec[k], m.at);
    else if (m.kind === 'delete' && k !== undefined) Array.isArray(c) ? c.splice(k as number, 1) : delete rec[k];
    else if (m.kind === 'add') Array.isArray(c) ? c.push(value) : (rec[m.key] = value);
    else if (m.kind === 'dup' && k !== undefined) Array.isArray(c) ? c.push(structuredClone(c[k as number])) : (rec[`${String(k)}2`] = structuredClone(rec[k]));
    else if (m.kind === 'nest' && k !== undefined) rec[k] = { [m.key]: [rec[k]] };
    else if (m.kind === 'deep' && k !== undefined) rec[k] = DEEP_MARK;
  }
  return root;
}

export interface CliInput {
  readonly label: string;
  readonly json: unknown;
  /** The directory the file sits in (a scenario's relative topology path resolves from it). */
  readonly dir: string;
  readonly scenario: boolean;
}

const mutationsArb = fc.oneof({ weight: 3, arbitrary: fc.array(mutationArb, { minLength: 1, maxLength: 1 }) }, { weight: 1, arbitrary: fc.array(mutationArb, { minLength: 2, maxLength: 4 }) });

/** A JSON input: a mutated fixture, random JSON, or a topology nested absurdly deep. */
export const cliInputArb: fc.Arbitrary<CliInput> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...SEEDS), mutationsArb).map(([s, m]) => ({ label: `${s.file} mutated ${JSON.stringify(m)}`, json: mutate(s.json, m), dir: s.file.slice(0, s.file.lastIndexOf('/')), scenario: s.file.includes('scenarios') })) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((j) => ({ label: 'random JSON', json: j, dir: 'fixtures', scenario: false })) },
  { weight: 1, arbitrary: fc.integer({ min: 200, max: 3000 }).map((n) => ({ label: `nested ${n} deep`, json: deepTopology(n), dir: 'fixtures', scenario: false })) },
);

function deepTopology(n: number): unknown {
  let node: Record<string, unknown> = { bdf: '0000:01:00.0', type: 'endpoint' };
  for (let i = 0; i < n; i++) node = { bdf: '0000:00:01.0', type: 'pcie-switch-down', children: [node] };
  return { name: 'deep', pci: [node] };
}

const TOPOLOGY_COMMANDS: readonly string[][] = [['validate'], ['machine'], ['groups', '--algorithm', 'both'], ['draw', '--out', 'fuzz-out/x.svg']];
const SCENARIO_COMMANDS: readonly string[][] = [['validate'], ['run', '--quiet'], ['run', '--json'], ['draw', '--out', 'fuzz-out/x.svg', '--step', '3']];

/** An input and a command for it: mostly the commands its kind is for, sometimes any. */
export const cliCaseArb: fc.Arbitrary<[CliInput, string[]]> = cliInputArb.chain((input) =>
  fc.tuple(fc.constant(input), fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...(input.scenario ? SCENARIO_COMMANDS : TOPOLOGY_COMMANDS)) }, { weight: 1, arbitrary: fc.constantFrom(...TOPOLOGY_COMMANDS, ...SCENARIO_COMMANDS) })),
);

/** Run the CLI on one in-memory file (the real fixtures stay readable beside it). */
export function runCliOn(input: CliInput, argv: readonly string[]): { code: number; out: string; err: string } {
  const json = input.json;
  const file = `${input.dir}/fuzz-input.json`;
  const deep = `${'['.repeat(DEEP)}${']'.repeat(DEEP)}`;
  const text = (JSON.stringify(json, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'null').replaceAll(JSON.stringify(DEEP_MARK), deep);
  let out = '';
  let err = '';
  const code = runCli([argv[0]!, file, ...argv.slice(1)], {
    out: (t) => void (out += `${t}\n`),
    err: (t) => void (err += `${t}\n`),
    readFile: (p) => (p === file ? text : readFileSync(p, 'utf8')),
    writeFile: () => undefined,
  });
  return { code, out, err };
}

/** The promise: exit 0, 1 or 2, and no stack trace. Returns a message naming what broke, or null. */
export function cliBroken(r: { code: number; err: string; out: string }): string | null {
  if (![0, 1, 2].includes(r.code)) return `exit ${r.code}: ${r.err.slice(0, 2000)}`;
  if (/\n\s+at \S/.test(r.err) || /\n\s+at \S/.test(r.out)) return `stack trace printed: ${r.err.slice(0, 2000)}`;
  return null;
}

// ---- Syscalls ----------------------------------------------------------------------------

/** A host with some state to lose: a vfio device open, a container with a mapping, an eventfd, anonymous memory. */
export function fuzzWorld(): { host: Host; p: Process; fds: number[]; addrs: bigint[] } {
  const host = new Host();
  const p = host.spawn();
  const bdf = '0000:06:00.0';
  host.bind(bdf, 'vfio-pci');
  const group = Number(p.readlink(`/sys/bus/pci/devices/${bdf}/iommu_group`).split('/').pop());
  const container = p.open('/dev/vfio/vfio', uapi.O_RDWR);
  const g = p.open(`/dev/vfio/${group}`, uapi.O_RDWR);
  p.ioctl(g, uapi.VFIO_GROUP_SET_CONTAINER, container);
  p.ioctl(container, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1v2_IOMMU);
  const device = p.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD, bdf);
  const buf = p.mmap(0n, 0x4000n, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_PRIVATE | uapi.MAP_ANONYMOUS, -1, 0n);
  p.ioctl(container, uapi.VFIO_IOMMU_MAP_DMA, { argsz: 32, flags: 3, vaddr: buf, iova: 0x10000n, size: 0x2000n });
  const efd = p.eventfd(0, 0);
  return { host, p, fds: [container, g, device, efd, 0, -1, 99], addrs: [buf, buf + 0x1000n, buf + 0xffcn, 0n, 0x1000n] };
}

/** Every public method of Process that takes arguments or does work, except exit (which ends it). */
export const PROCESS_METHODS: readonly string[] = Object.getOwnPropertyNames(Process.prototype).filter((m) => {
  const d = Object.getOwnPropertyDescriptor(Process.prototype, m)!;
  return typeof d.value === 'function' && m !== 'constructor' && m !== 'exit' && m !== 'traceCall' && m !== 'unwrap';
});

const PATHS = ['/dev/vfio/vfio', '/dev/iommu', '/dev/vfio/17', '/sys/bus/pci/devices/0000:06:00.0/driver_override', '/sys/bus/pci/drivers/vfio-pci/unbind', '/sys/bus/pci/devices/0000:06:00.0/reset', '/sys/module/vfio/parameters/enable_unsafe_noiommu_mode', '/sys/bus/pci/devices', '/nonexistent', '', '/'];

/** One argument: anything (junk for whatever parameter it lands on). */
function junkArgArb(w: { fds: number[]; addrs: bigint[] }): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom(...w.fds),
    fc.constantFrom(...w.addrs),
    fc.constantFrom(...PATHS),
    fc.constantFrom(0, 1, 2, 3, 4, 0x22, 0x3b64, 0x3b71, uapi.O_DIRECT, uapi.O_NOATIME, -1, 2 ** 31, 2 ** 32, 1.5, NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER + 2),
    fc.constantFrom(0n, 0x1000n, -1n, -0x1000n, 1n << 63n, (1n << 64n) - 1n, 1n << 64n, -(1n << 63n) - 1n, 1n << 100n),
    fc.bigInt({ min: -(1n << 66n), max: 1n << 66n }),
    fc.uint8Array({ maxLength: 16 }),
    fc.constantFrom(undefined, null, '', 'vfio-pci', '0000:06:00.0', '1', {}, [], { argsz: 32 }, Symbol('s'), () => 0),
    fc.string({ maxLength: 8 }),
  );
}

type Kind = 'fd' | 'path' | 'int' | 'flags' | 'request' | 'arg' | 'addr' | 'len' | 'u64' | 'bytes' | 'text' | 'opts';

/** The parameters of the skin's methods, so most calls get past the type checks and reach the kernel. */
const SIGNATURES: Readonly<Record<string, readonly Kind[]>> = {
  open: ['path', 'flags'], close: ['fd'], ioctl: ['fd', 'request', 'arg'], mmap: ['addr', 'len', 'flags', 'flags', 'fd', 'u64'], munmap: ['addr', 'len'],
  pread: ['fd', 'int', 'u64'], pwrite: ['fd', 'bytes', 'u64'], eventfd: ['int', 'flags'], read: ['fd', 'int'], write: ['fd', 'bytes'], fcntl: ['fd', 'int', 'flags'],
  readFile: ['path'], writeFile: ['path', 'text'], readdir: ['path'], readlink: ['path'], chown: ['path', 'int', 'int'],
  readMem: ['addr', 'int'], writeMem: ['addr', 'bytes'], read8: ['addr'], read16: ['addr'], read32: ['addr'], read64: ['addr'],
  lseek: ['fd', 'u64', 'int'], ftruncate: ['fd', 'u64'], memfdCreate: ['text', 'flags'],
  write8: ['addr', 'int'], write16: ['addr', 'int'], write32: ['addr', 'int'], write64: ['addr', 'u64'], 'host.advance': ['u64'], 'host.run': ['opts'],
};

function kindArb(k: Kind, w: { fds: number[]; addrs: bigint[] }): fc.Arbitrary<unknown> {
  switch (k) {
    case 'fd': return fc.oneof(fc.constantFrom(...w.fds), fc.integer({ min: -2, max: 70 }));
    case 'path': return fc.constantFrom(...PATHS);
    case 'int': return fc.oneof(fc.integer({ min: -2, max: 64 }), fc.constantFrom(0x7ffff000, 0x7ffff001, 2 ** 32, -(2 ** 31), 1.5));
    case 'flags': return fc.oneof(fc.constantFrom(0, 1, 2, 3, 4, 0x22, 0x32, 0x12, uapi.O_DIRECT, uapi.O_NOATIME | uapi.O_NONBLOCK, uapi.O_CLOEXEC | 2, 0x100000 | 0x22), fc.integer());
    case 'request': return fc.constantFrom(uapi.VFIO_GET_API_VERSION, uapi.VFIO_CHECK_EXTENSION, uapi.VFIO_IOMMU_MAP_DMA, uapi.VFIO_IOMMU_UNMAP_DMA, uapi.VFIO_DEVICE_GET_INFO, uapi.VFIO_DEVICE_GET_REGION_INFO, uapi.VFIO_DEVICE_RESET, uapi.VFIO_GROUP_GET_STATUS, 0, 0xdeadbeef);
    case 'arg': return fc.oneof(fc.constant(undefined), fc.integer({ min: -1, max: 16 }), fc.record({ argsz: fc.constantFrom(0, 8, 16, 32, 4096), flags: fc.integer({ min: 0, max: 7 }), index: fc.integer({ min: 0, max: 9 }), vaddr: fc.constantFrom(...w.addrs), iova: fc.constantFrom(0n, 0x10000n, 0x12000n, -1n, 1n << 64n), size: fc.constantFrom(0x1000n, 0x2000n, -0x1000n, 0n) }, { requiredKeys: [] }));
    case 'addr': return fc.oneof(fc.constantFrom(...w.addrs), fc.constantFrom(-0x1000n, 0x7ffffffff000n, 1n << 63n, 1n << 64n), fc.bigInt({ min: 0n, max: 1n << 48n }).map((x) => x & ~0xfffn));
    case 'len': return fc.constantFrom(0x1000n, 0x2000n, 1n, 0n, -1n, -0x1000n, 1n << 47n, 1n << 63n, (1n << 64n) - 1n, 1n << 64n);
    case 'u64': return fc.oneof(fc.constantFrom(0n, 0x1000n, -1n, 1n << 63n, (1n << 64n) - 1n, 1n << 64n, -(1n << 64n)), fc.bigInt({ min: 0n, max: 1n << 20n }));
    case 'bytes': return fc.oneof(fc.uint8Array({ maxLength: 9 }), fc.constantFrom(new TextEncoder().encode('vfio-pci'), new TextEncoder().encode('0000:06:00.0'), new Uint8Array(8)));
    case 'text': return fc.constantFrom('vfio-pci', '0000:06:00.0', '1', '0', 'Y', 'n', '', '\n', 'x'.repeat(5000));
    case 'opts': return fc.oneof(fc.constant(undefined), fc.record({ until: fc.constantFrom(0n, 10n, 1_000_000n, -1n, 1), maxEvents: fc.constantFrom(0, 1, 10, -1, 1.5, 1n) }, { requiredKeys: [] }));
  }
}

export interface SyscallCase {
  readonly method: string;
  readonly args: readonly unknown[];
}

/** A call: mostly arguments of the right kinds (some extreme), sometimes junk of any kind, sometimes too few or too many. */
export function syscallCaseArb(w: { fds: number[]; addrs: bigint[] }): fc.Arbitrary<SyscallCase> {
  return fc.constantFrom(...PROCESS_METHODS, 'host.advance', 'host.run').chain((method) => {
    const sig = SIGNATURES[method];
    const junkArgs = fc.array(junkArgArb(w), { maxLength: 6 });
    if (sig === undefined) return fc.record({ method: fc.constant(method), args: junkArgs });
    const typed = fc.tuple(...sig.map((k) => fc.oneof({ weight: 6, arbitrary: kindArb(k, w) }, { weight: 1, arbitrary: junkArgArb(w) })));
    return fc.record({ method: fc.constant(method), args: fc.oneof({ weight: 5, arbitrary: typed }, { weight: 1, arbitrary: junkArgs }) });
  });
}

const CPU = /^(read|write)(Mem|8|16|32|64)$/;

function allowed(e: unknown, method: string): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  if (e instanceof SystemError) return true;
  if (e instanceof SignalError) return CPU.test(method);
  if (e instanceof TypeError) return code === 'ERR_INVALID_ARG_TYPE';
  if (e instanceof RangeError) return code === 'ERR_OUT_OF_RANGE';
  return false;
}

function show(v: unknown): string {
  return fc.stringify(v);
}

/** Make one call; returns a message naming the broken promise, or null. */
export function syscallBroken(w: { host: Host; p: Process }, c: SyscallCase): string | null {
  const before = observableState(w.host);
  const call = `${c.method}(${c.args.map(show).join(', ')})`;
  try {
    if (c.method === 'host.advance') (w.host.advance as (...a: unknown[]) => void)(...c.args);
    else if (c.method === 'host.run') (w.host.run as (...a: unknown[]) => void)(...c.args);
    else (w.p as unknown as Record<string, (...a: unknown[]) => unknown>)[c.method]!(...c.args);
  } catch (e) {
    if (!allowed(e, c.method)) return `${call} threw ${e instanceof Error ? `${e.name} ${String((e as { code?: unknown }).code)}: ${e.message}` : String(e)}`;
    const after = observableState(w.host);
    if (after !== before) return `${call} failed (${(e as Error).name} ${String((e as { code?: unknown }).code)}) but changed state:\nbefore ${before}\nafter  ${after}`;
  }
  return null;
}
