/**
 * Runs a scenario against a fresh Host, one step at a time, deterministically.
 *
 * Each step is traced (a `note` entry from "scenario" before it, and one after if it
 * failed), then checked against its expectations. A failed expectation never throws: it
 * is recorded in the step's result and the run goes on, so a teacher sees every surprise
 * at once. Only bad input (an invalid scenario or topology) throws ScenarioInputError,
 * before anything runs.
 *
 * The call steps are in calls.ts, the expectation checks in expectations.ts, outcomes in
 * outcome.ts, step labels in describe.ts.
 *
 * Invariant: the same scenario and topology give the same results and byte-identical
 * traces; nothing here reads the wall clock.
 */
import { Host } from '../host/host.js';
import type { Process } from '../process/process.js';
import { TopologyError } from '../hardware/topology/index.js';
import { EventFd } from '../kernel/eventfd.js';
import type { TraceEntry } from '../base/trace.js';
import { getPath } from './args.js';
import { callStep, type StepEnv } from './calls.js';
import { validateScenario } from './check.js';
import { describeStep } from './describe.js';
import { checkFaults, checkOutcome, compareValue } from './expectations.js';
import { attempt, isArgError, outcomeText } from './outcome.js';
import { safeParseScenario, type Scenario, type ScenarioIssue, type Step } from './schema.js';
import { evalValue, fromLe, hexBytes, parseBytes, toNumber, ValueError, type Vars } from './values.js';

/** Input the runner cannot start from: the issues name the field paths. */
export class ScenarioInputError extends Error {
  override readonly name = 'ScenarioInputError';
  constructor(
    message: string,
    readonly issues: readonly ScenarioIssue[],
  ) {
    super(`${message}:\n${issues.map((i) => `  ${i.path || '(root)'}: ${i.message}`).join('\n')}`);
  }
}

export interface StepResult {
  /** 0-based position in `steps`. */
  readonly index: number;
  readonly op: Step['op'];
  /** One line saying what the step did. */
  readonly label: string;
  readonly ok: boolean;
  /** Why it failed (empty when ok). */
  readonly messages: readonly string[];
  /** Virtual time when the step finished, ns. */
  readonly time: bigint;
  /** What the call returned, as text ("3", "0x7f0000000000", "-EINVAL", "SIGSEGV"). */
  readonly outcome: string;
}

export interface RunOptions {
  /** Reads a topology named by path (relative to the scenario); required for string topologies. */
  readonly loadTopology?: (path: string) => unknown;
  /** Run only the first N steps. */
  readonly stopAfter?: number;
}

export interface ScenarioResult {
  readonly name: string;
  readonly title: string;
  readonly ok: boolean;
  readonly passed: number;
  readonly failed: number;
  readonly steps: readonly StepResult[];
  readonly trace: readonly TraceEntry[];
  readonly host: Host;
}

/** Validate a scenario value, throwing ScenarioInputError with every field-path issue. */
export function parseScenario(json: unknown): Scenario {
  const r = safeParseScenario(json);
  if (!r.ok) throw new ScenarioInputError('invalid scenario', r.issues);
  return r.scenario;
}

/** Build the scenario's host (its topology resolved through `load`). */
export function scenarioHost(s: Scenario, load?: (path: string) => unknown): Host {
  let topo: unknown = undefined;
  if (typeof s.topology === 'string') {
    if (load === undefined) throw new ScenarioInputError('cannot load the topology', [{ path: 'topology', message: `no loader for ${s.topology}` }]);
    topo = load(s.topology);
  } else if (s.topology !== undefined) {
    topo = s.topology;
  }
  try {
    return new Host(topo, { seed: s.seed ?? 1 });
  } catch (e) {
    if (e instanceof TopologyError) throw new ScenarioInputError('invalid topology', e.issues.map((i) => ({ path: `topology${i.path ? (i.path.startsWith('[') ? '' : '.') + i.path : ''}`, message: i.message })));
    throw e;
  }
}

/** A scenario in progress: step it one step at a time (the playground) or run it all. */
export class ScenarioRun {
  readonly host: Host;
  readonly results: StepResult[] = [];
  readonly vars: Vars = new Map();
  private readonly procs = new Map<string, Process>();
  private next = 0;

  constructor(
    readonly scenario: Scenario,
    opts: RunOptions = {},
  ) {
    this.host = scenarioHost(scenario, opts.loadTopology);
    // scenario processes start with no fds 0-2, so the fd numbers in their traces (and the
    // pictures and tour built from them) count from 0
    this.procs.set('main', this.host.spawn({ stdio: false }));
    this.host.trace.add('note', 'scenario', `${scenario.name}${scenario.title ? ` — ${scenario.title}` : ''}`);
  }

  get done(): boolean {
    return this.next >= this.scenario.steps.length;
  }

  get position(): number {
    return this.next;
  }

  /** Run the next step; returns its result (undefined when done). */
  step(): StepResult | undefined {
    const step = this.scenario.steps[this.next];
    if (step === undefined) return undefined;
    const index = this.next++;
    const label = describeStep(step);
    const trace = this.host.trace;
    const why = 'note' in step ? step.note : undefined;
    trace.add('note', 'scenario', `step ${index}: ${label}${why ? ` — ${why}` : ''}`);
    let messages: string[];
    let outcome = '';
    try {
      const r = this.exec(step);
      outcome = r.text;
      messages = r.messages;
    } catch (e) {
      // A value only the run could evaluate, or an argument the skin refuses as Node's fs
      // would (TypeError ERR_INVALID_ARG_TYPE, RangeError ERR_OUT_OF_RANGE): a failed step.
      if (!(e instanceof ValueError) && !isArgError(e)) throw e;
      messages = [`${e instanceof ValueError ? 'bad value' : 'bad argument'}: ${(e as Error).message}`];
      outcome = 'not run';
    }
    if (messages.length > 0) trace.add('note', 'scenario', `step ${index} FAILED: ${messages.join('; ')}`);
    const res: StepResult = { index, op: step.op, label, ok: messages.length === 0, messages, time: this.host.clock.now(), outcome };
    this.results.push(res);
    return res;
  }

  /** Run the remaining steps (or up to `stopAfter` steps in all). */
  runAll(stopAfter = Infinity): ScenarioResult {
    while (!this.done && this.next < stopAfter) this.step();
    return this.result();
  }

  result(): ScenarioResult {
    const failed = this.results.filter((r) => !r.ok).length;
    return { name: this.scenario.name, title: this.scenario.title ?? this.scenario.name, ok: failed === 0, passed: this.results.length - failed, failed, steps: this.results.slice(), trace: this.host.trace.list(), host: this.host };
  }

  private proc(name: string | undefined): Process {
    const p = this.procs.get(name ?? 'main');
    if (p === undefined) throw new ValueError(`no process named ${name} (a spawn step names one with "as")`);
    return p;
  }

  private fd(ref: number | string): number {
    return typeof ref === 'number' ? ref : toNumber(evalValue(ref, this.vars), 'fd');
  }

  private setVar(name: string | undefined, v: bigint | number): void {
    if (name !== undefined) this.vars.set(name, BigInt(v));
  }

  private exec(step: Step): { text: string; messages: string[] } {
    if (step.op.startsWith('expect-') || step.op === 'note' || step.op === 'set' || step.op === 'run' || step.op === 'spawn') {
      const messages = this.plain(step);
      return { text: messages.length === 0 ? 'ok' : 'failed', messages };
    }
    let arg: unknown;
    const env: StepEnv = { host: this.host, vars: this.vars, proc: (n) => this.proc(n), fd: (r) => this.fd(r) };
    const outcome = callStep(env, step, (a) => (arg = a));
    const expect = 'expect' in step ? step.expect : undefined;
    const messages = checkOutcome(outcome, expect, this.vars);
    if (outcome.kind === 'ok' && messages.length === 0) {
      if (step.op === 'ioctl') {
        for (const [path, want] of Object.entries(expect?.fields ?? {})) {
          const m = compareValue(getPath(arg, path), want, this.vars, `arg.${path}`);
          if (m !== null) messages.push(m);
        }
        for (const [name, path] of Object.entries(step.capture ?? {})) {
          const v = getPath(arg, path);
          if (typeof v === 'bigint' || typeof v === 'number') this.vars.set(name, BigInt(v));
          else messages.push(`capture ${name}: arg.${path} is not a number`);
        }
      }
      const as = 'as' in step ? step.as : undefined;
      const v = outcome.value;
      if (as !== undefined) this.setVar(as, typeof v === 'bigint' || typeof v === 'number' ? v : v instanceof Uint8Array ? fromLe(v) : 0);
    }
    return { text: outcomeText(outcome), messages };
  }

  /** Steps that make no call a driver would make: the clock, variables and dedicated checks. */
  private plain(step: Step): string[] {
    const h = this.host;
    switch (step.op) {
      case 'note':
        return [];
      case 'set':
        this.vars.set(step.var, evalValue(step.value, this.vars));
        return [];
      case 'spawn': {
        const opts = { ...(step.uid !== undefined ? { uid: step.uid } : {}), ...(step.gid !== undefined ? { gid: step.gid } : {}), ...(step.caps !== undefined ? { caps: step.caps } : {}), ...(step.rlimitMemlock !== undefined ? { rlimitMemlock: evalValue(step.rlimitMemlock, this.vars) } : {}) };
        this.procs.set(step.as, h.spawn({ ...opts, stdio: false }));
        return [];
      }
      case 'run':
        if (step.ns === undefined) h.run();
        else h.advance(evalValue(step.ns, this.vars));
        return [];
      case 'expect-memory': {
        const want = parseBytes(step.bytes);
        let got: Uint8Array;
        if (step.pa !== undefined) got = h.phys.read(evalValue(step.pa, this.vars), want.length);
        else if (step.addr !== undefined) {
          // the check's own read is not something the scenario's program did: keep it out of the trace
          const trace = h.trace;
          const was = trace.enabled;
          trace.enabled = false;
          let r: ReturnType<typeof attempt>;
          try {
            r = attempt(() => this.proc(step.process).readMem(evalValue(step.addr!, this.vars), want.length));
          } finally {
            trace.enabled = was;
          }
          if (r.kind !== 'ok') return [`reading memory: ${outcomeText(r)}`];
          got = r.value as Uint8Array;
        } else return ['expect-memory needs addr or pa'];
        return hexBytes(got) === hexBytes(want) ? [] : [`memory holds ${hexBytes(got)}, expected ${hexBytes(want)}`];
      }
      case 'expect-eventfd': {
        const f = this.proc(step.process).task.file(this.fd(step.fd));
        if (f === undefined || !(f.priv instanceof EventFd)) return [`fd ${String(step.fd)} is not an eventfd`];
        const want = evalValue(step.count, this.vars);
        return f.priv.count === want ? [] : [`eventfd counter is ${f.priv.count}, expected ${want}`];
      }
      case 'expect-faults':
        return checkFaults(h, step, this.vars);
      case 'expect-file': {
        const r = attempt(() => this.proc(step.process).readFile(step.path));
        const exists = r.kind === 'ok' || (r.kind === 'errno' && r.code !== 'ENOENT' && r.code !== 'ENOTDIR');
        if (step.exists === false) return exists ? [`${step.path} exists`] : [];
        if (step.exists === true && step.text === undefined && step.contains === undefined) return exists ? [] : [`${step.path} does not exist (${outcomeText(r)})`];
        if (r.kind !== 'ok') return [`${step.path}: ${outcomeText(r)}`];
        const text = r.value as string;
        const m: string[] = [];
        if (step.text !== undefined && text.trimEnd() !== step.text.trimEnd()) m.push(`${step.path} reads ${JSON.stringify(text)}, expected ${JSON.stringify(step.text)}`);
        if (step.contains !== undefined && !text.includes(step.contains)) m.push(`${step.path} does not contain ${JSON.stringify(step.contains)}`);
        return m;
      }
      case 'expect-trace': {
        const hit = h.trace.list().some((e) => (step.kind === undefined || e.kind === step.kind) && e.who !== 'scenario' && e.text.includes(step.contains));
        return hit ? [] : [`no ${step.kind ?? ''} trace entry contains ${JSON.stringify(step.contains)}`];
      }
      default:
        return [`unknown step ${step.op}`];
    }
  }

}

/**
 * Validate and run a whole scenario. The validation is the command line's (validateScenario:
 * shape, request names, struct fields, expressions, variables set before use), so a scenario
 * the CLI's `validate` refuses throws ScenarioInputError here too, with every issue.
 */
export function runScenario(json: unknown, opts: RunOptions = {}): ScenarioResult {
  const r = validateScenario(json);
  if (!r.ok) throw new ScenarioInputError('invalid scenario', r.issues);
  return new ScenarioRun(r.scenario, opts).runAll(opts.stopAfter);
}
