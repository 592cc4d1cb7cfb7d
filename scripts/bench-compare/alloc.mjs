// node alloc.mjs <driver.mjs> <tree> <n>: runs a driver under V8's sampling heap profiler with
// objects the GC already collected kept in the profile (`node --heap-prof` drops them, so it
// shows what is live at exit, not what a loop allocated), then prints the total sampled bytes
// and the top allocating functions. Run at two counts and difference the totals for bytes per
// operation (start-up cancels), as callgrind.sh does for instructions.
import { Session } from 'node:inspector/promises';
const s = new Session();
s.connect();
await s.post('HeapProfiler.enable');
await s.post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
process.argv.splice(1, 1); // the driver reads its own arguments from argv[2..]
await import(new URL(process.argv[1], `file://${process.cwd()}/`).href);
const { profile } = await s.post('HeapProfiler.stopSampling');
const bytes = new Map();
(function walk(node) {
  const f = node.callFrame;
  const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
  bytes.set(key, (bytes.get(key) ?? 0) + node.selfSize);
  for (const c of node.children) walk(c);
})(profile.head);
const total = [...bytes.values()].reduce((a, b) => a + b, 0);
console.log(`total ${total} bytes sampled`);
for (const [k, v] of [...bytes].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${(v / 1e6).toFixed(1).padStart(7)} MB ${k}`);
