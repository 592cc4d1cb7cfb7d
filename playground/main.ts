/**
 * The playground page: the same simulator and pictures as the CLI, in the browser.
 * A scenario runs step by step; after each step the picture is redrawn from the host and
 * new trace entries are appended. Editing the topology restarts the scenario on it.
 */
import { parseScenario, ScenarioRun, ScenarioInputError, type Scenario, type StepResult } from '../src/scenarios/index.js';
import { formatEntry, type TraceEntry } from '../src/base/trace.js';
import { drawMachine } from '../src/tools/pictures/index.js';
import { hostState } from '../src/tools/report/state.js';

const scenarioFiles = import.meta.glob<{ default: unknown }>('../fixtures/scenarios/**/*.json', { eager: true });
const topologyFiles = import.meta.glob<{ default: unknown }>('../fixtures/topologies/*.json', { eager: true });

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const ui = {
  select: $<HTMLSelectElement>('scenario'),
  reset: $<HTMLButtonElement>('reset'),
  step: $<HTMLButtonElement>('step'),
  run: $<HTMLButtonElement>('run'),
  status: $('status'),
  description: $('description'),
  steps: $<HTMLOListElement>('steps'),
  picture: $('picture'),
  trace: $('trace'),
  topology: $<HTMLTextAreaElement>('topology'),
  apply: $<HTMLButtonElement>('apply'),
  revert: $<HTMLButtonElement>('revert'),
  topoErrors: $('topo-errors'),
};

let currentFile = '';

/** A topology path relative to the current scenario's folder → the bundled topology. */
function loadTopology(path: string): unknown {
  const parts = currentFile.split('/').slice(0, -1);
  for (const seg of path.split('/')) {
    if (seg === '..') parts.pop();
    else if (seg !== '.') parts.push(seg);
  }
  const key = parts.join('/');
  const hit = topologyFiles[key];
  if (hit === undefined) throw new ScenarioInputError('cannot load the topology', [{ path: 'topology', message: `${path} is not a bundled topology` }]);
  return hit.default;
}

let scenario: Scenario;
let run: ScenarioRun;
let shown = 0;
let topologyOverride: unknown;

function traceLine(e: TraceEntry): HTMLElement {
  const span = document.createElement('span');
  span.className = e.kind;
  span.textContent = `${formatEntry(e)}\n`;
  return span;
}

function render(): void {
  const entries = run.host.trace.list();
  for (const e of entries.slice(shown)) ui.trace.appendChild(traceLine(e));
  shown = entries.length;
  ui.trace.scrollTop = ui.trace.scrollHeight;
  const pos = run.position;
  const total = scenario.steps.length;
  ui.picture.innerHTML = drawMachine(hostState(run.host), { subtitle: `scenario ${scenario.name}, ${pos === total ? 'end' : `after step ${pos} of ${total}`}` });
  const results = new Map<number, StepResult>(run.results.map((r) => [r.index, r]));
  ui.steps.querySelectorAll('li').forEach((li, i) => {
    const r = results.get(i);
    li.className = r === undefined ? (i === pos ? 'next' : '') : r.ok ? 'ok' : 'failed';
    li.title = r === undefined ? '' : r.ok ? r.outcome : r.messages.join('; ');
  });
  const failed = run.results.filter((r) => !r.ok).length;
  ui.status.className = failed > 0 ? 'failed' : run.done ? 'ok' : '';
  ui.status.textContent = run.done ? (failed > 0 ? `${failed} step(s) failed` : `all ${total} steps held`) : `step ${pos} of ${total}`;
  ui.step.disabled = run.done;
  ui.run.disabled = run.done;
}

function start(): void {
  const s = topologyOverride === undefined ? scenario : { ...scenario, topology: topologyOverride as Record<string, unknown> };
  run = new ScenarioRun(s, { loadTopology });
  shown = 0;
  ui.trace.textContent = '';
  ui.steps.textContent = '';
  scenario.steps.forEach((st, i) => {
    const li = document.createElement('li');
    li.textContent = `${i}. ${describe(st)}`;
    ui.steps.appendChild(li);
  });
  render();
}

function describe(st: Scenario['steps'][number]): string {
  const note = 'note' in st && st.note ? ` — ${st.note}` : '';
  return `${st.op}${'request' in st ? ` ${st.request}` : 'path' in st ? ` ${st.path}` : 'bdf' in st ? ` ${st.bdf}` : ''}${note}`;
}

function choose(file: string): void {
  currentFile = file;
  scenario = parseScenario(scenarioFiles[file]!.default);
  topologyOverride = undefined;
  ui.description.textContent = scenario.description ?? '';
  const topo = typeof scenario.topology === 'string' ? loadTopology(scenario.topology) : scenario.topology;
  ui.topology.value = JSON.stringify(topo ?? {}, null, 2);
  ui.topoErrors.textContent = '';
  start();
}

function applyTopology(): void {
  let json: unknown;
  try {
    json = JSON.parse(ui.topology.value);
  } catch (e) {
    ui.topoErrors.textContent = `not valid JSON: ${(e as Error).message}`;
    return;
  }
  const before = topologyOverride;
  topologyOverride = json;
  try {
    start();
    ui.topoErrors.textContent = '';
  } catch (e) {
    topologyOverride = before;
    ui.topoErrors.textContent = e instanceof ScenarioInputError ? e.message : String(e);
  }
}

const files = Object.keys(scenarioFiles).sort((a, b) => (a.endsWith('/default.json') ? -1 : b.endsWith('/default.json') ? 1 : a.localeCompare(b)));
for (const f of files) {
  const opt = document.createElement('option');
  opt.value = f;
  const s = scenarioFiles[f]!.default as { name?: string; title?: string };
  opt.textContent = `${s.name ?? f}: ${s.title ?? ''}`;
  ui.select.appendChild(opt);
}
ui.select.addEventListener('change', () => choose(ui.select.value));
ui.reset.addEventListener('click', () => start());
ui.step.addEventListener('click', () => {
  run.step();
  render();
});
ui.run.addEventListener('click', () => {
  run.runAll();
  render();
});
ui.apply.addEventListener('click', applyTopology);
ui.revert.addEventListener('click', () => choose(ui.select.value));
choose(files[0]!);
document.body.dataset['ready'] = 'true';
