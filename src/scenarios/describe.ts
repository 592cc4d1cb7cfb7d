/** One line per scenario step, for the trace and the CLI. */
import type { Step } from './schema.js';
import { resolveRequest } from './args.js';
import { formatNs } from '../base/trace-format.js';

const show = (x: unknown): string => (typeof x === 'string' ? x : JSON.stringify(x));

/** One line for the trace and the CLI. */
export function describeStep(s: Step): string {
  switch (s.op) {
    case 'note': return s.text;
    case 'spawn': return `spawn ${s.as} (uid ${s.uid ?? 0})`;
    case 'exit': return `exit ${s.process ?? 'main'}`;
    case 'bind': return `bind ${s.bdf} to ${s.driver ?? '(no driver)'}`;
    case 'set-param': return `set ${s.param} = ${String(s.value)}`;
    case 'open': return `open ${s.path}${s.as ? ` as ${s.as}` : ''}`;
    case 'close': return `close ${show(s.fd)}`;
    case 'ioctl': return `ioctl(${show(s.fd)}, ${resolveRequest(s.request)?.name ?? String(s.request)})${s.as ? ` as ${s.as}` : ''}`;
    case 'mmap': return `mmap ${show(s.length)} bytes${s.fd !== undefined ? ` of ${show(s.fd)}` : ''}${s.as ? ` as ${s.as}` : ''}`;
    case 'munmap': return `munmap ${show(s.addr)}`;
    case 'eventfd': return `eventfd${s.as ? ` as ${s.as}` : ''}`;
    case 'read': return `read ${s.length} bytes from ${show(s.fd)}`;
    case 'write': return `write to ${show(s.fd)}`;
    case 'pread': return `pread ${s.length} bytes of ${show(s.fd)} at ${show(s.offset)}`;
    case 'pwrite': return `pwrite ${show(s.fd)} at ${show(s.offset)}`;
    case 'load': return `load ${s.size} bytes at ${show(s.addr)}`;
    case 'store': return `store at ${show(s.addr)}`;
    case 'read-file': return `read ${s.path}`;
    case 'write-file': return `write ${JSON.stringify(s.data)} to ${s.path}`;
    case 'chown': return `chown ${s.path} to ${s.uid ?? -1}:${s.gid ?? -1}`;
    case 'run': return s.ns === undefined ? 'run the clock until idle' : `run the clock ${typeof s.ns === 'number' && Number.isSafeInteger(s.ns) ? formatNs(BigInt(s.ns)) : `${show(s.ns)} ns`}`;
    case 'set': return `set ${s.var} = ${show(s.value)}`;
    case 'expect-memory': return `expect memory at ${show(s.addr ?? s.pa)}`;
    case 'expect-eventfd': return `expect eventfd ${show(s.fd)} = ${show(s.count)}`;
    case 'expect-faults': return `expect ${s.count ?? (s.entries?.length ?? 0)} IOMMU fault(s)`;
    case 'expect-file': return `expect ${s.path}`;
    case 'expect-trace': return `expect trace "${s.contains}"`;
  }
}
