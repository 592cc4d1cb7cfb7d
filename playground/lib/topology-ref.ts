/**
 * A scenario names its machine by path ("../topologies/example-1.json"); in the browser
 * there are no files, so the path's last part names a bundled machine (fixtures/topologies).
 */
export function topologyName(ref: string): string | undefined {
  const m = /([\w.-]+?)(\.json)?$/.exec(ref.trim());
  return m === null || m[1] === undefined || m[1] === '' ? undefined : m[1];
}
