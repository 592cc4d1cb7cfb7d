/**
 * `vfio-sim exec`: run an unmodified C program (x86-64 Linux) against a simulated machine
 * through the preload library; `vfio-sim shim --path`: where that library is (built on
 * first use). The real work is in src/host/exec; this file parses options and reports.
 */
import { parseArgs } from 'node:util';
import { Host } from '../../../host/host.js';
import { DEFAULT_MMIO_NS, runProgram } from '../../../host/exec/run.js';
import { ensureShim, ShimError } from '../../../host/exec/shim-build.js';
import { EXIT_OK, UsageError, type CliCommand, type CliIo } from '../io.js';
import { loadTopologyArg } from '../load.js';

const HELP = `Usage: vfio-sim exec [--machine FILE|NAME] [--vfio BDF]... [--uid N] [--trace FILE]
                     [--mmio-ns N] -- PROGRAM [ARGS...]

Examples:
  vfio-sim exec --vfio 0000:06:00.0 -- ./my-driver 0000:06:00.0
  vfio-sim exec --machine server --vfio 0000:00:04.0 --trace run.trace -- ./vfio_pci_driver_test

Boots a simulated machine (the bundled default machine unless --machine names a topology
file or a bundled machine such as 'default'), binds each --vfio device to vfio-pci, and runs
PROGRAM with vfio-sim's preload library, stdio passed through. PROGRAM's calls on
/dev/vfio, /dev/iommu, /sys/bus/pci, /sys/kernel/iommu_groups and /sys/module/*/parameters
go to the simulated kernel; BAR mmaps trap every load and store into the device model; DMA
reads and writes PROGRAM's own memory. Exits with PROGRAM's status (128 + signal number when
a signal killed it).

  --machine FILE|NAME  topology file, or a bundled machine's name
  --vfio BDF           bind this device to vfio-pci first (repeatable)
  --uid N              run PROGRAM's simulated process as uid N (the --vfio devices' group
                       and cdev nodes are chowned to it, as an administrator would)
  --trace FILE         write the run's deterministic trace to FILE
  --mmio-ns N          virtual nanoseconds each MMIO access costs (default ${DEFAULT_MMIO_NS})

The library is compiled with the system's cc on first use (vfio-sim shim --path shows where).
See docs/c-programs.md for what is intercepted, the time policy and the limits.`;

function parseNumber(name: string, v: string | undefined, dflt: bigint): bigint {
  if (v === undefined) return dflt;
  if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(v)) throw new UsageError(`--${name} must be a non-negative integer (got ${v})`);
  return BigInt(v);
}

/** Let uid N use the devices' group and cdev nodes, as `chown` by an administrator does. */
function giveDevices(host: Host, bdfs: readonly string[], uid: number): void {
  const root = host.spawn();
  for (const bdf of bdfs) {
    const group = root.readlink(`/sys/bus/pci/devices/${bdf}/iommu_group`).split('/').pop()!;
    root.chown(`/dev/vfio/${group}`, uid, -1);
    for (const cdev of root.readdir(`/sys/bus/pci/devices/${bdf}/vfio-dev`)) root.chown(`/dev/vfio/devices/${cdev}`, uid, -1);
  }
  root.exit();
}

async function runExec(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { machine: { type: 'string' }, vfio: { type: 'string', multiple: true }, uid: { type: 'string' }, trace: { type: 'string' }, 'mmio-ns': { type: 'string' } },
  });
  const [program, ...args] = positionals;
  if (program === undefined) throw new UsageError('exec needs a PROGRAM to run (vfio-sim exec [options] -- PROGRAM [ARGS...])');
  const uid = Number(parseNumber('uid', values.uid, 0n));
  const mmioNs = parseNumber('mmio-ns', values['mmio-ns'], DEFAULT_MMIO_NS);
  const host = new Host(loadTopologyArg(io, values.machine));
  // Without --trace nobody reads the trace: record nothing, so a long run (a selftest's
  // 65,535-fold interrupt storm) neither grows it nor pays for formatting its entries.
  if (values.trace === undefined) host.trace.enabled = false;
  const bdfs = values.vfio ?? [];
  for (const bdf of bdfs) {
    try {
      host.bind(bdf, 'vfio-pci');
    } catch (e) {
      throw new UsageError(`--vfio ${bdf}: ${(e as Error).message}`);
    }
  }
  if (uid !== 0) giveDevices(host, bdfs, uid);
  let status: number;
  try {
    status = (await runProgram(host, { program, args, uid, mmioNs })).status;
  } catch (e) {
    if (e instanceof ShimError) throw new UsageError(e.message);
    if ((e as { code?: unknown }).code === 'ENOENT') throw new UsageError(`${program}: no such program`);
    throw e;
  }
  if (values.trace !== undefined) io.writeFile(values.trace, `${host.trace.toString()}\n`);
  return status;
}

export const execCommand: CliCommand = {
  name: 'exec',
  summary: 'run an unmodified C VFIO program (x86-64 Linux) against a simulated machine',
  help: HELP,
  run() {
    throw new UsageError('exec runs a real program: use the vfio-sim executable (runCliAsync)');
  },
  runAsync: runExec,
};

export const shimCommand: CliCommand = {
  name: 'shim',
  summary: "print where exec's preload library is (building it with cc if needed)",
  help: `Usage: vfio-sim shim --path

Builds vfio-sim's preload library from native/vfio-sim-shim.c with the system's cc when the
cache lacks it, and prints its path. LD_PRELOAD alone does not connect a program to a
simulator: run it with vfio-sim exec.`,
  run(argv, io) {
    const { values } = parseArgs({ args: argv, strict: true, options: { path: { type: 'boolean' } } });
    if (!values.path) throw new UsageError('shim takes --path');
    try {
      io.out(ensureShim());
    } catch (e) {
      if (e instanceof ShimError) throw new UsageError(e.message);
      throw e;
    }
    return EXIT_OK;
  },
};

