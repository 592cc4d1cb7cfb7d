/**
 * A plain-text code editor: a textarea beside a line-number gutter that scrolls with it,
 * Tab inserting two spaces, and a line that can be marked (the line an error points at).
 * A textarea keeps the page light and works with every browser feature (find, undo, paste,
 * screen readers); the driver code here is tens of lines, not a project.
 */
export class CodeEditor {
  readonly textarea: HTMLTextAreaElement;
  private readonly gutter: HTMLPreElement;
  private marked = new Set<number>();

  constructor(host: HTMLElement, opts: { id: string; label: string }) {
    const box = document.createElement('div');
    box.className = 'editor';
    this.gutter = document.createElement('pre');
    this.gutter.className = 'gutter';
    this.gutter.setAttribute('aria-hidden', 'true');
    this.textarea = document.createElement('textarea');
    this.textarea.id = opts.id;
    this.textarea.spellcheck = false;
    this.textarea.setAttribute('aria-label', opts.label);
    this.textarea.setAttribute('autocapitalize', 'off');
    this.textarea.setAttribute('autocomplete', 'off');
    box.append(this.gutter, this.textarea);
    host.appendChild(box);
    this.textarea.addEventListener('input', () => {
      this.marked.clear();
      this.renumber();
    });
    this.textarea.addEventListener('scroll', () => (this.gutter.scrollTop = this.textarea.scrollTop));
    this.textarea.addEventListener('keydown', (e) => this.onKey(e));
  }

  get value(): string {
    return this.textarea.value;
  }

  set value(text: string) {
    this.textarea.value = text;
    this.marked.clear();
    this.renumber();
    this.textarea.scrollTop = 0;
  }

  /** Mark a line (1-based) in the gutter and bring it into view; undefined clears the marks. */
  markLine(line: number | undefined): void {
    this.markLines(line === undefined ? [] : [line]);
  }

  /** Mark lines (1-based) in the gutter and bring the first into view. */
  markLines(lines: readonly number[]): void {
    this.marked = new Set(lines);
    this.renumber();
    const line = lines.length === 0 ? undefined : Math.min(...lines);
    if (line === undefined) return;
    const lineHeight = parseFloat(getComputedStyle(this.textarea).lineHeight) || 17;
    const top = (line - 1) * lineHeight;
    if (top < this.textarea.scrollTop || top > this.textarea.scrollTop + this.textarea.clientHeight - lineHeight * 2) this.textarea.scrollTop = Math.max(0, top - lineHeight * 3);
    this.gutter.scrollTop = this.textarea.scrollTop;
  }

  private renumber(): void {
    const n = this.textarea.value.split('\n').length;
    this.gutter.textContent = '';
    const frag = document.createDocumentFragment();
    for (let i = 1; i <= n; i++) {
      if (this.marked.has(i)) {
        const bad = document.createElement('span');
        bad.className = 'bad';
        bad.textContent = String(i);
        frag.append(bad, '\n');
      } else frag.append(`${i}\n`);
    }
    // room for a horizontal scrollbar under the last line
    frag.append('\n');
    this.gutter.appendChild(frag);
  }

  private onKey(e: KeyboardEvent): void {
    if (e.key !== 'Tab' || e.shiftKey || e.ctrlKey || e.altKey || e.metaKey) return;
    e.preventDefault();
    const t = this.textarea;
    const { selectionStart: a, selectionEnd: b } = t;
    t.setRangeText('  ', a, b, 'end');
    this.renumber();
  }
}
