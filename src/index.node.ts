/**
 * vfio-sim on Node: everything src/index.ts exports, with a `loadTopology` that also reads a
 * topology file by path (src/host/topology-file.node.ts). The package's `node` export condition
 * points here; browsers and bundlers get src/index.ts, which reads no files.
 * @packageDocumentation
 */
export * from './index.js';
export { loadTopology } from './host/topology-file.node.js';
