/**
 * The playground's pure logic, without a browser: JSON error positions, the timeline's
 * replay and per-step trace slices, import rewriting (lines kept), source-map lines,
 * values shown in step details, and a scenario's machine named by path.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenarios/index.js';
import { entryFields, flatten, showValue } from '../../playground/lib/entry-fields.js';
import { lineColumn, parseJsonText } from '../../playground/lib/json-text.js';
import { lineMap } from '../../playground/lib/source-map.js';
import { stepValues } from '../../playground/lib/step-values.js';
import { moveTo, noteStep, runTo, stepEntries } from '../../playground/lib/timeline.js';
import { topologyName } from '../../playground/lib/topology-ref.js';
import { looksLikeTypeScript, moduleFor, rewriteImports, userFrame } from '../../playground/lib/user-code.js';

const fixture = (p: string): unknown => JSON.parse(readFileSync(new URL(`../../fixtures/${p}`, import.meta.url), 'utf8'));
const tour = parseScenario({ ...(fixture('scenarios/default.json') as object), topology: fixture('topologies/default.json') });

describe('JSON text', () => {
  it('gives the line and column of a syntax error, whatever the engine says', () => {
    const r = parseJsonText('{\n  "a": 1,\n  "b" 2\n}');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.line).toBe(3);
    expect(r.column).toBeGreaterThanOrEqual(6);
    expect(r.message).toMatch(/line 3 column/);
    expect(parseJsonText('[1, 2]')).toEqual({ ok: true, value: [1, 2] });
  });

  it('counts lines and columns from 1', () => {
    expect(lineColumn('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
  });
});

describe('timeline', () => {
  it('going back replays to the same state as stepping there', () => {
    const forward = runTo(tour, 7);
    const back = moveTo(runTo(tour, 12), 7);
    expect(back.position).toBe(7);
    expect(back.host.trace.list()).toEqual(forward.host.trace.list());
    expect(back.results).toEqual(forward.results);
    const same = runTo(tour, 3);
    expect(moveTo(same, 5)).toBe(same); // forward steps the same run
    expect(same.position).toBe(5);
  });

  it("slices the trace into a step's own entries", () => {
    const run = runTo(tour, 11);
    const entries = run.host.trace.list();
    const s10 = stepEntries(entries, 10);
    expect(s10.map((e) => e.text)).toEqual([expect.stringContaining('VFIO_IOMMU_MAP_DMA')]);
    expect(stepEntries(entries, 0).some((e) => e.text.includes('bound to vfio-pci'))).toBe(true);
    expect(stepEntries(entries, 0).some((e) => noteStep(e) !== undefined)).toBe(false);
    expect(stepEntries(entries, 1)).toEqual([]); // an expect-file step traces nothing
    expect(stepEntries(entries, 30)).toEqual([]);
  });
});

describe('step values', () => {
  it("works out a store's expressions and an ioctl's struct", () => {
    const run = runTo(tour, 19);
    const store = Object.fromEntries(stepValues(tour.steps[18]!, run.vars));
    expect(store['addr']).toMatch(/^\$bar \+ 0x80 = 0x7e[0-9a-f]+80$/);
    expect(store['size']).toBe('8');
    const map = Object.fromEntries(stepValues(tour.steps[10]!, run.vars));
    expect(map['arg.iova']).toBe('0x100000');
    expect(map['arg.argsz']).toBe('32 (0x20)');
    expect(map['fd']).toBe('container = 0');
    expect(Object.fromEntries(stepValues(tour.steps[7]!, run.vars))['arg']).toBe('VFIO_TYPE1v2_IOMMU = 3');
  });

  it('shows integers in hex past 9, bytes in hex, and any extra trace field', () => {
    expect(showValue(7n)).toBe('7');
    expect(showValue(0x1000n)).toBe('0x1000');
    expect(showValue(4096)).toBe('4096 (0x1000)');
    expect(showValue(Uint8Array.of(1, 0xab))).toBe('01 ab');
    expect(flatten({ a: { b: [1n, 2n] } })).toEqual([['a.b[0]', '1'], ['a.b[1]', '2']]);
    const e = { time: 0n, kind: 'syscall' as const, who: 'pid 1', text: 'x', fields: { iova: 0x100000n } };
    expect(entryFields(e)).toEqual([['fields.iova', '0x100000']]);
  });
});

describe('user code', () => {
  it('rewrites imports from the package (or the repository src) and keeps every line where it was', () => {
    const src = "import { Host, uapi as u, type Process } from 'vfio-sim';\nimport type { TraceEntry } from 'vfio-sim';\nimport {\n  EDU,\n} from '../src/hardware/devices/edu.js';\nexport function f() {}\nconst x = 1;\n";
    const out = rewriteImports(src);
    expect(out.split('\n').length).toBe(src.split('\n').length);
    expect(out.split('\n')[0]).toBe(`const { Host, uapi: u } = __import('vfio-sim', ["Host","uapi"]);`);
    expect(out.split('\n')[1]).toBe('');
    expect(out.split('\n')[2]).toContain(`__import('vfio-sim', ["EDU"])`);
    expect(out.split('\n')[5]).toBe('function f() {}');
    expect(out.split('\n')[6]).toBe('const x = 1;');
    expect(rewriteImports("import * as sim from 'vfio-sim/testing';")).toBe("const sim = __import('vfio-sim/testing', []);");
  });

  it('refuses imports the page cannot provide, naming the line', () => {
    expect(() => rewriteImports("\nimport fs from 'node:fs';")).toThrow(/line 2: .*not 'node:fs'/);
    expect(() => rewriteImports("import Host from 'vfio-sim';")).toThrow(/no default export/);
    expect(moduleFor('../src/index.js')).toBe('vfio-sim');
    expect(moduleFor('../src/testing/session.js')).toBe('vfio-sim/testing');
  });

  it('tells TypeScript from JavaScript, and finds the line in a stack', () => {
    expect(looksLikeTypeScript('const host: Host = new Host();')).toBe(true);
    expect(looksLikeTypeScript('interface X { a: number }')).toBe(true);
    expect(looksLikeTypeScript("const m = { flags: 0, name: 'x' };")).toBe(false);
    expect(userFrame('Error: x\n    at eval (driver.js:7:11)\n', 'driver.js', 2)).toEqual({ line: 5, column: 11 });
    expect(userFrame('Error: x\n    at f (other.js:7:11)', 'driver.js', 0)).toBeUndefined();
  });

  it('reads the original line of each generated line from a source map', () => {
    // generated line 1 ← source line 1, line 2 unmapped, line 3 ← source line 4
    expect(lineMap('AAAA;;AAGA')).toEqual([1, undefined, 4]);
  });

  it('names a bundled machine from a topology path', () => {
    expect(topologyName('../topologies/example-1.json')).toBe('example-1');
    expect(topologyName('../../topologies/threats-sw2.json')).toBe('threats-sw2');
    expect(topologyName('server')).toBe('server');
  });
});

describe("the trace's call and access details", () => {
  it('shows a call as strace does, one row per struct field, with what it wrote back', () => {
    const detail = {
      type: 'call', syscall: 'ioctl', ret: '0',
      args: [{ name: 'fd', value: '3' }, { name: 'request', value: 'VFIO_DEVICE_GET_REGION_INFO' }, { name: 'arg', value: { struct: 'vfio_region_info', fields: [{ name: 'argsz', value: '32' }, { name: 'index', value: '0' }] } }],
      out: { struct: 'vfio_region_info', fields: [{ name: 'size', value: '0x1000' }] },
    };
    const rows = entryFields({ time: 0n, kind: 'syscall', who: 'pid 1', text: 'ioctl(...)', detail } as never);
    expect(rows).toEqual([['fd', '3'], ['request', 'VFIO_DEVICE_GET_REGION_INFO'], ['arg.argsz', '32'], ['arg.index', '0'], ['returned', '0'], ['=> (written back).size', '0x1000']]);
    const failed = entryFields({ time: 0n, kind: 'syscall', who: 'pid 1', text: 'x', detail: { type: 'call', syscall: 'close', args: [{ name: 'fd', value: '9' }], ret: '-1', errno: 'EBADF', why: 'no such fd' } } as never);
    expect(failed).toEqual([['fd', '9'], ['returned', '-1 EBADF'], ['why', 'no such fd']]);
  });

  it('shows a load or store with its width, target and value', () => {
    const rows = entryFields({ time: 0n, kind: 'cpu', who: 'pid 1', text: 'store64 bar0+0x80 ← 0x100000', detail: { type: 'store', bytes: 8, addr: 0x7effffef0080n, target: 'bar0+0x80', value: 0x100000n } } as never);
    expect(rows).toEqual([['store', '8 byte(s) at bar0+0x80'], ['address', '0x7effffef0080'], ['value', '0x100000']]);
  });
});

describe('JSON lines', () => {
  it('finds the line each field path starts on, and the nearest ancestor of a missing one', async () => {
    const { pathLines, lineOfPath } = await import('../../playground/lib/json-lines.js');
    const text = JSON.stringify({ name: 'x', steps: [{ op: 'note', text: 'a' }, { op: 'ioctl', fd: 'c', request: 'NOPE', arg: { argsz: 8 } }] }, null, 2);
    const lines = pathLines(text);
    const at = (needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
    expect(lines.get('name')).toBe(at('"name"'));
    expect(lines.get('steps[1].request')).toBe(at('"NOPE"'));
    expect(lines.get('steps[1].arg.argsz')).toBe(at('"argsz"'));
    expect(lineOfPath(lines, 'steps[1].prot')).toBe(at('"op": "ioctl"') - 1); // the step's own "{"
    expect(lineOfPath(lines, 'steps[1].arg.argsz')).toBe(at('"argsz"'));
    expect(lineOfPath(lines, 'nowhere')).toBeUndefined();
    expect(pathLines('{"a": "b\\"c", "d": [1, {"e": null}]}').get('d[1].e')).toBe(1);
  });
});
