/**
 * The scenario file format (docs/scenarios.md): a topology and a script of steps, each
 * step one thing a user-space driver or an administrator does — bind, open, ioctl, CPU
 * loads and stores, running the clock — with expectations on what happens.
 *
 * Values are written as JSON numbers or strings holding small expressions (values.ts):
 * `"0x1000"`, `"$buf + 0x1000"`, `"VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE"`,
 * or `{ "var": "buf", "plus": "0x1000" }`. Validation errors name the field path.
 */
import { z } from 'zod';
import { explainIssue } from '../base/zod-messages.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../base/json-depth.js';
import { MAX_RW_COUNT } from '../process/args.js';

/** A number, or a string expression: literals, `$var`, uapi constant names, sizeof(struct), + - |. */
export const valueSchema = z.union([
  z.number(),
  z.string(),
  z.strictObject({ var: z.string(), plus: z.union([z.number(), z.string()]).optional() }),
], { error: 'expected a value: a number, an expression string ("0x1000", "$buf + 0x1000", "PROT_READ | PROT_WRITE") or { "var": name, "plus": value }' });
export type ValueInput = z.infer<typeof valueSchema>;

/** Flags: one value, or a list of values OR-ed together (`["O_RDWR", "O_CLOEXEC"]`). */
export const flagsSchema = z.union([valueSchema, z.array(valueSchema)], { error: 'expected flags: a value, or a list of values OR-ed together (["O_RDWR", "O_CLOEXEC"])' });

/** Bytes as hex (`"de ad be ef"`, spaces allowed) or as ASCII text (`{ "text": "hi" }`). */
export const bytesSchema = z.union([z.string(), z.strictObject({ text: z.string() })], { error: 'expected bytes: hex ("de ad be ef") or { "text": "..." }' });

export const ERRNO_NAME = z.string().regex(/^E[A-Z0-9]+$/, 'an errno name such as "EINVAL"');

/** What a step's outcome must be. Omitted: the step must succeed. */
export const expectSchema = z.strictObject({
  /** The call fails with this errno ("EINVAL"), or succeeds when "ok". */
  errno: z.union([ERRNO_NAME, z.literal('ok')]).optional(),
  /** A CPU load/store is refused with this signal. */
  signal: z.enum(['SIGSEGV', 'SIGBUS']).optional(),
  /** The return value (ioctl/open/load/...), compared as a number; text for readFile. */
  result: z.union([valueSchema, z.boolean()]).optional(),
  /** Text results: contains this. */
  contains: z.string().optional(),
  /** ioctl write-backs: argument fields after the call, by path ("argsz", "caps[0].id"). */
  fields: z.record(z.string(), z.union([valueSchema, z.boolean(), z.null()])).optional(),
});
export type ExpectInput = z.infer<typeof expectSchema>;

const common = {
  /** Which process does this (a name given by a spawn step); default "main" (root). */
  process: z.string().optional(),
  /** Shown in the trace: why this step is here. */
  note: z.string().optional(),
  expect: expectSchema.optional(),
};

/** An fd: a number, or the name of a variable an earlier step set (an expression). */
const fdRef = z.union([z.number().int(), z.string()], { error: 'expected an fd: an integer, or the name an earlier step gave it with "as"' });

/** A read length: what the skin takes (process/args.ts checkLength). */
const rwLength = z.number().int().nonnegative().max(MAX_RW_COUNT);

const steps = [
  z.strictObject({ op: z.literal('note'), text: z.string() }),
  z.strictObject({ op: z.literal('spawn'), as: z.string(), uid: z.number().int().optional(), gid: z.number().int().optional(), caps: z.array(z.string()).optional(), rlimitMemlock: valueSchema.optional(), note: z.string().optional() }),
  z.strictObject({ op: z.literal('exit'), ...common }),
  z.strictObject({ op: z.literal('bind'), bdf: z.string(), driver: z.union([z.string(), z.null()]), ...common }),
  z.strictObject({ op: z.literal('set-param'), param: z.string().regex(/^[a-z0-9_]+\.[a-z0-9_]+$/, 'module.param, e.g. vfio.enable_unsafe_noiommu_mode'), value: z.union([z.string(), z.number(), z.boolean()]), ...common }),
  z.strictObject({ op: z.literal('open'), path: z.string(), flags: flagsSchema.optional(), as: z.string().optional(), ...common }),
  z.strictObject({ op: z.literal('close'), fd: fdRef, ...common }),
  z.strictObject({
    op: z.literal('ioctl'),
    fd: fdRef,
    /** The Linux name ("VFIO_IOMMU_MAP_DMA") or the request number (0x3b71 or "0x3b71"). */
    request: z.union([z.string().regex(/^([A-Z][A-Z0-9_]+|0x[0-9a-fA-F]+|\d+)$/), z.number().int().min(0).max(0xffffffff)], { error: 'expected a Linux request name such as "VFIO_IOMMU_MAP_DMA", or its number' }),
    arg: z.unknown().optional(),
    as: z.string().optional(),
    /** Variables to set from argument fields after a successful call: { "bar0": "offset" }. */
    capture: z.record(z.string(), z.string()).optional(),
    ...common,
  }),
  z.strictObject({ op: z.literal('mmap'), addr: valueSchema.optional(), length: valueSchema, prot: flagsSchema, flags: flagsSchema, fd: fdRef.optional(), offset: valueSchema.optional(), as: z.string().optional(), ...common }),
  z.strictObject({ op: z.literal('munmap'), addr: valueSchema, length: valueSchema, ...common }),
  z.strictObject({ op: z.literal('eventfd'), initval: z.number().int().optional(), flags: flagsSchema.optional(), as: z.string().optional(), ...common }),
  z.strictObject({ op: z.literal('read'), fd: fdRef, length: rwLength, as: z.string().optional(), ...common }),
  z.strictObject({ op: z.literal('write'), fd: fdRef, bytes: bytesSchema.optional(), u64: valueSchema.optional(), ...common }),
  z.strictObject({ op: z.literal('pread'), fd: fdRef, length: rwLength, offset: valueSchema, as: z.string().optional(), ...common }),
  z.strictObject({ op: z.literal('pwrite'), fd: fdRef, offset: valueSchema, bytes: bytesSchema.optional(), value: valueSchema.optional(), size: z.union([z.literal(1), z.literal(2), z.literal(4), z.literal(8)]).optional(), ...common }),
  z.strictObject({ op: z.literal('load'), addr: valueSchema, size: z.union([z.literal(1), z.literal(2), z.literal(4), z.literal(8)]), as: z.string().optional(), ...common }),
  z.strictObject({ op: z.literal('store'), addr: valueSchema, size: z.union([z.literal(1), z.literal(2), z.literal(4), z.literal(8)]).optional(), value: valueSchema.optional(), bytes: bytesSchema.optional(), ...common }),
  z.strictObject({ op: z.literal('read-file'), path: z.string(), ...common }),
  z.strictObject({ op: z.literal('write-file'), path: z.string(), data: z.string(), ...common }),
  /** chown(2): `uid`/`gid` -1 (the default for an absent one) leave that id unchanged. */
  z.strictObject({ op: z.literal('chown'), path: z.string(), uid: z.number().int().min(-1).optional(), gid: z.number().int().min(-1).optional(), ...common }),
  z.strictObject({ op: z.literal('run'), ns: valueSchema.optional(), note: z.string().optional() }),
  z.strictObject({ op: z.literal('set'), var: z.string(), value: valueSchema, note: z.string().optional() }),
  z.strictObject({ op: z.literal('expect-memory'), addr: valueSchema.optional(), pa: valueSchema.optional(), bytes: bytesSchema, process: z.string().optional(), note: z.string().optional() }),
  z.strictObject({ op: z.literal('expect-eventfd'), fd: fdRef, count: valueSchema, process: z.string().optional(), note: z.string().optional() }),
  z.strictObject({
    op: z.literal('expect-faults'),
    count: z.number().int().nonnegative().optional(),
    entries: z.array(z.strictObject({ source: z.string().optional(), iova: valueSchema.optional(), access: z.enum(['read', 'write']).optional(), reason: z.string().optional() })).optional(),
    note: z.string().optional(),
  }),
  z.strictObject({ op: z.literal('expect-file'), path: z.string(), text: z.string().optional(), contains: z.string().optional(), exists: z.boolean().optional(), process: z.string().optional(), note: z.string().optional() }),
  z.strictObject({ op: z.literal('expect-trace'), contains: z.string(), kind: z.string().optional(), note: z.string().optional() }),
] as const;

export const stepSchema = z.discriminatedUnion('op', steps);
export type Step = z.infer<typeof stepSchema>;
export type StepOp = Step['op'];
export const STEP_OPS: readonly StepOp[] = steps.map((s) => s.shape.op.value);

export const scenarioSchema = z.strictObject({
  /** For editors: the JSON Schema this file follows. */
  $schema: z.string().optional(),
  name: z.string().min(1),
  title: z.string().optional(),
  /** The lesson: what this scenario shows and why (Markdown). */
  description: z.string().optional(),
  /** A topology file path relative to the scenario, or an inline topology (contract §7). */
  topology: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  /** The host's seed (default 1). */
  seed: z.number().int().optional(),
  steps: z.array(stepSchema),
});
export type Scenario = z.infer<typeof scenarioSchema>;

export interface ScenarioIssue {
  readonly path: string;
  readonly message: string;
}

/** `steps[3].arg.iova` from a zod path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out;
}

export type ScenarioParse = { ok: true; scenario: Scenario } | { ok: false; issues: ScenarioIssue[] };

/**
 * Validate a scenario JSON value's shape; every problem named by its field path. What can
 * be known before a run beyond the shape is checked by validateScenario (check.ts).
 */
export function safeParseScenario(json: unknown): ScenarioParse {
  // An inline topology is measured by parseTopology (it says why a PCI tree cannot be that deep).
  const own = typeof json === 'object' && json !== null && !Array.isArray(json) ? { ...json, topology: undefined } : json;
  if (nestsDeeperThan(own)) return { ok: false, issues: [{ path: '(root)', message: `JSON nested more than ${MAX_JSON_DEPTH} levels deep; no scenario needs that` }] };
  const r = scenarioSchema.safeParse(json, { error: explainIssue });
  if (r.success) return { ok: true, scenario: r.data };
  return { ok: false, issues: r.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })) };
}

/** Is this JSON a scenario (rather than a topology)? Scenarios have `steps`. */
export function looksLikeScenario(json: unknown): boolean {
  return typeof json === 'object' && json !== null && !Array.isArray(json) && 'steps' in json;
}
