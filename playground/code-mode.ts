/**
 * Driver-code mode: the student's JavaScript (or TypeScript, types erased) runs in a worker
 * against the package's API; each syscall comes back as a step with its trace and the
 * machine drawn after it, so the pictures follow the code and the stage can go back and
 * forth over the run. Errors (a SystemError with its errno and the kernel check, a
 * TypeError, a syntax error) are shown under the editor with the line marked; a run that
 * does not end is stopped by the Stop button or the time limit, never freezing the page.
 */
import type { TraceEntry } from '../src/base/trace.js';
import type { CodeStep, RunFailure, WorkerMessage } from './code-protocol.js';
import { CodeEditor } from './editor.js';
import { looksLikeTypeScript, rewriteImports } from './lib/user-code.js';
import type { Stage, Timeline } from './stage.js';
import { stripTypes } from './strip-types.js';
import type { TopologyPane } from './topology-pane.js';

const examples = import.meta.glob<string>('./examples/*.{js,ts}', { query: '?raw', import: 'default', eager: true });
const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
/** A run still going after this long is stopped (a loop that never ends). */
export const TIME_LIMIT_MS = 20_000;

function exampleTitle(file: string, code: string): string {
  const first = /^\/\/\s*(.*)$/m.exec(code)?.[1] ?? file;
  return first.replace(/[,:(].*$/, '').trim();
}

export class CodeMode implements Timeline {
  readonly editor = new CodeEditor($('code-editor-host'), { id: 'code', label: 'driver code' });
  private readonly ui = {
    example: $<HTMLSelectElement>('example'), run: $<HTMLButtonElement>('code-run'), stop: $<HTMLButtonElement>('code-stop'),
    status: $('code-status'), errors: $('code-errors'), console: $('console'), consoleCount: $('console-count'), consoleBox: $<HTMLDetailsElement>('console-box'),
  };
  private steps: CodeStep[] = [];
  private pos = 0;
  private worker: Worker | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private runState: { text: string; cls: '' | 'ok' | 'failed' } = { text: 'not run yet', cls: '' };
  private lineOf: (line: number) => number = (l) => l;
  private redraw = 0;
  /** Why the last run stopped early (shown in the details of its final step). */
  private failure: string | undefined;

  constructor(
    private readonly stage: Stage,
    private readonly topology: TopologyPane,
  ) {
    for (const f of Object.keys(examples).sort()) {
      const opt = document.createElement('option');
      opt.value = f;
      opt.textContent = `${exampleTitle(f, examples[f]!)} (${f.endsWith('.ts') ? 'TypeScript' : 'JavaScript'})`;
      this.ui.example.appendChild(opt);
    }
    this.ui.example.addEventListener('change', () => (this.editor.value = examples[this.ui.example.value]!));
    this.editor.value = examples[this.ui.example.value]!;
    this.ui.run.addEventListener('click', () => void this.start());
    this.ui.stop.addEventListener('click', () => this.stop('stopped'));
  }

  activate(): void {
    this.stage.show(this);
  }

  private async start(): Promise<void> {
    this.stop();
    document.body.dataset['codeRun'] = 'running';
    this.steps = [];
    this.pos = 0;
    this.failure = undefined;
    this.ui.errors.textContent = '';
    this.ui.console.textContent = '';
    this.ui.consoleCount.textContent = '0';
    this.editor.markLine(undefined);
    let code: string;
    try {
      code = await this.prepare(this.editor.value);
    } catch (e) {
      const line = (e as { line?: number }).line ?? Number(/^line (\d+)/.exec((e as Error).message)?.[1] ?? NaN);
      this.finish({ name: 'SyntaxError', message: (e as Error).message, ...(Number.isFinite(line) ? { line } : {}) }, 0);
      return;
    }
    const w = new Worker(new URL('./code-worker.ts', import.meta.url), { type: 'module' });
    this.worker = w;
    w.addEventListener('message', (ev: MessageEvent<WorkerMessage>) => this.onMessage(ev.data));
    w.addEventListener('error', (ev) => this.finish({ name: 'Error', message: `the worker failed: ${ev.message}` }, this.steps.length));
    this.setRunning(true);
    this.runState = { text: 'running…', cls: '' };
    this.stage.show(this);
    this.timer = setTimeout(() => this.stop(`stopped after ${TIME_LIMIT_MS / 1000} s — a loop that never ends?`), TIME_LIMIT_MS);
    w.postMessage({ code, topology: this.topology.value });
  }

  /** JavaScript ready for the worker: types erased when it is TypeScript, imports rewritten. */
  private async prepare(source: string): Promise<string> {
    this.lineOf = (l) => l;
    let js = source;
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...a: string[]) => unknown;
    let ts = looksLikeTypeScript(source);
    if (!ts) {
      try {
        new AsyncFunction('__import', 'topology', 'console', rewriteImports(source));
      } catch (e) {
        if (!(e instanceof SyntaxError)) throw e;
        ts = true; // not JavaScript: perhaps TypeScript; if not, the TypeScript compiler says where
      }
    }
    if (ts) {
      this.ui.status.textContent = 'erasing types…';
      const out = await stripTypes(source);
      js = out.js;
      this.lineOf = out.sourceLine;
    }
    const rewritten = rewriteImports(js);
    new AsyncFunction('__import', 'topology', 'console', rewritten); // a SyntaxError here names no line: the browser's message says what
    return rewritten;
  }

  private onMessage(m: WorkerMessage): void {
    if (m.type === 'log') {
      const line = document.createElement('div');
      line.textContent = m.text;
      if (m.level !== 'log') line.style.color = m.level === 'error' ? '#c62828' : '#ef6c00';
      this.ui.console.appendChild(line);
      this.ui.consoleCount.textContent = String(this.ui.console.childElementCount);
      this.ui.consoleBox.open = true;
      return;
    }
    if (m.type === 'step') {
      const following = this.pos === this.steps.length;
      this.steps.push(m.step);
      if (following) this.pos = this.steps.length;
      this.scheduleRender();
      return;
    }
    this.finish(m.ok ? undefined : m.failure, m.steps);
  }

  private scheduleRender(): void {
    if (this.redraw !== 0) return;
    this.redraw = requestAnimationFrame(() => {
      this.redraw = 0;
      this.stage.render();
    });
  }

  private finish(failure: RunFailure | undefined, steps: number): void {
    this.stop();
    if (failure === undefined) this.runState = { text: `ran to the end: ${steps} step(s)`, cls: 'ok' };
    else {
      const line = failure.line === undefined ? undefined : this.lineOf(failure.line);
      this.runState = { text: `${failure.name}${line !== undefined ? ` at line ${line}` : ''}`, cls: 'failed' };
      this.failure = `${failure.name}${line !== undefined ? ` at line ${line}` : ''}: ${failure.message}${failure.why !== undefined ? ` (${failure.why})` : ''}`;
      this.showFailure(failure, line);
    }
    this.stage.render();
  }

  private showFailure(f: RunFailure, line: number | undefined): void {
    const box = this.ui.errors;
    box.textContent = '';
    const head = document.createElement('strong');
    head.textContent = `${f.name}${f.code !== undefined ? ` ${f.code}` : ''}${f.errno !== undefined ? ` (errno ${f.errno})` : ''}${line !== undefined ? ` at line ${line}` : ''}`;
    const msg = document.createElement('div');
    msg.textContent = f.message;
    box.append(head, msg);
    if (f.why !== undefined) {
      const why = document.createElement('div');
      why.textContent = `the kernel's check: ${f.why}`;
      box.append(why);
    }
    this.editor.markLine(line);
  }

  /** End the worker (if any); with a reason, say so in the status. */
  private stop(reason?: string): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.worker !== undefined) {
      this.worker.terminate();
      this.worker = undefined;
      if (reason !== undefined) {
        this.runState = { text: `${reason} (${this.steps.length} step(s) so far)`, cls: 'failed' };
        this.stage.render();
      }
    }
    this.setRunning(false);
  }

  private setRunning(on: boolean): void {
    if (!on) document.body.dataset['codeRun'] = 'done';
    this.ui.run.disabled = on;
    this.ui.stop.disabled = !on;
    this.ui.status.textContent = on ? 'running…' : '';
  }

  items() {
    return this.steps.map((s) => ({ label: s.label, ok: s.ok as boolean | undefined }));
  }

  position(): number {
    return this.pos;
  }

  end(): number {
    return this.steps.length;
  }

  moveTo(n: number): void {
    this.pos = n;
  }

  picture(): string {
    for (let i = this.pos - 1; i >= 0; i--) {
      const svg = this.steps[i]!.svg;
      if (svg !== undefined) return svg;
    }
    return '<p class="muted">Run the code (or pick an example and run it): the machine is drawn after every syscall.</p>';
  }

  caption(): string {
    if (this.steps.length === 0) return '';
    return this.pos === 0 ? 'before the code ran' : `after step ${this.pos - 1} of ${this.steps.length}: ${this.steps[this.pos - 1]!.label}`;
  }

  trace(): TraceEntry[] {
    return this.steps.slice(0, this.pos).flatMap((s) => s.entries);
  }

  details() {
    const s = this.steps[this.pos - 1];
    if (s === undefined) return undefined;
    const m = / = (.*)$/.exec(s.label);
    const last = this.pos === this.steps.length && this.failure !== undefined && !s.ok;
    return { title: `step ${s.index}: ${s.label}`, ok: s.ok, ...(m !== null ? { outcome: m[1]! } : {}), messages: last ? [this.failure!] : [], asked: s.asked ?? [], entries: s.entries };
  }

  status() {
    return this.runState;
  }
}
