/** Test helper: load a bundled topology fixture by name. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseTopology, type Topology } from '../../src/hardware/topology/index.js';

export const FIXTURE_DIR = fileURLToPath(new URL('../../fixtures/topologies/', import.meta.url));

export function fixtureJson(name: string): unknown {
  return JSON.parse(readFileSync(`${FIXTURE_DIR}${name}.json`, 'utf8'));
}

export function loadFixture(name: string): Topology {
  return parseTopology(fixtureJson(name));
}
