/**
 * Everything about a scenario that can be known before it runs, checked in step order with
 * the field path of each problem: request names and numbers, struct field names and the
 * shape of `arg`, uapi constants and sizeof() in expressions, hex bytes, values out of
 * range, and every variable and process a step names having been set by an earlier step.
 * The command line's `validate`, `run` and `draw` all load a scenario through
 * validateScenario, and so does the library's runScenario, so a file validate passes never
 * stops run with an input error, and a file run refuses validate refuses. (ScenarioRun, which
 * the playground steps through, checks only the shape and reports what this check would find
 * as failed steps, so a lesson can show a mistake where it happens.)
 *
 * What only the run can know (a variable whose step failed, a value built from variables
 * that overflows) is a failed step at run time, never an exit-3 crash.
 */
import { checkArg, resolveRequest } from './args.js';
import { safeParseScenario, stepSchema, type Scenario, type ScenarioIssue, type ScenarioParse, type Step, type ValueInput } from './schema.js';
import { checkValue, parseBytes, ValueError } from './values.js';

/** Step fields holding one value, a flag list, an fd or bytes (the same names in every op). */
const VALUE_FIELDS = ['addr', 'length', 'offset', 'u64', 'value', 'ns', 'pa', 'count', 'rlimitMemlock'] as const;
const FLAG_FIELDS = ['flags', 'prot'] as const;

/** Variables and processes a scenario has set up to some step. */
interface Known {
  readonly vars: Set<string>;
  readonly procs: Set<string>;
}

function checkStep(step: Step, at: (field: string) => string, known: Known, issue: (path: string, message: string) => void): void {
  const guard = (path: string, fn: () => void): void => {
    try {
      fn();
    } catch (e) {
      if (!(e instanceof ValueError)) throw e;
      issue(path, e.message);
    }
  };
  const fields = step as unknown as Record<string, unknown>;
  const proc = fields['process'];
  if (typeof proc === 'string' && !known.procs.has(proc)) issue(at('process'), `no process named ${JSON.stringify(proc)}; expected "main" or a name an earlier spawn step gives with "as" (${[...known.procs].join(', ')})`);
  // set-param's `value` is the text written to sysfs (the kernel judges it), not an expression.
  if (step.op !== 'set-param') {
    for (const f of VALUE_FIELDS) if (fields[f] !== undefined) guard(at(f), () => void checkValue(fields[f] as ValueInput, known.vars));
  }
  for (const f of FLAG_FIELDS) {
    const v = fields[f];
    if (v === undefined) continue;
    if (Array.isArray(v)) v.forEach((x, j) => guard(`${at(f)}[${j}]`, () => void checkValue(x as ValueInput, known.vars)));
    else guard(at(f), () => void checkValue(v as ValueInput, known.vars));
  }
  if (typeof fields['fd'] === 'string') guard(at('fd'), () => void checkValue(fields['fd'] as string, known.vars));
  if (fields['bytes'] !== undefined) guard(at('bytes'), () => void parseBytes(fields['bytes'] as string | { text: string }));
  if (step.op === 'run' && step.ns !== undefined) guard(at('ns'), () => {
    const ns = checkValue(step.ns!, known.vars);
    if (ns !== null && ns < 0n) throw new ValueError(`${String(step.ns)}: expected a time in ns >= 0`);
  });
  if (step.op === 'ioctl') checkIoctl(step, at, known, issue);
  if (step.op === 'expect-faults') step.entries?.forEach((e, j) => e.iova !== undefined && guard(at(`entries[${j}].iova`), () => void checkValue(e.iova!, known.vars)));
  checkExpect(step, at, known, guard);
}

function checkIoctl(step: Extract<Step, { op: 'ioctl' }>, at: (field: string) => string, known: Known, issue: (path: string, message: string) => void): void {
  const req = resolveRequest(step.request);
  if (req === undefined) {
    issue(at('request'), `${JSON.stringify(step.request)} is not a VFIO or iommufd request name; expected a name such as "VFIO_IOMMU_MAP_DMA" (include/uapi/linux/vfio.h, iommufd.h) or a request number`);
    return;
  }
  for (const i of checkArg(req, step.arg, known.vars)) issue(at(i.path), i.message);
}

function checkExpect(step: Step, at: (field: string) => string, known: Known, guard: (path: string, fn: () => void) => void): void {
  const expect = 'expect' in step ? step.expect : undefined;
  if (expect === undefined) return;
  if (expect.result !== undefined && typeof expect.result !== 'boolean') guard(at('expect.result'), () => void checkValue(expect.result as ValueInput, known.vars));
  for (const [k, v] of Object.entries(expect.fields ?? {})) {
    if (v !== null && typeof v !== 'boolean') guard(at(`expect.fields.${k}`), () => void checkValue(v, known.vars));
  }
}

/** The names a step sets for the steps after it. */
function define(step: Step, known: Known): void {
  if (step.op === 'spawn') known.procs.add(step.as);
  else if (step.op === 'set') known.vars.add(step.var);
  else if ('as' in step && step.as !== undefined) known.vars.add(step.as);
  if (step.op === 'ioctl') for (const name of Object.keys(step.capture ?? {})) known.vars.add(name);
}

/** Every problem a scenario's steps have that can be seen before running it. */
export function checkScenario(s: Scenario, assume: { vars?: Iterable<string>; procs?: Iterable<string> } = {}): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  const known: Known = { vars: new Set(assume.vars), procs: new Set(['main', ...(assume.procs ?? [])]) };
  s.steps.forEach((step, i) => {
    checkStep(step, (f) => `steps[${i}]${f === '' ? '' : `.${f}`}`, known, (path, message) => issues.push({ path, message }));
    define(step, known);
  });
  return issues;
}

/**
 * The whole check, in one pass: the shape (every schema problem), then -- over every step
 * whose own shape is right, even when others are wrong -- what checkScenario finds.
 */
export function validateScenario(json: unknown): ScenarioParse {
  const r = safeParseScenario(json);
  if (r.ok) {
    const issues = checkScenario(r.scenario);
    return issues.length === 0 ? r : { ok: false, issues };
  }
  const raw = typeof json === 'object' && json !== null ? (json as { steps?: unknown }).steps : undefined;
  if (!Array.isArray(raw)) return r;
  const parsed = raw.map((x) => stepSchema.safeParse(x));
  const steps = parsed.map((p) => (p.success ? p.data : ({ op: 'note', text: '' } as Step)));
  // A malformed step may still name what it sets: assume it does, so no later step is blamed.
  const names = (k: string) => raw.flatMap((x, i) => (parsed[i]!.success || typeof x !== 'object' || x === null || typeof (x as Record<string, unknown>)[k] !== 'string' ? [] : [(x as Record<string, string>)[k]!]));
  const more = checkScenario({ name: '', steps } as Scenario, { vars: [...names('as'), ...names('var')], procs: names('as') }).filter((i) => !r.issues.some((j) => j.path === i.path));
  return { ok: false, issues: [...r.issues, ...more] };
}
