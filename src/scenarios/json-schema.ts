/**
 * The JSON Schemas of the two input formats, derived from the zod schemas (zod v4's
 * toJSONSchema, input side), so editors can check and complete scenario and topology
 * files. fixtures/schema/ holds them as files; a test keeps those current.
 */
import { z } from 'zod';
import { topologySchema } from '../hardware/topology/index.js';
import { scenarioSchema } from './schema.js';

const BASE = 'https://github.com/vfio-sim/vfio-sim/fixtures/schema';

function toSchema(schema: z.ZodType, id: string, title: string): Record<string, unknown> {
  const s = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  return { ...s, $id: `${BASE}/${id}`, title };
}

/** File name → JSON Schema document, in a fixed order. */
export function jsonSchemas(): ReadonlyArray<readonly [string, Record<string, unknown>]> {
  return [
    ['scenario.schema.json', toSchema(scenarioSchema, 'scenario.schema.json', 'vfio-sim scenario')],
    ['topology.schema.json', toSchema(topologySchema, 'topology.schema.json', 'vfio-sim topology')],
  ];
}

export function jsonSchemaText(doc: Record<string, unknown>): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
