/**
 * Our ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE texts against the running Node's, value by
 * value: Node's text comes from a real public call (fs.readSync, fs.openSync, Buffer.from,
 * Buffer.alloc, zlib.createGzip, writeBigUInt64LE), so the test fails if we drift from Node or
 * Node changes its wording.
 */
import { readSync, openSync } from 'node:fs';
import { createGzip } from 'node:zlib';
import { constants as bufferConstants } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { invalidArgType, outOfRange } from './errors.js';

function nodeError(f: () => unknown): { name: string; code: string; message: string } {
  try {
    f();
  } catch (e) {
    const err = e as Error & { code: string };
    return { name: err.constructor.name, code: err.code, message: err.message };
  }
  throw new Error('Node did not throw');
}

function ours(err: Error): { name: string; code: string; message: string } {
  return { name: err.constructor.name, code: (err as Error & { code: string }).code, message: err.message };
}

class Widget {}
const anonymous = new (class {})();
const nullProto = Object.create(null) as object;
const nullProtoFull = Object.assign(Object.create(null) as object, { a: 1 });
const nullProtoArray = Object.setPrototypeOf([1, 2], null) as object;
const nullProtoEmptyArray = Object.setPrototypeOf([], null) as object;
const nullProtoSymbolKey = Object.assign(Object.create(null) as object, { [Symbol('k')]: 1 });

/** Every value that is not a number (the ERR_INVALID_ARG_TYPE side of a `number` parameter). */
const NOT_NUMBERS: [string, unknown][] = [
  ['short string', 'x'],
  ['empty string', ''],
  ['28-char string (kept)', 'a'.repeat(28)],
  ['29-char string (cut at 25)', 'b'.repeat(29)],
  ['long string', 'a long string that Node cuts after 25 characters'],
  ["string with '", "it's"],
  ['string with "', 'say "hi"'],
  ['string with both quotes', `both ' and "`],
  ['long string with a quote', "a long string that isn't kept whole"],
  ['string with a newline', 'a\nb'],
  ['bigint', 5n],
  ['big bigint', 2n ** 70n],
  ['negative bigint', -(2n ** 40n)],
  ['null', null],
  ['undefined', undefined],
  ['true', true],
  ['false', false],
  ['empty array', []],
  ['array', [1, 2]],
  ['plain object', {}],
  ['object', { a: 1 }],
  ['class instance', new Widget()],
  ['instance of an anonymous class', anonymous],
  ['Uint8Array', new Uint8Array(2)],
  ['Map', new Map()],
  ['null-prototype object', nullProto],
  ['null-prototype object with a key', nullProtoFull],
  ['null-prototype object with a symbol key', nullProtoSymbolKey],
  ['null-prototype array', nullProtoArray],
  ['null-prototype empty array', nullProtoEmptyArray],
  ['object whose constructor has no name', { constructor: {} }],
  ['named function', function named() {}],
  ['arrow function', [() => 0][0]],
  ['class', Widget],
  ['symbol', Symbol('s')],
  ['symbol without description', Symbol()],
];

describe('ERR_INVALID_ARG_TYPE reads as Node words it', () => {
  it.each(NOT_NUMBERS)('a %s for a "number" argument (fs.readSync fd)', (_, v) => {
    expect(ours(invalidArgType('fd', 'number', v))).toEqual(nodeError(() => readSync(v as number, new Uint8Array(1))));
  });

  it.each(NOT_NUMBERS)('a %s for a dotted name is a "property" (zlib options.chunkSize)', (_, v) => {
    if (v === undefined) return; // zlib takes undefined as "use the default"
    expect(ours(invalidArgType('options.chunkSize', 'number', v))).toEqual(nodeError(() => createGzip({ chunkSize: v as number })));
  });

  it('a list of types and classes (fs.openSync path)', () => {
    for (const [, v] of NOT_NUMBERS.slice(10, 20)) {
      expect(ours(invalidArgType('path', ['string', 'Buffer', 'URL'], v))).toEqual(nodeError(() => openSync(v as string, "r")));
    }
  });

  it('a name ending in " argument", classes and a worded entry (Buffer.from)', () => {
    const expected = ['string', 'Buffer', 'ArrayBuffer', 'Array', 'Array-like Object'];
    for (const v of [5, true, Symbol('x'), undefined, null]) {
      expect(ours(invalidArgType('first argument', expected, v))).toEqual(nodeError(() => Buffer.from(v as unknown as string)));
    }
  });

  it('a class list alone (fs.readSync buffer)', () => {
    expect(ours(invalidArgType('buffer', ['Buffer', 'TypedArray', 'DataView'], 'x'))).toEqual(nodeError(() => readSync(0, 'x' as unknown as Uint8Array)));
  });

  it("moves plain object after the classes, as Node's builder does", () => {
    expect(invalidArgType('o', ['object', 'Buffer'], 1).message).toBe('The "o" argument must be an instance of Buffer or Object. Received type number (1)');
    expect(invalidArgType('o', ['number', 'string', 'boolean'], null).message).toBe('The "o" argument must be one of type number, string, or boolean. Received null');
    expect(invalidArgType('o', ['number', 'a thing', 'Some Thing'], null).message).toBe('The "o" argument must be of type number or one of a thing or Some Thing. Received null');
  });

  it("prints the simulator's own phrase as given", () => {
    expect(invalidArgType('arg.ranges', 'an array of { iova, length }', 1).message).toBe('The "arg.ranges" property must be an array of { iova, length }. Received type number (1)');
  });
});

describe('ERR_OUT_OF_RANGE reads as Node words it', () => {
  const sizeRange = `>= 0 && <= ${bufferConstants.MAX_LENGTH}`;
  it.each([-1, -1.5, NaN, -Infinity, Infinity, 2 ** 40, -(2 ** 40), 2 ** 32 + 1, 1e21, 2 ** 53 + 2, -(2 ** 32) - 1])('%s (Buffer.alloc size)', (v) => {
    expect(ours(outOfRange('size', sizeRange, v))).toEqual(nodeError(() => Buffer.alloc(v)));
  });

  it.each([1.5, NaN, Infinity, 1e-7, -0.5])('%s is not an integer (fs.readSync fd)', (v) => {
    expect(ours(outOfRange('fd', 'an integer', v))).toEqual(nodeError(() => readSync(v, new Uint8Array(1))));
  });

  it.each([-0, 0, 63, -(2 ** 32), -(2 ** 32) - 1, -(2 ** 40), -5])('%s below a minimum (zlib options.chunkSize)', (v) => {
    expect(ours(outOfRange('options.chunkSize', '>= 64', v))).toEqual(nodeError(() => createGzip({ chunkSize: v })));
  });

  it.each([-1n, -(2n ** 32n), -(2n ** 32n) - 1n, 2n ** 64n, 2n ** 70n, -(2n ** 40n)])('%s (writeBigUInt64LE value)', (v) => {
    expect(ours(outOfRange('value', '>= 0n and < 2n ** 64n', v))).toEqual(nodeError(() => Buffer.alloc(8).writeBigUInt64LE(v)));
  });
});
