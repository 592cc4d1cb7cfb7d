/**
 * The step details pane: what the step asked (its fields with their values worked out),
 * how it came out, and every trace entry it wrote with whatever values the entry carries.
 */
import { formatEntry, type TraceEntry } from '../src/base/trace.js';
import { entryFields } from './lib/entry-fields.js';

export interface StepDetails {
  readonly title: string;
  readonly ok: boolean | undefined;
  readonly outcome?: string;
  readonly note?: string;
  readonly messages: readonly string[];
  /** What the step asked, as [field, value] rows. */
  readonly asked: ReadonlyArray<readonly [string, string]>;
  readonly entries: readonly TraceEntry[];
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function table(rows: ReadonlyArray<readonly [string, string]>, cls: string): HTMLTableElement {
  const t = el('table', cls);
  for (const [k, v] of rows) {
    const tr = t.insertRow();
    tr.insertCell().textContent = k;
    tr.insertCell().textContent = v;
  }
  return t;
}

export function renderDetails(box: HTMLElement, d: StepDetails | undefined): void {
  box.textContent = '';
  if (d === undefined) {
    box.append(el('h2', '', 'Step details'), el('p', 'muted', 'Step forward (or click a step) to see what it asked, what it returned and what it traced.'));
    return;
  }
  box.append(el('h2', 'title', d.title));
  if (d.outcome !== undefined) {
    const p = el('p', 'outcome');
    // expect-, note and run steps make no call: they held or did not
    const said = d.outcome === 'ok' ? 'held' : d.outcome === 'failed' ? 'did not hold' : `returned ${d.outcome}`;
    p.append(el('span', d.ok === false ? 'messages' : '', `${d.ok === false ? '✗' : '✓'} ${said}`));
    box.append(p);
  }
  if (d.note) box.append(el('p', 'muted', d.note));
  if (d.messages.length > 0) {
    const ul = el('ul', 'messages');
    for (const m of d.messages) ul.append(el('li', '', m));
    box.append(ul);
  }
  if (d.asked.length > 0) box.append(el('h2', '', 'Arguments'), table(d.asked, 'asked'));
  box.append(el('h2', '', d.entries.length === 0 ? 'Trace: nothing traced' : `Trace (${d.entries.length})`));
  for (const e of d.entries) {
    box.append(el('div', `entry ${e.kind}`, formatEntry(e)));
    const rows = entryFields(e);
    if (rows.length > 0) box.append(table(rows, 'fields'));
  }
}
