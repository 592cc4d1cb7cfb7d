/**
 * How a scenario writes values. Every value evaluates to a bigint first and is narrowed
 * where a number is needed:
 *
 * - a JSON number (an integer), or a string holding an expression;
 * - an expression is terms joined by `+`, `-`, `|`, `&`, `*`, `<<`, `>>`, evaluated strictly
 *   left to right (no precedence: write `(A << 40) + 4` with parentheses where it matters);
 * - a term is a literal (`4096`, `0x1000`, `0o755`, `0b101`), a variable (`$buf`, or a bare
 *   name an earlier step bound with `as`), a uapi constant by its Linux name
 *   (`VFIO_DMA_MAP_FLAG_READ`, `PROT_WRITE`), or `sizeof(struct_name)`;
 * - `{ "var": "buf", "plus": "0x1000" }` is the same as `"$buf + 0x1000"`.
 *
 * A bare name that is both a variable and a constant means the variable.
 */
import * as uapi from '../uapi/index.js';
import type { ValueInput } from './schema.js';

export type Vars = Map<string, bigint>;

export class ValueError extends Error {
  override readonly name = 'ValueError';
}

const CONSTANTS: ReadonlyMap<string, bigint> = new Map(
  Object.entries(uapi).flatMap(([k, v]) => (typeof v === 'number' && Number.isInteger(v) ? [[k, BigInt(v)] as const] : typeof v === 'bigint' ? [[k, v] as const] : [])),
);

const TOKEN = /\s*(?:(0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+|\d[\d_]*)|(\$?[A-Za-z_][A-Za-z0-9_]*)\s*(\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\))?|(<<|>>|[+\-|&*]))/y;

/**
 * Where names come from while evaluating: the run's variables, or (when checking a file
 * before it runs) only which names earlier steps will have set -- their values unknown.
 */
type Lookup = (name: string) => bigint | null | undefined;

/** A term's value; null is a value known only at run time (a variable while checking). */
type Val = bigint | null;

/** No value a 64-bit register could not hold (with room for `(1 << 64) - 1`) is ever built. */
const LIMIT = 1n << 64n;

function bounded(text: string, v: bigint): bigint {
  if (v > LIMIT || v < -LIMIT) throw new ValueError(`${JSON.stringify(text)}: the value is out of range (more than 64 bits)`);
  return v;
}

function term(text: string, lit: string | undefined, name: string | undefined, sizeofArg: string | undefined, lookup: Lookup): Val {
  if (lit !== undefined) return bounded(text, BigInt(lit.replaceAll('_', '')));
  const id = name!;
  if (sizeofArg !== undefined) {
    if (id !== 'sizeof') throw new ValueError(`${JSON.stringify(text)}: only sizeof(...) may take parentheses`);
    const s = uapi.structLayout(sizeofArg);
    if (s === undefined) throw new ValueError(`${JSON.stringify(text)}: no struct ${sizeofArg} in the uapi tables`);
    return BigInt(s.sizeof);
  }
  if (id.startsWith('$')) {
    const v = lookup(id.slice(1));
    if (v === undefined) throw new ValueError(`${JSON.stringify(text)}: variable ${id} is not set (an earlier step sets it with "as")`);
    return v;
  }
  const v = lookup(id);
  if (v !== undefined) return v;
  const c = CONSTANTS.get(id);
  if (c === undefined) throw new ValueError(`${JSON.stringify(text)}: ${id} is neither a variable nor a uapi constant (variables are set by an earlier step)`);
  return c;
}

function apply(text: string, op: string, a: Val, b: Val): Val {
  if ((op === '<<' || op === '>>') && b !== null && (b < 0n || b > 64n)) throw new ValueError(`${JSON.stringify(text)}: shift count ${b} is out of range (0 to 64)`);
  if (a === null || b === null) return null;
  switch (op) {
    case '+': return bounded(text, a + b);
    case '-': return bounded(text, a - b);
    case '|': return a | b;
    case '&': return a & b;
    case '*': return bounded(text, a * b);
    case '<<': return bounded(text, a << b);
    default: return a >> b;
  }
}

const INNER_PARENS = /(?<!sizeof\s*)\(([^()]*)\)/;

/** Evaluate an expression, each parenthesized part first (as a hidden name for its value). */
function evalWith(text: string, lookup: Lookup): Val {
  let src = text;
  const parts: Val[] = [];
  const inner: Lookup = (n) => (n.startsWith('__paren') && n.slice(7) !== '' && Number(n.slice(7)) < parts.length ? parts[Number(n.slice(7))]! : lookup(n));
  for (let m = INNER_PARENS.exec(src); m !== null; m = INNER_PARENS.exec(src)) {
    parts.push(evalTerms(m[1]!, text, inner));
    src = `${src.slice(0, m.index)} __paren${parts.length - 1} ${src.slice(m.index + m[0].length)}`;
  }
  return evalTerms(src, text, inner);
}

/** Evaluate an expression string (see the module comment). */
export function evalExpr(text: string, vars: Vars): bigint {
  return evalWith(text, (n) => vars.get(n))!;
}

function evalTerms(expr: string, text: string, lookup: Lookup): Val {
  let acc: Val | undefined;
  let op: string | null = null;
  let pos = 0;
  const src = expr.trim();
  if (src === '') throw new ValueError(`${JSON.stringify(text)}: an empty value`);
  while (pos < src.length) {
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(src);
    if (m === null) throw new ValueError(`${JSON.stringify(text)}: cannot read from "${src.slice(pos)}"`);
    pos = TOKEN.lastIndex;
    if (m[5] !== undefined) {
      if (acc === undefined && m[5] === '-') { acc = 0n; op = '-'; continue; }
      if (acc === undefined || op !== null) throw new ValueError(`${JSON.stringify(text)}: operator ${m[5]} needs a value on each side`);
      op = m[5];
      continue;
    }
    const v = term(text, m[1], m[2], m[3] === undefined ? undefined : m[4], lookup);
    if (acc !== undefined && op === null) throw new ValueError(`${JSON.stringify(text)}: two values without an operator between them`);
    acc = acc === undefined ? v : apply(text, op!, acc, v);
    op = null;
  }
  if (acc === undefined || op !== null) throw new ValueError(`${JSON.stringify(text)}: ends with an operator`);
  return acc;
}

function valueWith(v: ValueInput, lookup: Lookup): Val {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new ValueError(`${v} is not an integer (write large values as hex strings)`);
    return BigInt(v);
  }
  if (typeof v === 'string') return evalWith(v, lookup);
  const base = lookup(v.var);
  if (base === undefined) throw new ValueError(`variable ${v.var} is not set (an earlier step sets it with "as")`);
  return v.plus === undefined ? base : apply(JSON.stringify(v), '+', base, valueWith(v.plus, lookup));
}

/** Evaluate a scenario value to a bigint. */
export function evalValue(v: ValueInput, vars: Vars): bigint {
  return valueWith(v, (n) => vars.get(n))!;
}

/**
 * Check a value before the scenario runs: its syntax, its constants and structs, that
 * every variable it names is set by an earlier step (`known`), and, where it uses no
 * variable, its range. Throws ValueError; returns the value when it is known already.
 */
export function checkValue(v: ValueInput, known: ReadonlySet<string>): bigint | null {
  return valueWith(v, (n) => (known.has(n) ? null : undefined));
}

/** Flags: a value or a list OR-ed together. */
export function evalFlags(v: ValueInput | readonly ValueInput[], vars: Vars): bigint {
  return Array.isArray(v) ? v.reduce<bigint>((acc, x) => acc | evalValue(x as ValueInput, vars), 0n) : evalValue(v as ValueInput, vars);
}

/** A bigint that must fit a JS number (an int, fd, length). */
export function toNumber(v: bigint, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw new ValueError(`${what} = 0x${v.toString(16)} does not fit a number`);
  return Number(v);
}

/** Bytes from hex text ("de ad be ef", "deadbeef") or { text }. */
export function parseBytes(b: string | { text: string }): Uint8Array {
  if (typeof b !== 'string') return new TextEncoder().encode(b.text);
  const hex = b.replace(/^0x/, '').replace(/[\s_:]/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new ValueError(`${JSON.stringify(b)} is not hex bytes (pairs of hex digits, spaces allowed)`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function hexBytes(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');
}

/** Little-endian bytes of `v` in `size` bytes. */
export function leBytes(v: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = BigInt.asUintN(size * 8, v);
  for (let i = 0; i < size; i++) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

export function fromLe(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  return v;
}

export function hex(v: bigint | number): string {
  const b = BigInt(v);
  return b < 0n ? `-0x${(-b).toString(16)}` : `0x${b.toString(16)}`;
}
