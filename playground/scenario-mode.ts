/**
 * Scenario mode: a bundled lesson, a scenario file the user opens, or JSON pasted in the
 * editor. Every problem the validator finds is shown under the editor with its field path
 * (JSON syntax errors with line and column, the line marked); a scenario that passes runs
 * step by step, forward by running and back by replaying (lib/timeline.ts).
 */
import { bundledTopologies, defaultTopologyJson } from '../src/hardware/default-machine.js';
import { describeStep, ScenarioInputError, validateScenario, type Scenario, type ScenarioRun } from '../src/scenarios/index.js';
import { drawMachine } from '../src/tools/pictures/index.js';
import { hostState } from '../src/tools/report/state.js';
import { CodeEditor } from './editor.js';
import { showIssues } from './issues-view.js';
import { pathLines, lineOfPath } from './lib/json-lines.js';
import { parseJsonText } from './lib/json-text.js';
import { stepValues } from './lib/step-values.js';
import { moveTo, runTo, stepEntries } from './lib/timeline.js';
import { topologyName } from './lib/topology-ref.js';
import type { Stage, Timeline } from './stage.js';
import type { TopologyPane } from './topology-pane.js';

const scenarioFiles = import.meta.glob<{ default: unknown }>('../fixtures/scenarios/**/*.json', { eager: true });
const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

/** Bundled scenarios, the short tour first. */
export const bundledScenarios = Object.keys(scenarioFiles).sort((a, b) => (a.endsWith('/default.json') ? -1 : b.endsWith('/default.json') ? 1 : a.localeCompare(b)));

function loadTopology(ref: string): unknown {
  const name = topologyName(ref);
  if (name !== undefined && Object.hasOwn(bundledTopologies, name)) return bundledTopologies[name];
  throw new ScenarioInputError('cannot load the topology', [{ path: 'topology', message: `${ref} is not a bundled machine (${Object.keys(bundledTopologies).join(', ')}); put your machine in the Topology pane, or write it into the scenario's "topology"` }]);
}

export class ScenarioMode implements Timeline {
  private readonly ui = { select: $<HTMLSelectElement>('scenario'), errors: $('scenario-errors'), description: $('description'), editorBox: $('scenario-editor') };
  readonly editor = new CodeEditor($('scenario-editor-host'), { id: 'scenario-json', label: 'scenario JSON' });
  private scenario!: Scenario;
  private run!: ScenarioRun;
  private source = '';
  private stale = false;

  constructor(
    private readonly stage: Stage,
    private readonly topology: TopologyPane,
  ) {
    const own = document.createElement('option');
    own.value = '';
    own.disabled = true;
    own.textContent = '(your own scenario: open a file or paste JSON)';
    this.ui.select.appendChild(own);
    for (const f of bundledScenarios) {
      const opt = document.createElement('option');
      opt.value = f;
      const s = scenarioFiles[f]!.default as { name?: string; title?: string };
      opt.textContent = `${s.name ?? f}: ${s.title ?? ''}`;
      this.ui.select.appendChild(opt);
    }
    this.ui.select.addEventListener('change', () => {
      this.load(scenarioFiles[this.ui.select.value]!.default, this.ui.select.value);
      // a closed editor shows the chosen lesson when it opens; an open one keeps the user's text
      if (this.ui.editorBox.hidden) this.editor.value = '';
    });
    $('scenario-edit-toggle').addEventListener('click', () => {
      this.ui.editorBox.hidden = !this.ui.editorBox.hidden;
      if (!this.ui.editorBox.hidden && this.editor.value === '') this.editor.value = JSON.stringify(scenarioFiles[this.source]?.default ?? {}, null, 2);
    });
    this.ui.description.addEventListener('click', () => this.ui.description.classList.toggle('full'));
    $('scenario-load').addEventListener('click', () => this.loadText(this.editor.value, 'your scenario'));
    $<HTMLInputElement>('scenario-file').addEventListener('change', async (e) => {
      const input = e.target as HTMLInputElement;
      const file = input.files?.[0];
      if (file === undefined) return;
      const text = await file.text();
      input.value = '';
      this.editor.value = text;
      this.ui.editorBox.hidden = false;
      this.loadText(text, file.name);
    });
  }

  /** Show the current scenario on the stage (switching back to this mode). */
  activate(): void {
    if (this.source === '') this.load(scenarioFiles[bundledScenarios[0]!]!.default, bundledScenarios[0]!);
    else if (this.stale) this.restart();
    else this.stage.show(this);
  }

  /** The topology pane applied a machine: the scenario starts again on it (now, or when shown). */
  topologyChanged(shown: boolean): void {
    this.stale = !shown;
    if (shown) this.restart();
  }

  private loadText(text: string, label: string): void {
    const parsed = parseJsonText(text);
    if (!parsed.ok) {
      this.editor.markLine(parsed.line);
      showIssues(this.ui.errors, `${label} is not valid JSON:`, [{ path: `line ${parsed.line} column ${parsed.column}`, message: parsed.message }]);
      return;
    }
    const issues = this.load(parsed.value, label);
    const lines = pathLines(text);
    this.editor.markLines(issues.flatMap((i) => lineOfPath(lines, i.path) ?? []));
  }

  /** Validate and start a scenario; returns the problems found (shown under the editor). */
  private load(json: unknown, label: string): ReadonlyArray<{ path: string; message: string }> {
    const r = validateScenario(json);
    if (!r.ok) {
      showIssues(this.ui.errors, `${label} has ${r.issues.length} problem(s) — nothing was run:`, r.issues);
      return r.issues;
    }
    const s = r.scenario;
    let topo: unknown;
    try {
      topo = typeof s.topology === 'string' ? loadTopology(s.topology) : (s.topology ?? defaultTopologyJson);
    } catch (e) {
      if (!(e instanceof ScenarioInputError)) throw e;
      showIssues(this.ui.errors, `${label}: its machine cannot be loaded:`, e.issues);
      return e.issues;
    }
    // the stage keeps the previous run until this one can start (its machine may need fixing)
    this.scenario = s;
    this.source = label;
    this.topology.set(topo);
    if (scenarioFiles[label] === undefined) this.ui.select.value = '';
    this.ui.description.textContent = `${label === s.name || scenarioFiles[label] !== undefined ? '' : `${label}: `}${s.name}${s.title ? ` — ${s.title}` : ''}. ${s.description ?? ''}`;
    return this.restart();
  }

  /** A fresh run on the applied topology; the problems (shown) when it cannot start. */
  private restart(): ReadonlyArray<{ path: string; message: string }> {
    const topo = this.topology.value;
    try {
      this.run = runTo({ ...this.scenario, ...(topo !== undefined ? { topology: topo as Record<string, unknown> } : {}) }, 0);
    } catch (e) {
      if (!(e instanceof ScenarioInputError)) throw e;
      showIssues(this.ui.errors, 'This scenario cannot start:', e.issues);
      if (e.issues.some((i) => i.path.startsWith('topology'))) this.topology.fail(e.issues);
      return e.issues;
    }
    this.ui.errors.textContent = '';
    this.stale = false;
    this.stage.show(this);
    return [];
  }

  items() {
    const results = this.run.results;
    return this.run.scenario.steps.map((st, i) => ({ label: describe(st), ok: results[i]?.ok }));
  }

  position(): number {
    return this.run.position;
  }

  end(): number {
    return this.run.scenario.steps.length;
  }

  moveTo(n: number): void {
    this.run = moveTo(this.run, n);
  }

  picture(): string {
    return drawMachine(hostState(this.run.host), { subtitle: this.caption() });
  }

  caption(): string {
    const pos = this.run.position;
    const total = this.run.scenario.steps.length;
    return `scenario ${this.run.scenario.name}, ${pos === 0 ? 'before step 0' : pos === total ? 'end' : `after step ${pos - 1} (${pos} of ${total} done)`}`;
  }

  trace() {
    return this.run.host.trace.list();
  }

  details() {
    const i = this.run.position - 1;
    const r = this.run.results[i];
    const st = this.run.scenario.steps[i];
    if (r === undefined || st === undefined) return undefined;
    return { title: `step ${i}: ${r.label}`, ok: r.ok, outcome: r.outcome, ...('note' in st && st.note ? { note: st.note } : {}), messages: r.messages, asked: stepValues(st, this.run.vars), entries: stepEntries(this.run.host.trace.list(), i) };
  }

  status() {
    const total = this.run.scenario.steps.length;
    const failed = this.run.results.filter((r) => !r.ok).length;
    const text = this.run.done ? (failed > 0 ? `${failed} step(s) failed` : `all ${total} steps held`) : `step ${this.run.position} of ${total}${failed > 0 ? `, ${failed} failed` : ''}`;
    return { text, cls: (failed > 0 ? 'failed' : this.run.done ? 'ok' : '') as '' | 'ok' | 'failed' };
  }
}

function describe(st: Scenario['steps'][number]): string {
  return `${describeStep(st)}${'note' in st && st.note ? ` — ${st.note}` : ''}`;
}
