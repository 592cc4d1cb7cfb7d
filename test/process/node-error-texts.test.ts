/**
 * The skin's TypeError / RangeError texts, end to end, against the running Node's for the
 * same kind of parameter (contract §3: the skin throws as Node's `fs` does). The value table
 * is in src/base/node-errors.test.ts; here each skin check is paired with a Node call that
 * validates the same way: an fd (fs.readSync's validateInt32 path, whose fd check is in
 * JavaScript), a count >= 0 (fs.createReadStream's `start`, validateInteger with min 0).
 */
import { readSync, createReadStream } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Host } from '../../src/index.js';

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return `${(e as Error).constructor.name} ${(e as { code?: string }).code}: ${(e as Error).message}`;
  }
  return 'no throw';
}

class Handle {}
const FD_VALUES: unknown[] = ['3', "it's", 'x'.repeat(40), 3n, 2n ** 70n, null, undefined, true, [3], {}, new Handle(), () => 3, function fd() {}, Symbol('fd'), 1.5, NaN, Infinity, -0.5];

describe('the skin words argument errors as Node does', () => {
  it.each(FD_VALUES)('close(%s) reads as Node for an fd', (v) => {
    const p = new Host().spawn();
    expect(messageOf(() => p.close(v as number))).toBe(messageOf(() => readSync(v as number, new Uint8Array(1))));
  });

  it.each(['x', null, 1.5, NaN, -1, -(2 ** 40), 2 ** 60])('host.run maxEvents %s reads as Node for a count (validateInteger, min 0)', (v) => {
    const ours = messageOf(() => new Host().run({ maxEvents: v as number }));
    const node = messageOf(() => createReadStream('/nonexistent', { start: v as number }).destroy());
    // Node's `start` is a lone name (argument); ours is a dotted path (property).
    expect(ours).toBe(node.replace('"start" argument', '"opts.maxEvents" property').replace('"start"', '"opts.maxEvents"'));
  });

  it('a bigint no register holds shows its digits grouped, as Node shows a bigint out of range', () => {
    const p = new Host().spawn();
    expect(messageOf(() => p.munmap(1n << 64n, 4096n))).toBe(
      'RangeError ERR_OUT_OF_RANGE: The value of "addr" is out of range. It must be >= -(2n ** 63n) and < 2n ** 64n. Received 18_446_744_073_709_551_616n',
    );
    expect(messageOf(() => new Host().advance(-(1n << 40n)))).toBe(
      'RangeError ERR_OUT_OF_RANGE: The value of "ns" is out of range. It must be >= 0n and < 2n ** 64n. Received -1_099_511_627_776n',
    );
  });

  it('a read length past MAX_RW_COUNT is worded as a validateInteger range', () => {
    const p = new Host().spawn();
    expect(messageOf(() => p.read(0, 2 ** 31))).toBe(
      'RangeError ERR_OUT_OF_RANGE: The value of "length" is out of range. It must be >= 0 && <= 2147479552. Received 2147483648',
    );
    expect(messageOf(() => p.write(0, [1] as unknown as Uint8Array))).toBe(
      'TypeError ERR_INVALID_ARG_TYPE: The "data" argument must be an instance of Uint8Array. Received an instance of Array',
    );
  });
});
