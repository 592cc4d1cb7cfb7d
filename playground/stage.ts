/**
 * What both modes show: the list of steps, the buttons that move along it (back as well
 * as forward), the picture of the machine at the current position, the details of the
 * step just done, and the trace so far. A mode supplies a Timeline; the stage draws it.
 */
import { formatEntry, type TraceEntry } from '../src/base/trace.js';
import { renderDetails, type StepDetails } from './details-view.js';

export interface TimelineItem {
  readonly label: string;
  /** undefined: not run yet. */
  readonly ok: boolean | undefined;
}

export interface Timeline {
  items(): readonly TimelineItem[];
  /** How many steps are done (0 … items().length). */
  position(): number;
  /** Move to `n` steps done (forward by running, back by replaying). */
  moveTo(n: number): void;
  /** How far moveTo may go (items not yet known, as a running code's, are not reachable). */
  end(): number;
  picture(): string;
  caption(): string;
  trace(): readonly TraceEntry[];
  details(): StepDetails | undefined;
  status(): { text: string; cls: '' | 'ok' | 'failed' };
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

export class Stage {
  private readonly ui = {
    reset: $<HTMLButtonElement>('reset'),
    back: $<HTMLButtonElement>('back'),
    step: $<HTMLButtonElement>('step'),
    run: $<HTMLButtonElement>('run'),
    status: $('status'),
    steps: $<HTMLOListElement>('steps'),
    picture: $('picture'),
    caption: $('picture-caption'),
    zoom: $<HTMLButtonElement>('zoom'),
    details: $('details'),
    trace: $('trace'),
  };
  private timeline: Timeline | undefined;
  private listed = -1;

  constructor() {
    const go = (f: (t: Timeline) => number) => () => this.timeline && this.move(f(this.timeline));
    this.ui.reset.addEventListener('click', go(() => 0));
    this.ui.back.addEventListener('click', go((t) => t.position() - 1));
    this.ui.step.addEventListener('click', go((t) => t.position() + 1));
    this.ui.run.addEventListener('click', go((t) => t.end()));
    this.ui.steps.addEventListener('click', (e) => {
      const li = (e.target as HTMLElement).closest('li');
      if (li !== null && this.timeline) this.move(Number(li.dataset['index']) + 1);
    });
    // ← and → move back and forward, unless the user is typing
    document.addEventListener('keydown', (e) => {
      const typing = e.target instanceof HTMLElement && e.target.closest('textarea, input, select') !== null;
      if (typing || e.altKey || e.ctrlKey || e.metaKey || this.timeline === undefined) return;
      if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
        e.preventDefault();
        this.move(this.timeline.position() + (e.key === 'ArrowLeft' ? -1 : 1));
      }
    });
    this.ui.zoom.addEventListener('click', () => {
      const actual = this.ui.picture.classList.toggle('actual');
      this.ui.zoom.textContent = actual ? 'Fit to width' : 'Actual size';
    });
  }

  show(t: Timeline): void {
    this.timeline = t;
    this.listed = -1;
    this.render();
  }

  private move(n: number): void {
    const t = this.timeline!;
    t.moveTo(Math.max(0, Math.min(n, t.end())));
    this.render();
  }

  /** Redraw everything from the timeline (call after it changes). */
  render(): void {
    const t = this.timeline;
    if (t === undefined) return;
    const items = t.items();
    const pos = t.position();
    if (this.listed !== items.length) this.list(items);
    this.ui.steps.querySelectorAll('li').forEach((li, i) => {
      const it = items[i]!;
      li.className = [it.ok === undefined ? (i === pos ? 'next' : '') : it.ok ? 'ok' : 'failed', i === pos - 1 ? 'current' : ''].filter(Boolean).join(' ');
    });
    this.keepInView(this.ui.steps.querySelector<HTMLElement>('li.current, li.next'));
    const s = t.status();
    this.ui.status.textContent = s.text;
    this.ui.status.className = s.cls;
    this.ui.reset.disabled = pos === 0;
    this.ui.back.disabled = pos === 0;
    this.ui.step.disabled = pos >= t.end();
    this.ui.run.disabled = pos >= t.end();
    this.ui.picture.innerHTML = t.picture();
    this.ui.caption.textContent = t.caption();
    renderDetails(this.ui.details, t.details());
    this.ui.trace.textContent = '';
    const frag = document.createDocumentFragment();
    for (const e of t.trace()) {
      const span = document.createElement('span');
      span.className = e.kind;
      span.textContent = formatEntry(e);
      frag.appendChild(span);
    }
    this.ui.trace.appendChild(frag);
    this.ui.trace.scrollTop = this.ui.trace.scrollHeight;
  }

  /** Scroll the step list (only the list, never the page) so the current step shows. */
  private keepInView(li: HTMLElement | null): void {
    const list = this.ui.steps;
    if (li === null) return;
    const top = li.offsetTop;
    if (top < list.scrollTop || top + li.offsetHeight > list.scrollTop + list.clientHeight) list.scrollTop = Math.max(0, top - list.clientHeight / 3);
  }

  private list(items: readonly TimelineItem[]): void {
    this.listed = items.length;
    this.ui.steps.textContent = '';
    const frag = document.createDocumentFragment();
    items.forEach((it, i) => {
      const li = document.createElement('li');
      li.dataset['index'] = String(i);
      li.textContent = `${i}. ${it.label}`;
      frag.appendChild(li);
    });
    this.ui.steps.appendChild(frag);
  }
}
