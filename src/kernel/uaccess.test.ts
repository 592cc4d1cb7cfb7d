/**
 * readStruct reads the common in-range value without building a Result; this pins that
 * shortcut to the field rules themselves (cInt / cU64, C truncation at the copied length):
 * for random values in and around every boundary, every decoded field of every uapi struct
 * equals what the rule gives, and a value the rule refuses fails the whole copy with the
 * rule's error.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STRUCTS, type StructField, type StructName } from '../uapi/structs.js';
import { cInt, cU64, readStruct, structReader, type UserArg } from './uaccess.js';

const NAMES = [...STRUCTS.keys()] as StructName[];

function decoded(f: StructField): boolean {
  return !f.union && f.kind !== 'flex' && f.kind !== 'struct' && f.kind !== 'array' && !f.pointer;
}

/** Mostly values the field holds (so whole structs get through), then its edges, then junk of either JS type. */
function valueArb(f: StructField): fc.Arbitrary<unknown> {
  const bits = f.size * 8;
  const wide = f.kind === 'u64' || f.kind === 's64';
  const edges = [0, 1, -1, 2 ** (bits - 1) - 1, 2 ** (bits - 1), -(2 ** (bits - 1)), -(2 ** (bits - 1)) - 1, 2 ** bits - 1, 2 ** bits];
  const held = wide ? fc.bigInt({ min: -(1n << 63n), max: (1n << 64n) - 1n }) : fc.integer({ min: -(2 ** (bits - 1)), max: 2 ** bits - 1 });
  const edge = wide ? fc.constantFrom(...edges.map((n) => BigInt(n)), (1n << 64n) - 1n, 1n << 64n, -(1n << 63n) - 1n) : fc.constantFrom(...edges);
  const junk = fc.constantFrom<unknown>(undefined, '7', 0.5, wide ? 7 : 7n, null);
  return fc.oneof({ arbitrary: held, weight: 8 }, { arbitrary: edge, weight: 4 }, { arbitrary: junk, weight: 1 });
}

/** What the rules give for one field read with `size` bytes copied. */
function byRule(f: StructField, v: unknown, size: number): { ok: true; value: number | bigint } | { ok: false } {
  const wide = f.kind === 'u64' || f.kind === 's64';
  const r = wide ? cU64(`arg.${f.name}`, v) : cInt(`arg.${f.name}`, v, f.size * 8, f.kind === 's32');
  if (!r.ok) return { ok: false };
  const inside = Math.max(0, Math.min(f.size, size - f.offset));
  if (inside === f.size) return r;
  if (typeof r.value === 'bigint') return { ok: true, value: r.value & ((1n << BigInt(inside * 8)) - 1n) };
  const u = (r.value < 0 ? r.value + 2 ** (f.size * 8) : r.value) % 2 ** (inside * 8);
  return { ok: true, value: f.kind === 's32' && inside === f.size && u >= 2 ** 31 ? u - 2 ** 32 : u };
}

describe('readStruct: the in-range shortcut answers as the field rules do', () => {
  it('every scalar field of every struct, at random copy lengths', () => {
    const sample = fc.constantFrom(...NAMES).chain((name) => {
      const layout = STRUCTS.get(name)!;
      const fields = layout.fields.filter(decoded);
      return fc.record({
        name: fc.constant(name),
        values: fc.tuple(...fields.map(valueArb)),
        size: fc.integer({ min: 0, max: layout.sizeof }),
      });
    });
    fc.assert(
      fc.property(sample, ({ name, values, size }) => {
        const fields = STRUCTS.get(name)!.fields.filter(decoded);
        const obj: UserArg = {};
        fields.forEach((f, i) => (obj[f.name] = values[i]));
        const got = readStruct(structReader(name), obj, size);
        const want = fields.map((f, i) => byRule(f, values[i], size));
        if (want.some((w) => !w.ok)) {
          expect(got.ok).toBe(false);
          return;
        }
        expect(got.ok).toBe(true);
        if (!got.ok) return;
        fields.forEach((f, i) => expect(got.value[f.name], `${name}.${f.name}`).toBe((want[i] as { value: unknown }).value));
      }),
      { numRuns: 2000 },
    );
  });

  it('the compiled copy answers as the general path, result and failure alike, for every struct with one', () => {
    const compiled = NAMES.filter((n) => structReader(n).fast !== null);
    expect(compiled).toContain('vfio_iommu_type1_dma_map');
    const sample = fc.constantFrom(...compiled).chain((name) => {
      const layout = STRUCTS.get(name)!;
      // pointers too: the compiled copy leaves NULL, 0 and objects to the general path
      const fields = layout.fields.filter((f) => !f.union && f.kind !== 'flex' && f.kind !== 'struct' && f.kind !== 'array');
      return fc.record({
        name: fc.constant(name),
        values: fc.tuple(...fields.map((f) => (f.pointer ? fc.oneof(valueArb(f), fc.constantFrom<unknown>(null, 0, [1, 2], {})) : valueArb(f)))),
        size: fc.oneof(fc.constant(layout.sizeof), fc.integer({ min: 0, max: layout.sizeof + 8 })),
        omit: fc.array(fc.nat(), { maxLength: 3 }),
      });
    });
    fc.assert(
      fc.property(sample, ({ name, values, size, omit }) => {
        const fields = STRUCTS.get(name)!.fields.filter((f) => !f.union && f.kind !== 'flex' && f.kind !== 'struct' && f.kind !== 'array');
        const obj: UserArg = {};
        fields.forEach((f, i) => {
          if (!omit.includes(i)) obj[f.name] = values[i];
        });
        const reader = structReader(name);
        const general = readStruct({ ...reader, fast: null }, obj, size);
        const got = readStruct(reader, obj, size);
        expect(got).toEqual(general);
        if (got.ok && general.ok) expect(Object.keys(got.value)).toEqual(Object.keys(general.value));
      }),
      { numRuns: 3000 },
    );
  });

  it('the first bad field in layout order is the one named', () => {
    const r = readStruct(structReader('vfio_iommu_type1_dma_map'), { argsz: 32, flags: 2 ** 33, iova: 'x' }, 32);
    expect(!r.ok && r.rangeError?.name).toBe('arg.flags');
  });
});
