/**
 * The texts of Node's argument errors, worded as Node words them: ERR_INVALID_ARG_TYPE (a
 * TypeError) and ERR_OUT_OF_RANGE (a RangeError); errors.ts builds the errors. The rules are Node's own (lib/internal/errors.js,
 * v20: the ERR_INVALID_ARG_TYPE and ERR_OUT_OF_RANGE message builders, determineSpecificType,
 * addNumericalSeparator, formatList), so a script that matches Node's `fs` messages matches
 * ours; node-error-texts.test.ts compares them with the running Node's.
 *
 * Node prints a few values with util.inspect, which src/ cannot import (it also runs in a
 * browser): numbers (only -0 needs care), and an object whose constructor has no name.
 * For the latter, null-prototype plain objects and arrays are printed exactly; any other
 * nameless object prints `[Object]` (Node's inspect may name its prototype chain instead).
 */

/** The `typeof` names Node prints as `of type …` (its kTypes). */
const TYPE_NAMES: readonly string[] = ['string', 'function', 'number', 'object', 'Function', 'Object', 'boolean', 'bigint', 'symbol'];
/** A class name Node prints as `an instance of …`. */
const CLASS_NAME = /^[A-Z][a-zA-Z0-9]*$/;

/**
 * The message of Node's ERR_INVALID_ARG_TYPE. `name` is the parameter (`"fd" argument`), a
 * dotted path (`"arg.flags" property`), or a phrase ending in ` argument` (`The first
 * argument`). `expected` is as Node takes it: a type name (`'number'`), a class name
 * (`'Uint8Array'`), or a list of them; other list entries are worded as given (`an` before a
 * capitalised one). A lone string that is neither a type nor a class name is the simulator's
 * own phrase for a shape Node has no name for (`'an array of { iova, length }'`), printed as
 * given.
 */
export function invalidArgTypeMessage(name: string, expected: string | readonly string[], actual: unknown): string {
  const subject = name.endsWith(' argument') ? name : `"${name}" ${name.includes('.') ? 'property' : 'argument'}`;
  return `The ${subject} must be ${expectedText(expected)}. Received ${determineSpecificType(actual)}`;
}

/**
 * The message of Node's ERR_OUT_OF_RANGE: `It must be ${range}`, then the value as Node prints
 * it (an integer beyond ±2^32 and a bigint beyond ±2^32 with `_` between thousands).
 */
export function outOfRangeMessage(name: string, range: string, actual: number | bigint): string {
  return `The value of "${name}" is out of range. It must be ${range}. Received ${rangeReceived(actual)}`;
}

function expectedText(expected: string | readonly string[]): string {
  if (typeof expected === 'string' && !TYPE_NAMES.includes(expected) && !CLASS_NAME.test(expected)) return expected;
  const list = typeof expected === 'string' ? [expected] : expected;
  const types = list.filter((e) => TYPE_NAMES.includes(e)).map((e) => e.toLowerCase());
  const instances = list.filter((e) => !TYPE_NAMES.includes(e) && CLASS_NAME.test(e));
  const other = list.filter((e) => !TYPE_NAMES.includes(e) && !CLASS_NAME.test(e));
  // With classes allowed, a plain `object` is named as the class Object after them.
  const objectAt = types.indexOf('object');
  if (instances.length > 0 && objectAt !== -1) {
    types.splice(objectAt, 1);
    instances.push('Object');
  }
  const parts: string[] = [];
  if (types.length > 0) parts.push(`${types.length > 1 ? 'one of type' : 'of type'} ${formatList(types, 'or')}`);
  if (instances.length > 0) parts.push(`an instance of ${formatList(instances, 'or')}`);
  if (other.length > 1) parts.push(`one of ${formatList(other, 'or')}`);
  else if (other.length === 1) parts.push(`${other[0]!.toLowerCase() !== other[0] ? 'an ' : ''}${other[0]}`);
  return parts.join(' or ');
}

/** `a`, `a or b`, `a, b, or c`. */
function formatList(list: readonly string[], conjunction: string): string {
  if (list.length <= 2) return list.join(` ${conjunction} `);
  return `${list.slice(0, -1).join(', ')}, ${conjunction} ${list[list.length - 1]}`;
}

/** What Node prints after `Received` in ERR_INVALID_ARG_TYPE. */
function determineSpecificType(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  switch (typeof v) {
    case 'bigint': return `type bigint (${v}n)`;
    case 'number': return `type number (${numberText(v)})`;
    case 'boolean': return `type boolean (${v})`;
    case 'symbol': return `type symbol (${String(v)})`;
    case 'function': return `function ${v.name}`;
    case 'string': {
      const s = v.length > 28 ? `${v.slice(0, 25)}...` : v;
      return s.includes("'") ? `type string (${JSON.stringify(s)})` : `type string ('${s}')`;
    }
    default: return objectText(v as object);
  }
}

function objectText(o: object): string {
  const ctor: unknown = (o as { constructor?: unknown }).constructor;
  if (ctor !== null && ctor !== undefined && (typeof ctor === 'object' || typeof ctor === 'function') && 'name' in ctor) {
    return `an instance of ${String((ctor as { name: unknown }).name)}`;
  }
  if (Object.getPrototypeOf(o) !== null) return '[Object]';
  const isArray = Array.isArray(o);
  const kind = isArray ? 'Array' : 'Object';
  const keys = [...Object.keys(o), ...Object.getOwnPropertySymbols(o).filter((k) => Object.prototype.propertyIsEnumerable.call(o, k))];
  const empty = (isArray ? (o as unknown[]).length === 0 : true) && keys.length === 0;
  if (!empty) return `[${kind}: null prototype]`;
  return isArray ? '[Array(0): null prototype] []' : '[Object: null prototype] {}';
}

/** A number as util.inspect prints it: String(), except that -0 keeps its sign. */
function numberText(n: number): string {
  return Object.is(n, -0) ? '-0' : String(n);
}

function rangeReceived(v: number | bigint): string {
  if (typeof v === 'bigint') {
    const s = String(v);
    return `${v > 1n << 32n || v < -(1n << 32n) ? addNumericalSeparator(s) : s}n`;
  }
  if (Number.isInteger(v) && Math.abs(v) > 2 ** 32) return addNumericalSeparator(String(v));
  return numberText(v);
}

/** `1_099_511_627_776`: `_` before every third digit from the right (Node's, meant for integers). */
function addNumericalSeparator(s: string): string {
  const start = s.startsWith('-') ? 1 : 0;
  let res = '';
  let i = s.length;
  for (; i >= start + 4; i -= 3) res = `_${s.slice(i - 3, i)}${res}`;
  return `${s.slice(0, i)}${res}`;
}
