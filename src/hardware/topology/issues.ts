/**
 * Validation issues: a path into the input JSON (`pci[1].children[0].bdf`) and a message.
 * Every check in this layer reports through here so error text is uniform.
 */

export interface TopologyIssue {
  readonly path: string;
  readonly message: string;
}

/** A key that is not an identifier (`vfio.enable_unsafe_noiommu_mode`) prints as `["..."]`. */
export function formatPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (typeof s === 'string' && !/^[A-Za-z_$][\w$]*$/.test(s)) out += `[${JSON.stringify(s)}]`;
    else out += out === '' ? String(s) : `.${String(s)}`;
  }
  return out === '' ? '(root)' : out;
}

/** Thrown by `parseTopology` when the input is not a valid machine. */
export class TopologyError extends Error {
  override readonly name = 'TopologyError';
  readonly issues: readonly TopologyIssue[];

  constructor(issues: readonly TopologyIssue[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
    this.issues = issues;
  }
}
