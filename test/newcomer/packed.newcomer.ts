/**
 * The scripted newcomer (issue 15, "Must show"): what a new user does with the published
 * package, outside the repository. `npm pack` (which builds first, through "prepare"), then
 * in a fresh folder `npm install <tarball>` (its dependencies from the registry or npm's
 * cache), then the README's first example run as the README says to on Node 20 (saved as
 * example.mjs; and as example.ts compiled with tsc against the package's own types), and
 * the command line by machine and scenario name. Nothing here reaches into the repository
 * but the tarball and the TypeScript compiler.
 *
 * Run by `npm run test:newcomer` (and .ci/run), not `npm test`: see vitest.newcomer.config.ts
 * for why.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cannotRunC } from '../exec/support/c-programs.js';

const ROOT = resolve(import.meta.dirname, '../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The environment of a user's shell: none of the npm_* settings `npm test` hands its children (npm_config_local_prefix would point npm at the repository). */
function userEnv(): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig', 'npm_config_globalconfig', 'npm_config_prefer_offline', 'npm_config_offline']);
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|INIT_CWD$)/i.test(k) || keep.has(k.toLowerCase())));
}

function run(cmd: string, args: readonly string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, env: userEnv(), encoding: 'utf8', timeout: 240_000 });
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  if (r.error !== undefined) throw new Error(`${what}: ${r.error.message}`);
  expect(r.status, `${what} exited ${r.status}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

/** The first ```ts block of README's "A first example", and the outputs its comments promise. */
function readmeExample(): { code: string; expected: string[] } {
  const start = README.indexOf('## A first example');
  const m = /```ts\n([\s\S]*?)```/.exec(README.slice(start));
  if (start < 0 || m === null) throw new Error('README has no "A first example" TypeScript block');
  const code = m[1]!;
  const expected = code.split('\n').filter((l) => /console\.log\(.*\/\/ /.test(l)).map((l) => l.slice(l.lastIndexOf('// ') + 3).trim());
  return { code, expected };
}

describe('a newcomer installs the packed package and follows the README', () => {
  let work: string;
  let project: string;
  let packed: Set<string>;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'vfio-sim-newcomer-'));
    const pack = JSON.parse(ok(run('npm', ['pack', '--json', '--pack-destination', work], ROOT), 'npm pack')) as Array<{ filename: string; files: Array<{ path: string }> }>;
    packed = new Set(pack[0]!.files.map((f) => f.path));
    project = join(work, 'my-project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-project', private: true, type: 'module' }, null, 2));
    ok(run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, pack[0]!.filename)], project), 'npm install <tarball>');
  }, 300_000);

  afterAll(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('the tarball holds what the example and the commands need: both entries, their types, the bundled machines and scenarios, the shim source', () => {
    for (const f of ['dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/index.node.js', 'dist/src/index.node.d.ts', 'dist/src/tools/cli/main.js',
      'dist/fixtures/topologies/server.json', 'fixtures/topologies/example-4.json', 'fixtures/scenarios/04-dma-fault.json', 'native/vfio-sim-shim.c', 'README.md']) {
      expect(packed.has(f), f).toBe(true);
    }
  });

  it("runs the README's first example saved as example.mjs, printing what its comments say", () => {
    const { code, expected } = readmeExample();
    expect(expected.length).toBeGreaterThanOrEqual(4);
    writeFileSync(join(project, 'example.mjs'), code);
    const lines = ok(run(process.execPath, ['example.mjs'], project), 'node example.mjs').trimEnd().split('\n');
    expect(lines).toHaveLength(expected.length);
    // a comment may say more than the output ("0 (VFIO_API_VERSION)"); it must start with it
    lines.forEach((l, i) => expect(expected[i]!.startsWith(l.trim()) && l.trim() !== '', `line ${i}: ${l} vs // ${expected[i]}`).toBe(true));
  });

  it('compiles the same example as TypeScript against the installed types, as the README says for Node 20', () => {
    writeFileSync(join(project, 'example.ts'), readmeExample().code);
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    ok(run(process.execPath, [tsc, '--module', 'nodenext', '--target', 'es2022', '--outDir', 'out', 'example.ts'], project), 'tsc example.ts');
    expect(ok(run(process.execPath, ['out/example.js'], project), 'node out/example.js')).toContain('EINVAL -22 vfio_ioctl_set_iommu');
  }, 120_000);

  it('npx vfio-sim machine server / groups example-4 --algorithm both: bundled machines by name', () => {
    const server = ok(run('npx', ['vfio-sim', 'machine', 'server'], project), 'npx vfio-sim machine server');
    expect(server).toMatch(/^machine: server/);
    expect(server).toMatch(/0000:00:04\.0 .*/);
    const groups = ok(run('npx', ['vfio-sim', 'groups', 'example-4', '--algorithm', 'both'], project), 'npx vfio-sim groups example-4 --algorithm both');
    expect(groups).toMatch(/^classic:\n[\s\S]*\nbus-isolation:\n[\s\S]*The two algorithms form DIFFERENT groups\./);
  }, 60_000);

  it('a bundled scenario by name prints a trace with decoded ioctl structs and MMIO values', () => {
    const out = ok(run('npx', ['vfio-sim', 'run', 'default'], project), 'npx vfio-sim run default');
    expect(out).toContain('ioctl(0, VFIO_IOMMU_MAP_DMA, {argsz=32, flags=VFIO_DMA_MAP_FLAG_READ|VFIO_DMA_MAP_FLAG_WRITE, vaddr=0x');
    expect(out).toMatch(/cpu {5}pid 2: store64 bar0\+0x80 ← 0x0000000000100000/);
    expect(out).toMatch(/✓ all \d+ steps held/);
  }, 60_000);

  it('a topology file of your own: by path from the CLI and from loadTopology (the Node entry)', () => {
    copyFileSync(join(project, 'node_modules/vfio-sim/fixtures/topologies/example-4.json'), join(project, 'my-machine.json'));
    expect(ok(run('npx', ['vfio-sim', 'machine', 'my-machine.json'], project), 'npx vfio-sim machine my-machine.json')).toMatch(/^machine: /);
    const script = "import { loadTopology, Host } from 'vfio-sim'; const t = loadTopology('my-machine.json'); console.log(t.functions.length === loadTopology('example-4').functions.length, new Host(t).spawn().readdir('/dev/vfio').length > 0);";
    expect(ok(run(process.execPath, ['--input-type=module', '-e', script], project), 'loadTopology(path)').trim()).toBe('true true');
  }, 60_000);

  it.skipIf(cannotRunC() !== null)('vfio-sim exec runs a real program against the simulated sysfs (the shim builds from the installed native/)', () => {
    const out = ok(run('npx', ['vfio-sim', 'exec', '--vfio', '0000:06:00.0', '--', '/bin/cat', '/sys/bus/pci/devices/0000:06:00.0/vendor', '/sys/bus/pci/devices/0000:06:00.0/driver_override'], project), 'npx vfio-sim exec -- cat');
    expect(out).toBe('0x1234\nvfio-pci\n');
  }, 60_000);
});
