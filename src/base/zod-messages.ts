/**
 * Messages for schema issues that say what was expected: zod's defaults ("Invalid input")
 * name neither the choices of a union nor what was found. Shared by the topology and
 * scenario schemas; passed to each safeParse (no
 * global zod configuration); a schema's own `error` text still wins.
 */
import type { z } from 'zod';

type RawIssue = z.core.$ZodRawIssue;

/** What a JSON value is, in the words of a JSON input file. */
function found(input: unknown): string {
  if (input === undefined) return 'nothing (the field is missing)';
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'string') return `the string ${JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input)}`;
  if (typeof input === 'object') return 'an object';
  return `${typeof input} ${String(input)}`;
}

/** "Invalid input: expected string" / "Invalid option: expected one of …" → the part after "expected". */
function expectedPart(message: string): string {
  const m = /expected (.*?)(?:[,;] (?:received|got) .*)?$/.exec(message);
  return m ? m[1]! : message.replace(/^Invalid (input|option|string): /, '');
}

export function explainIssue(iss: RawIssue): string | undefined {
  if (iss.code === 'invalid_type') return `expected ${iss.expected}, got ${found(iss.input)}`;
  if (iss.code === 'invalid_union' && 'errors' in iss && Array.isArray(iss.errors)) {
    const alternatives = iss.errors.map((alt) => (alt[0] ? expectedPart(alt[0].message) : 'something else'));
    return `expected ${[...new Set(alternatives)].join(', or ')}; got ${found(iss.input)}`;
  }
  if (iss.code === 'invalid_value') return `expected one of ${iss.values.map((v) => JSON.stringify(v)).join(', ')}; got ${found(iss.input)}`;
  return undefined;
}
