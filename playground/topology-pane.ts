/**
 * The topology pane: the machine as JSON, editable, loadable from a file. Apply checks it
 * (JSON syntax with line and column, then every schema problem with its field path, shown
 * right under the editor) and hands it on; Revert goes back to the machine the current
 * scenario names.
 */
import { safeParseTopology } from '../src/hardware/topology/index.js';
import { CodeEditor } from './editor.js';
import { showIssues } from './issues-view.js';
import { lineOfPath, pathLines } from './lib/json-lines.js';
import { parseJsonText } from './lib/json-text.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

export class TopologyPane {
  readonly editor = new CodeEditor($('topology-editor-host'), { id: 'topology', label: 'topology JSON' });
  private readonly errors = $('topo-errors');
  private base: unknown;
  private applied: unknown;

  constructor(private readonly onApply: (topology: unknown) => void) {
    $('apply').addEventListener('click', () => this.apply());
    $('revert').addEventListener('click', () => {
      this.set(this.base);
      this.onApply(this.base);
    });
    $<HTMLInputElement>('topology-file').addEventListener('change', async (e) => {
      const input = e.target as HTMLInputElement;
      const file = input.files?.[0];
      if (file === undefined) return;
      this.editor.value = await file.text();
      input.value = '';
      this.apply();
    });
  }

  /** The machine the current source names (and Revert returns to). */
  set(topology: unknown): void {
    this.base = topology;
    this.applied = topology;
    this.editor.value = JSON.stringify(topology ?? {}, null, 2);
    this.errors.textContent = '';
  }

  /** The machine last applied (a JSON value; undefined: the default workstation). */
  get value(): unknown {
    return this.applied;
  }

  /** Show problems the caller found when using the topology (a host refusing it). */
  fail(issues: ReadonlyArray<{ path: string; message: string }>): void {
    showIssues(this.errors, 'This topology cannot be used:', issues);
    this.markIssues(issues.map((i) => i.path));
    $<HTMLDetailsElement>('topo-box').open = true;
    this.errors.scrollIntoView({ block: 'nearest' });
  }

  /** Mark the editor lines of `topology.…` paths. */
  private markIssues(paths: readonly string[]): void {
    const lines = pathLines(this.editor.value);
    this.editor.markLines(paths.flatMap((p) => lineOfPath(lines, p.replace(/^topology\.?/, '')) ?? []));
  }

  private apply(): void {
    const parsed = parseJsonText(this.editor.value);
    if (!parsed.ok) {
      this.editor.markLine(parsed.line);
      showIssues(this.errors, 'Not valid JSON:', [{ path: `line ${parsed.line} column ${parsed.column}`, message: parsed.message }]);
      return;
    }
    const r = safeParseTopology(parsed.value);
    if (!r.ok) {
      const issues = r.issues.map((i) => ({ path: `topology${i.path === '(root)' || i.path === '' ? '' : i.path.startsWith('[') ? i.path : `.${i.path}`}`, message: i.message }));
      showIssues(this.errors, `The topology has ${r.issues.length} problem(s):`, issues);
      this.markIssues(issues.map((i) => i.path));
      this.errors.scrollIntoView({ block: 'nearest' });
      return;
    }
    this.errors.textContent = '';
    this.applied = parsed.value;
    this.onApply(parsed.value);
  }
}
