/**
 * The bundled default machine (fixtures/topologies/default.json), as plain JSON for
 * `new Host()` with no argument.
 */
import json from '../../fixtures/topologies/default.json' with { type: 'json' };

export const defaultTopologyJson: unknown = json;
