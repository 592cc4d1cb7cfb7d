/**
 * The bundled machines as plain JSON: the default (fixtures/topologies/default.json), what
 * `new Host()` boots with no argument, and the others a command line may name
 * (`vfio-sim machine server`).
 */
import json from '../../fixtures/topologies/default.json' with { type: 'json' };
import server from '../../fixtures/topologies/server.json' with { type: 'json' };

export const defaultTopologyJson: unknown = json;

/** Bundled machines by name: `default` (the workstation) and `server` (Skylake-SP with CBDMA). */
export const bundledTopologies: Readonly<Record<string, unknown>> = { default: json, server };
