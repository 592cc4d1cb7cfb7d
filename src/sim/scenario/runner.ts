/**
 * Runs a scenario against a fresh Host, one step at a time, deterministically.
 *
 * Each step is traced (a `note` entry from "scenario" before it, and one after if it
 * failed), then checked against its expectations. A failed expectation never throws: it
 * is recorded in the step's result and the run goes on, so a teacher sees every surprise
 * at once. Only bad input (an invalid scenario or topology) throws ScenarioInputError,
 * before anything runs.
 *
 * Invariant: the same scenario and topology give the same results and byte-identical
 * traces; nothing here reads the wall clock.
 */
import { SignalError, SystemError } from '../../base/errors.js';
import { Host } from '../../host.js';
import type { Process } from '../../process/process.js';
import { TopologyError } from '../../hardware/topology/index.js';
import { EventFd } from '../../kernel/eventfd.js';
import type { TraceEntry } from '../trace.js';
import { convertArg, getPath, resolveRequest } from './args.js';
import { safeParseScenario, type ExpectInput, type Scenario, type ScenarioIssue, type Step } from './schema.js';
import { evalFlags, evalValue, fromLe, hex, hexBytes, leBytes, parseBytes, toNumber, ValueError, type Vars } from './values.js';

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

type Outcome = { kind: 'ok'; value: unknown } | { kind: 'errno'; code: string; why: string } | { kind: 'signal'; signal: string; why: string };

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
    this.procs.set('main', this.host.spawn());
    this.host.trace.add('note', 'scenario', `scenario ${scenario.name}${scenario.title ? `: ${scenario.title}` : ''}`);
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
      if (!(e instanceof ValueError)) throw e;
      messages = [`bad value: ${e.message}`];
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
    const outcome = this.call(step, (a) => (arg = a));
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
        this.procs.set(step.as, h.spawn(opts));
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
          const r = attempt(() => this.proc(step.process).readMem(evalValue(step.addr!, this.vars), want.length));
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

  /** Steps a driver or administrator makes: one call each, its outcome captured. */
  private call(step: Step, keepArg: (a: unknown) => void): Outcome {
    const v = (x: Parameters<typeof evalValue>[0]): bigint => evalValue(x, this.vars);
    const p = this.proc('process' in step ? step.process : undefined);
    switch (step.op) {
      case 'exit':
        return attempt(() => p.exit());
      case 'bind':
        return attempt(() => this.host.bind(step.bdf, step.driver));
      case 'set-param': {
        const [mod, name] = step.param.split('.');
        const val = typeof step.value === 'boolean' ? (step.value ? 'Y' : 'N') : String(step.value);
        return attempt(() => p.writeFile(`/sys/module/${mod}/parameters/${name}`, val));
      }
      case 'open': {
        const flags = step.flags === undefined ? 2 : toNumber(evalFlags(step.flags, this.vars), 'flags');
        return attempt(() => p.open(step.path, flags));
      }
      case 'close':
        return attempt(() => p.close(this.fd(step.fd)));
      case 'ioctl': {
        const req = resolveRequest(step.request);
        if (req === undefined) throw new ValueError(`${step.request} is not a VFIO or iommufd request name`);
        const arg = convertArg(req, step.arg, this.vars);
        keepArg(arg);
        const fd = this.fd(step.fd);
        return attempt(() => p.ioctl(fd, req.request, arg as object | number | string | undefined));
      }
      case 'mmap': {
        const fd = step.fd === undefined ? -1 : this.fd(step.fd);
        const args = [step.addr === undefined ? 0n : v(step.addr), v(step.length), toNumber(evalFlags(step.prot, this.vars), 'prot'), toNumber(evalFlags(step.flags, this.vars), 'flags'), fd, step.offset === undefined ? 0n : v(step.offset)] as const;
        return attempt(() => p.mmap(...args));
      }
      case 'munmap':
        return attempt(() => p.munmap(v(step.addr), v(step.length)));
      case 'eventfd': {
        const flags = step.flags === undefined ? 0 : toNumber(evalFlags(step.flags, this.vars), 'flags');
        return attempt(() => p.eventfd(step.initval ?? 0, flags));
      }
      case 'read':
        return attempt(() => p.read(this.fd(step.fd), step.length));
      case 'write': {
        const data = step.bytes !== undefined ? parseBytes(step.bytes) : leBytes(v(step.u64 ?? 0), 8);
        return attempt(() => p.write(this.fd(step.fd), data));
      }
      case 'pread':
        return attempt(() => p.pread(this.fd(step.fd), step.length, v(step.offset)));
      case 'pwrite': {
        const data = step.bytes !== undefined ? parseBytes(step.bytes) : leBytes(v(step.value ?? 0), step.size ?? 4);
        return attempt(() => p.pwrite(this.fd(step.fd), data, v(step.offset)));
      }
      case 'load': {
        const a = v(step.addr);
        return attempt(() => fromLe(p.readMem(a, step.size)));
      }
      case 'store': {
        const a = v(step.addr);
        const data = step.bytes !== undefined ? parseBytes(step.bytes) : leBytes(v(step.value ?? 0), step.size ?? 4);
        return attempt(() => p.writeMem(a, data));
      }
      case 'read-file':
        return attempt(() => p.readFile(step.path));
      case 'write-file':
        return attempt(() => p.writeFile(step.path, step.data));
      default:
        throw new ValueError(`step ${step.op} makes no call`);
    }
  }
}

function attempt(fn: () => unknown): Outcome {
  try {
    return { kind: 'ok', value: fn() };
  } catch (e) {
    if (e instanceof SystemError) return { kind: 'errno', code: e.code, why: e.info?.why ?? '' };
    if (e instanceof SignalError) return { kind: 'signal', signal: e.signal, why: e.message };
    if (e instanceof TypeError && (e as { code?: unknown }).code === 'ERR_INVALID_ARG_TYPE') return { kind: 'errno', code: 'TypeError', why: e.message };
    throw e;
  }
}

function outcomeText(o: Outcome): string {
  if (o.kind === 'errno') return `-${o.code}`;
  if (o.kind === 'signal') return o.signal;
  const v = o.value;
  if (v === undefined) return 'ok';
  if (typeof v === 'bigint') return hex(v);
  if (v instanceof Uint8Array) return `[${hexBytes(v)}]`;
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  return String(v);
}

function compareValue(got: unknown, want: ExpectInput['result'] | null, vars: Vars, what: string): string | null {
  if (want === null) return got === undefined || got === null ? null : `${what} is ${String(got)}, expected nothing`;
  if (typeof want === 'boolean') return got === want ? null : `${what} is ${String(got)}, expected ${want}`;
  if (typeof got === 'string') return typeof want === 'string' && got.trimEnd() === want.trimEnd() ? null : `${what} is ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`;
  const g = typeof got === 'bigint' || typeof got === 'number' ? BigInt(got) : got instanceof Uint8Array ? fromLe(got) : undefined;
  const w = evalValue(want!, vars);
  if (g === undefined) return `${what} is ${String(got)}, expected ${hex(w)}`;
  return g === w ? null : `${what} is ${hex(g)} (${g}), expected ${hex(w)} (${w})`;
}

function checkOutcome(o: Outcome, expect: ExpectInput | undefined, vars: Vars): string[] {
  if (expect?.signal !== undefined) return o.kind === 'signal' && o.signal === expect.signal ? [] : [`expected ${expect.signal}, got ${outcomeText(o)}`];
  const wantErr = expect?.errno !== undefined && expect.errno !== 'ok' ? expect.errno : null;
  if (wantErr !== null) return o.kind === 'errno' && o.code === wantErr ? [] : [`expected ${wantErr}, got ${outcomeText(o)}`];
  if (o.kind !== 'ok') return [`failed with ${outcomeText(o)}${o.why ? ` (${o.why})` : ''}`];
  const m: string[] = [];
  if (expect?.result !== undefined) {
    const r = compareValue(o.value, expect.result, vars, 'result');
    if (r !== null) m.push(r);
  }
  if (expect?.contains !== undefined && !(typeof o.value === 'string' && o.value.includes(expect.contains))) m.push(`result does not contain ${JSON.stringify(expect.contains)}`);
  return m;
}

function checkFaults(h: Host, step: Extract<Step, { op: 'expect-faults' }>, vars: Vars): string[] {
  const faults = h.faults();
  const m: string[] = [];
  if (step.count !== undefined && faults.length !== step.count) m.push(`${faults.length} IOMMU faults recorded, expected ${step.count}`);
  (step.entries ?? []).forEach((want, i) => {
    const f = faults[i];
    if (f === undefined) return void m.push(`fault ${i}: none recorded`);
    if (want.source !== undefined && f.source !== want.source) m.push(`fault ${i}: source ${f.source}, expected ${want.source}`);
    if (want.iova !== undefined && f.iova !== evalValue(want.iova, vars)) m.push(`fault ${i}: iova ${hex(f.iova)}, expected ${hex(evalValue(want.iova, vars))}`);
    if (want.access !== undefined && f.access !== want.access) m.push(`fault ${i}: ${f.access}, expected ${want.access}`);
    if (want.reason !== undefined && !f.reason.includes(want.reason)) m.push(`fault ${i}: reason "${f.reason}" lacks "${want.reason}"`);
  });
  return m;
}

const show = (x: unknown): string => (typeof x === 'string' ? x : JSON.stringify(x));

/** One line for the trace and the CLI. */
export function describeStep(s: Step): string {
  switch (s.op) {
    case 'note': return s.text;
    case 'spawn': return `spawn ${s.as} (uid ${s.uid ?? 0})`;
    case 'exit': return `exit ${s.process ?? 'main'}`;
    case 'bind': return `bind ${s.bdf} to ${s.driver ?? '(no driver)'}`;
    case 'set-param': return `set ${s.param} = ${String(s.value)}`;
    case 'open': return `open ${s.path}${s.as ? ` as ${s.as}` : ''}`;
    case 'close': return `close ${show(s.fd)}`;
    case 'ioctl': return `ioctl(${show(s.fd)}, ${s.request})${s.as ? ` as ${s.as}` : ''}`;
    case 'mmap': return `mmap ${show(s.length)} bytes${s.fd !== undefined ? ` of ${show(s.fd)}` : ''}${s.as ? ` as ${s.as}` : ''}`;
    case 'munmap': return `munmap ${show(s.addr)}`;
    case 'eventfd': return `eventfd${s.as ? ` as ${s.as}` : ''}`;
    case 'read': return `read ${s.length} bytes from ${show(s.fd)}`;
    case 'write': return `write to ${show(s.fd)}`;
    case 'pread': return `pread ${s.length} bytes of ${show(s.fd)} at ${show(s.offset)}`;
    case 'pwrite': return `pwrite ${show(s.fd)} at ${show(s.offset)}`;
    case 'load': return `load ${s.size} bytes at ${show(s.addr)}`;
    case 'store': return `store at ${show(s.addr)}`;
    case 'read-file': return `read ${s.path}`;
    case 'write-file': return `write ${JSON.stringify(s.data)} to ${s.path}`;
    case 'run': return s.ns === undefined ? 'run the clock until idle' : `run the clock ${show(s.ns)} ns`;
    case 'set': return `set ${s.var} = ${show(s.value)}`;
    case 'expect-memory': return `expect memory at ${show(s.addr ?? s.pa)}`;
    case 'expect-eventfd': return `expect eventfd ${show(s.fd)} = ${show(s.count)}`;
    case 'expect-faults': return `expect ${s.count ?? (s.entries?.length ?? 0)} IOMMU fault(s)`;
    case 'expect-file': return `expect ${s.path}`;
    case 'expect-trace': return `expect trace "${s.contains}"`;
  }
}

/** Validate and run a whole scenario. */
export function runScenario(json: unknown, opts: RunOptions = {}): ScenarioResult {
  return new ScenarioRun(parseScenario(json), opts).runAll(opts.stopAfter);
}
