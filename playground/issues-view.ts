/** Problems with the user's input, shown next to the editor they came from, each with its field path. */
export interface Issue {
  readonly path: string;
  readonly message: string;
}

export function showIssues(box: HTMLElement, title: string, issues: readonly Issue[]): void {
  box.textContent = '';
  if (issues.length === 0) return;
  const head = document.createElement('strong');
  head.textContent = title;
  const ul = document.createElement('ul');
  for (const i of issues) {
    const li = document.createElement('li');
    const code = document.createElement('code');
    code.textContent = i.path || '(root)';
    li.append(code, `: ${i.message}`);
    ul.appendChild(li);
  }
  box.append(head, ul);
}

export function showText(box: HTMLElement, text: string): void {
  box.textContent = text;
}
