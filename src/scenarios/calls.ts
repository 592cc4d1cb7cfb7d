/**
 * The scenario steps that make one call each, as a driver or administrator would (open,
 * ioctl, mmap, read/write, sysfs, chown, bind, ...): arguments are evaluated against the run's
 * variables, the call goes through the process skin, and its outcome is captured.
 */
import type { Host } from '../host/host.js';
import type { Process } from '../process/process.js';
import { convertArg, resolveRequest } from './args.js';
import { attempt, type Outcome } from './outcome.js';
import type { Step } from './schema.js';
import { evalFlags, evalValue, fromLe, leBytes, parseBytes, toNumber, ValueError, type Vars } from './values.js';

/** What a call step needs from the run: the host, the variables, the named processes and fds. */
export interface StepEnv {
  readonly host: Host;
  readonly vars: Vars;
  proc(name: string | undefined): Process;
  fd(ref: number | string): number;
}

/** Steps a driver or administrator makes: one call each, its outcome captured. */
export function callStep(env: StepEnv, step: Step, keepArg: (a: unknown) => void): Outcome {
  const v = (x: Parameters<typeof evalValue>[0]): bigint => evalValue(x, env.vars);
  const p = env.proc('process' in step ? step.process : undefined);
  switch (step.op) {
    case 'exit':
      return attempt(() => p.exit());
    case 'bind':
      return attempt(() => env.host.bind(step.bdf, step.driver));
    case 'set-param': {
      const [mod, name] = step.param.split('.');
      const val = typeof step.value === 'boolean' ? (step.value ? 'Y' : 'N') : String(step.value);
      return attempt(() => p.writeFile(`/sys/module/${mod}/parameters/${name}`, val));
    }
    case 'open': {
      const flags = step.flags === undefined ? 2 : toNumber(evalFlags(step.flags, env.vars), 'flags');
      return attempt(() => p.open(step.path, flags));
    }
    case 'close':
      return attempt(() => p.close(env.fd(step.fd)));
    case 'ioctl': {
      const req = resolveRequest(step.request);
      if (req === undefined) throw new ValueError(`${step.request} is not a VFIO or iommufd request name`);
      const arg = convertArg(req, step.arg, env.vars);
      keepArg(arg);
      const fd = env.fd(step.fd);
      return attempt(() => p.ioctl(fd, req.request, arg as object | number | string | undefined));
    }
    case 'mmap': {
      const fd = step.fd === undefined ? -1 : env.fd(step.fd);
      const args = [step.addr === undefined ? 0n : v(step.addr), v(step.length), toNumber(evalFlags(step.prot, env.vars), 'prot'), toNumber(evalFlags(step.flags, env.vars), 'flags'), fd, step.offset === undefined ? 0n : v(step.offset)] as const;
      return attempt(() => p.mmap(...args));
    }
    case 'munmap':
      return attempt(() => p.munmap(v(step.addr), v(step.length)));
    case 'eventfd': {
      const flags = step.flags === undefined ? 0 : toNumber(evalFlags(step.flags, env.vars), 'flags');
      return attempt(() => p.eventfd(step.initval ?? 0, flags));
    }
    case 'read':
      return attempt(() => p.read(env.fd(step.fd), step.length));
    case 'write': {
      const data = step.bytes !== undefined ? parseBytes(step.bytes) : leBytes(v(step.u64 ?? 0), 8);
      return attempt(() => p.write(env.fd(step.fd), data));
    }
    case 'pread':
      return attempt(() => p.pread(env.fd(step.fd), step.length, v(step.offset)));
    case 'pwrite': {
      const data = step.bytes !== undefined ? parseBytes(step.bytes) : leBytes(v(step.value ?? 0), step.size ?? 4);
      return attempt(() => p.pwrite(env.fd(step.fd), data, v(step.offset)));
    }
    case 'load': {
      const a = v(step.addr);
      return attempt(() => fromLe(p.readMem(a, step.size)));
    }
    case 'store': {
      const a = v(step.addr);
      const data = step.bytes !== undefined ? parseBytes(step.bytes) : leBytes(v(step.value ?? 0), step.size ?? 4);
      return attempt(() => p.writeMem(a, data));
    }
    case 'read-file':
      return attempt(() => p.readFile(step.path));
    case 'write-file':
      return attempt(() => p.writeFile(step.path, step.data));
    case 'chown':
      return attempt(() => p.chown(step.path, step.uid ?? -1, step.gid ?? -1));
    default:
      throw new ValueError(`step ${step.op} makes no call`);
  }
}
