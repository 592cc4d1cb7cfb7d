/**
 * The published surface: every name README.md and docs/ tell a user to import from
 * 'vfio-sim' or 'vfio-sim/testing' exists, and `npm pack` ships what those entry points,
 * their source maps and the docs need — and not stale build output or generated API pages.
 */
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as main from '../../src/index.js';
import * as testing from '../../src/testing/index.js';

describe('public exports', () => {
  it("'vfio-sim' exports what the docs import", () => {
    for (const name of ['Host', 'Process', 'SystemError', 'SignalError', 'ERRNO', 'errnoNumber', 'errnoCode', 'uapi',
      'parseTopology', 'loadTopology', 'safeParseTopology', 'TopologyError', 'devices', 'scenario', 'DEFAULT_RLIMIT_MEMLOCK']) {
      expect(main, name).toHaveProperty(name);
    }
    // docs/device-models.md: `const { PciDeviceModel } = devices` and the edu register map used by drivers
    for (const name of ['PciDeviceModel', 'EduModel', 'EDU', 'DmaEngineModel', 'DMAE', 'NicModel', 'NIC', 'InertModel']) {
      expect(main.devices, `devices.${name}`).toHaveProperty(name);
    }
    expect(typeof main.devices.PciDeviceModel).toBe('function');
  });

  it("'vfio-sim/testing' exports the kit of docs/testing-kit.md", () => {
    for (const name of ['topologyArb', 'mappingArb', 'u64Arb', 'junkArb', 'structArgArb', 'syscallCommands', 'syscallWorld',
      'guardedStep', 'checkInvariants', 'observableState', 'openVfio', 'mapDma', 'enableDevice', 'barRead32', 'barWrite32',
      'IsolationLab', 'sw2Topology', 'HostileModel', 'SyscallWorld']) {
      expect(testing, name).toHaveProperty(name);
    }
  });
});

describe('npm pack contents', () => {
  const files = (() => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: new URL('../..', import.meta.url), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return new Set((JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path));
  })();

  it('ships both entry points with their types, the sources their maps point at, fixtures and docs', () => {
    // dist/ exists only after `npm run build` (npm pack builds first through "prepare")
    const built = existsSync(new URL('../../dist/src/index.js', import.meta.url))
      ? ['dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/testing/index.js', 'dist/src/testing/index.d.ts'] : [];
    for (const f of [...built, 'src/index.ts', 'src/process/process.ts', 'fixtures/topologies/default.json', 'fixtures/schema/topology.schema.json',
      'docs/device-models.md', 'docs/testing-kit.md', 'docs/devices/nic.md', 'README.md', 'package.json']) {
      expect(files.has(f), f).toBe(true);
    }
  });

  it('leaves out unit tests, generated API pages and stale top-level build output', () => {
    const unwanted = [...files].filter((f) => f.endsWith('.test.ts') || f.startsWith('docs/api/') || /^dist\/index\./.test(f));
    expect(unwanted).toEqual([]);
  });
});
