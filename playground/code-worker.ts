/**
 * Runs a student's driver code off the page's thread, so a loop that never ends freezes
 * nothing (the page's Stop button, or its time limit, ends this worker). The code gets the
 * package's API (`import … from 'vfio-sim'` reads it), `topology` (the machine in the
 * topology pane) and a console whose output goes to the page. Every Host it creates is
 * watched: each syscall is a step, posted with its trace entries and the machine drawn
 * after it, so the page can show the pictures follow the code, forward and back.
 */
import * as vfioSim from '../src/index.js';
import type { HostOptions, SpawnOptions } from '../src/index.js';
import type { TraceEntry } from '../src/base/trace.js';
import { drawMachine } from '../src/tools/pictures/index.js';
import { hostState } from '../src/tools/report/state.js';
import type { CodeStep, RunFailure, RunRequest, WorkerMessage } from './code-protocol.js';
import { userFrame } from './lib/user-code.js';
import { flatten, showValue } from './lib/entry-fields.js';
import { describeValue } from './lib/console-format.js';

/** Steps posted with a picture each; past it only the end gets one (drawing costs ~15 ms). */
const PICTURE_BUDGET = 250;
/** Steps posted at all; past it the entries gather into the final step (bounded below). */
const STEP_BUDGET = 3000;
const PENDING_LIMIT = 2000;
const FILE = 'driver.js';

const post = (m: WorkerMessage): void => postMessage(m);

/** CPU loads and stores of a Process, with their width in bytes. */
const ACCESSES = { read8: 1, read16: 2, read32: 4, read64: 8, write8: 1, write16: 2, write32: 4, write64: 8 } as const;
type Access = keyof typeof ACCESSES;

class Recorder {
  private steps = 0;
  private pictures = 0;
  private pending: TraceEntry[] = [];
  private last: vfioSim.Host | undefined;
  /** The argument of the ioctl in progress (the kernel has written back into it when the syscall is traced). */
  arg: unknown;

  get count(): number {
    return this.steps;
  }

  track(host: vfioSim.Host, topologyName: string): void {
    this.last = host;
    this.pending.push(...host.trace.list());
    this.flush(host, `new Host(): ${topologyName} booted`, true);
    host.trace.subscribe((e) => {
      this.last = host;
      if (this.pending.length >= PENDING_LIMIT) this.pending.shift();
      this.pending.push(e);
      if (e.kind === 'syscall' && this.steps < STEP_BUDGET) this.flush(host, e.text, !/ = -E[A-Z0-9]+/.test(e.text), this.argRows(e));
    });
  }

  /** The clock ran (host.run, host.advance): what the devices did meanwhile is a step of its own. */
  clock(host: vfioSim.Host, label: string): void {
    if (this.steps < STEP_BUDGET) this.flush(host, label, true);
  }

  /** A CPU load or store just done (or refused with a signal): a step with its address, width and value. */
  access(host: vfioSim.Host, name: Access, addr: bigint, value: unknown, error: unknown): void {
    if (this.steps >= STEP_BUDGET) return;
    const width = ACCESSES[name];
    const store = name.startsWith('write');
    const shown = typeof value === 'number' || typeof value === 'bigint' ? `0x${value.toString(16)}` : value === undefined ? '' : showValue(value);
    const label = store ? `${name}(0x${addr.toString(16)}, ${shown})` : `${name}(0x${addr.toString(16)})${error === undefined ? ` = ${shown}` : ''}`;
    const rows: Array<[string, string]> = [['address', `0x${addr.toString(16)}`], ['width', `${width} byte(s)`]];
    if (value !== undefined) rows.push([store ? 'value stored' : 'value loaded', shown]);
    if (error !== undefined) rows.push(['signal', error instanceof Error ? error.message : String(error)]);
    this.flush(host, error === undefined ? label : `${label} → ${(error as { code?: string }).code ?? 'error'}`, error === undefined, rows, store);
  }

  private argRows(e: TraceEntry): Array<[string, string]> | undefined {
    if (!e.text.startsWith('ioctl(') || this.arg === undefined) return undefined;
    return typeof this.arg === 'object' && this.arg !== null ? flatten(this.arg, 'arg') : [['arg', showValue(this.arg)]];
  }

  /** The rest of the trace and the final machine, always with its picture. */
  end(ok: boolean): void {
    if (this.last === undefined) return;
    this.pictures = Math.min(this.pictures, PICTURE_BUDGET - 1);
    this.flush(this.last, ok ? 'end of the code' : 'stopped by an error', ok);
  }

  private flush(host: vfioSim.Host, label: string, ok: boolean, asked?: Array<[string, string]>, draw = true): void {
    const svg = draw && this.pictures < PICTURE_BUDGET ? drawMachine(hostState(host), { subtitle: `after: ${label}` }) : undefined;
    if (svg !== undefined) this.pictures++;
    const step: CodeStep = { index: this.steps++, label, ok, entries: this.pending, ...(asked !== undefined ? { asked } : {}), ...(svg !== undefined ? { svg } : {}) };
    this.pending = [];
    post({ type: 'step', step });
  }
}

function failure(e: unknown, lineOffset: number): RunFailure {
  if (!(e instanceof Error)) return { name: 'Error', message: `threw a non-Error value: ${describeValue(e)}` };
  const at = userFrame(e.stack, FILE, lineOffset);
  const where = at === undefined ? {} : { line: at.line, column: at.column };
  if (e instanceof vfioSim.SystemError) {
    return { name: e.name, message: e.message, code: e.code, errno: e.errno, syscall: e.syscall, ...(e.info?.why !== undefined ? { why: e.info.why } : {}), ...where };
  }
  if (e instanceof vfioSim.SignalError) return { name: e.name, message: e.message, code: e.code, ...where };
  return { name: e.name, message: e.message, ...((e as { code?: unknown }).code !== undefined ? { code: String((e as { code?: unknown }).code) } : {}), ...where };
}

const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<unknown>;
const PARAMS = ['__import', 'topology', 'console'];

/** How many lines the Function constructor puts before the body (so line 1 is line 1). */
async function lineOffset(): Promise<number> {
  try {
    await new AsyncFunction(...PARAMS, `throw new Error('probe');\n//# sourceURL=${FILE}`)();
  } catch (e) {
    return (userFrame((e as Error).stack, FILE, 0)?.line ?? 1) - 1;
  }
  return 0;
}

/**
 * Watch one process of the student's (own properties over the class's methods, in this
 * worker only): the ioctl argument in flight, and every CPU load and store as a step.
 */
function instrument(p: vfioSim.Process, host: vfioSim.Host, rec: Recorder): vfioSim.Process {
  const ioctl = p.ioctl.bind(p);
  p.ioctl = (fd, request, arg) => {
    rec.arg = arg;
    try {
      return ioctl(fd, request, arg);
    } finally {
      rec.arg = undefined;
    }
  };
  const fork = p.fork.bind(p);
  p.fork = () => instrument(fork(), host, rec);
  const methods = p as unknown as Record<Access, (addr: bigint, v?: unknown) => unknown>;
  for (const name of Object.keys(ACCESSES) as Access[]) {
    const real = methods[name].bind(p);
    methods[name] = (addr: bigint, v?: unknown) => {
      let out: unknown;
      try {
        out = real(addr, v);
      } catch (e) {
        rec.access(host, name, addr, v, e);
        throw e;
      }
      rec.access(host, name, addr, name.startsWith('write') ? v : out, undefined);
      return out;
    };
  }
  return p;
}

async function run(req: RunRequest): Promise<void> {
  const recorder = new Recorder();
  vfioSim.SystemError.stackFrameLimit = Infinity;
  Error.stackTraceLimit = 50;
  const topoName = (t: unknown): string => (typeof t === 'object' && t !== null && typeof (t as { name?: unknown }).name === 'string' ? `machine "${(t as { name: string }).name}"` : 'the default workstation');
  class Host extends vfioSim.Host {
    constructor(topology?: unknown, opts?: HostOptions) {
      super(topology, opts);
      recorder.track(this, topoName(topology));
    }

    override spawn(opts?: SpawnOptions): vfioSim.Process {
      return instrument(super.spawn(opts), this, recorder);
    }

    override advance(ns: bigint): void {
      super.advance(ns);
      recorder.clock(this, `host.advance(${String(ns)} ns)`);
    }

    override run(opts?: { until?: bigint; maxEvents?: number }): number {
      const n = super.run(opts);
      recorder.clock(this, `host.run(): ${n} event(s)`);
      return n;
    }
  }
  const testing = /vfio-sim\/testing/.test(req.code) ? await import('../src/testing/index.js') : undefined;
  const modules: Record<string, Record<string, unknown>> = { 'vfio-sim': { ...vfioSim, ...vfioSim.devices, Host }, ...(testing !== undefined ? { 'vfio-sim/testing': testing } : {}) };
  const importer = (mod: string, names: string[]): Record<string, unknown> => {
    const api = modules[mod];
    if (api === undefined) throw new Error(`cannot import ${mod} here`);
    for (const n of names) if (!(n in api)) throw new SyntaxError(`'${mod}' has no export named ${n}; it has: ${Object.keys(api).sort().join(', ')}`);
    return api;
  };
  const log = (level: 'log' | 'warn' | 'error') => (...args: unknown[]) => post({ type: 'log', level, text: args.map((a) => (typeof a === 'string' ? a : describeValue(a))).join(' ') });
  const userConsole = { log: log('log'), info: log('log'), debug: log('log'), warn: log('warn'), error: log('error') };
  const offset = await lineOffset();
  try {
    const fn = new AsyncFunction(...PARAMS, `${req.code}\n//# sourceURL=${FILE}`);
    await fn(importer, req.topology, userConsole);
    recorder.end(true);
    post({ type: 'done', ok: true, steps: recorder.count });
  } catch (e) {
    recorder.end(false);
    post({ type: 'done', ok: false, failure: failure(e, offset), steps: recorder.count });
  }
}

addEventListener('message', (ev: MessageEvent<RunRequest>) => void run(ev.data));
