/**
 * Unmodified C programs against the simulator through `vfio-sim exec`'s preload library:
 * each test compiles a program of test/exec/c with cc, runs it, and checks what it printed
 * and what the simulated machine saw.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import * as uapi from '../../src/uapi/index.js';
import { Host } from '../../src/host/host.js';
import { bundledTopologies } from '../../src/hardware/default-machine.js';
import { cannotRunC, CPrograms, runC } from './support/c-programs.js';
import { noIommuMachine } from '../support/vfio.js';

const why = cannotRunC();
if (why !== null) console.warn(`test/exec: C programs skipped: ${why}`);

describe.skipIf(why !== null)('C programs under vfio-sim exec', () => {
  let progs: CPrograms;
  beforeAll(() => {
    progs = new CPrograms();
  });
  afterAll(() => rmSync(progs.dir, { recursive: true, force: true }));

  it('runs the example of Documentation/driver-api/vfio.rst', async () => {
    const r = await runC(progs, 'vfio-rst');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('container=3 group=4 device=5\n');
    expect(r.stdout).toContain('device num_regions=9 num_irqs=5');
    expect(r.stdout).toContain('region 0 size=0x100000 offset=0x0 flags=0x7\n');
    expect(r.stdout).toContain('region 7 size=0x1000 offset=0x70000000000');
    expect(r.stdout).toMatch(/reset=0\nok\n$/);
    // the MAP_DMA reached the simulated type1 backend with the program's buffer
    expect(r.host.trace.toString()).toMatch(/ioctl\(\d+, VFIO_IOMMU_MAP_DMA, \{argsz=32, flags=VFIO_DMA_MAP_FLAG_READ\|VFIO_DMA_MAP_FLAG_WRITE, vaddr=0x[0-9a-f]+, iova=0x0, size=0x100000\}\) = 0/);
  }, 30_000);

  it('drives edu: MMIO through the trap, MSI on a real eventfd, DMA both ways through its own memory', async () => {
    const r = await runC(progs, 'edu-driver');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      [
        'ident=0x010000ed',
        'liveness=0xedcba987',
        'factorial(10)=3628800 irq_status=0x1 count=1',
        'dma to device: poll=1 irq_status=0x100',
        'dma to ram: done after a few polls',
        'copy matches',
        'unmapped 1048576 bytes',
        'ok',
        '',
      ].join('\n'),
    );
    expect(r.host.faults()).toEqual([]);
    // the 100 ms DMA timer ran on the virtual clock
    expect(r.host.clock.now()).toBeGreaterThanOrEqual(200_000_000n);
  }, 30_000);

  it('gives the same trace for the same program', async () => {
    const a = await runC(progs, 'edu-driver');
    const b = await runC(progs, 'edu-driver');
    expect(a.host.trace.toString()).toBe(b.host.trace.toString());
    expect(a.host.trace.toString()).toContain('VFIO_DEVICE_SET_IRQS');
  }, 30_000);

  it('runs the iommufd cdev flow, with the EMSGSIZE write-back of num_iovas', async () => {
    const r = await runC(progs, 'iommufd-cdev');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('cdev=vfio0 device=3 iommufd=4\n');
    expect(r.stdout).toContain('ranges first call: -1 Message too long num_iovas=2\n');
    expect(r.stdout).toContain('range 1: 0xfef00000-0xffffffffffff\n');
    expect(r.stdout).toContain('copy matches\n');
    expect(r.stdout).toMatch(/unmapped 8192\nok\n$/);
  }, 30_000);

  it('answers bad input with the errno Linux gives', async () => {
    const r = await runC(progs, 'bad-input');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      [
        'unknown ioctl: -1 ENOTTY',
        'unknown device ioctl: -1 ENOTTY',
        'GET_INFO NULL: -1 EFAULT',
        'GET_INFO bad pointer: -1 EFAULT',
        'MAP_DMA of unmapped memory: -1 EFAULT',
        'MAP_DMA writable of read-only memory: -1 EFAULT',
        'MAP_DMA read-only of read-only memory: 0 ok',
        'MAP_DMA argsz 8: -1 EINVAL',
        'GET_DEVICE_FD on a device fd: -1 ENOTTY',
        'close: 0 ok',
        'close again: -1 EBADF',
        'ok',
        '',
      ].join('\n'),
    );
  }, 30_000);

  it('ends a program whose MMIO instruction it cannot emulate, naming the bytes', async () => {
    const r = await runC(progs, 'undecodable');
    expect(r.stdout).toBe('ident=0x010000ed\n');
    expect(r.stderr).toMatch(/cannot emulate the instruction at 0x[0-9a-f]+ accessing MMIO address 0x[0-9a-f]+ \(bytes 83 /);
    expect(r.status).toBe(139);
    expect(r.signal).toBe('SIGSEGV');
  }, 30_000);

  it('drives the I/OAT channel of the server machine: reset, a copy descriptor, MSI-X, completion write-back', async () => {
    const host = new Host(bundledTopologies['server']);
    host.bind('0000:00:04.0', 'vfio-pci');
    const r = await runC(progs, 'ioat-copy', { host });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      [
        'chancnt=1 xfercap=20 cbver=0x33',
        'after reset: state=3',
        'msi-x=1 state=1 completed=0x10000000 chancmp=0x10000001',
        'copy matches chanerr=0x0',
        'ok',
        '',
      ].join('\n'),
    );
  }, 30_000);

  it('serves several threads of one program at once', async () => {
    const r = await runC(progs, 'threads');
    expect(r.status).toBe(0);
    for (let i = 0; i < 4; i++) expect(r.stdout).toContain(`thread ${i}: 400/400\n`);
  }, 30_000);

  it('a forked child shares the parent open files', async () => {
    const r = await runC(progs, 'fork');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('child: info=0 regions=9 ident=0x010000ed liveness=0xeeeeeeee\n');
    expect(r.stdout).toContain('parent: child exited 0; liveness=0xeeeeeeee\n');
    expect(r.stdout).toMatch(/parent: info=0\nok\n$/);
  }, 30_000);

  it('pinned memory the program unmaps stays the device\'s (Linux keeps pinned pages alive); a forked child gets its own copy', async () => {
    const r = await runC(progs, 'unmap-pinned');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('after fork: parent sees 0x11\n');
    // the device reads the old pages through the IOVA, not the new mapping at the same address
    expect(r.stdout).toContain('device read of the unmapped buffer: 0x11 (new mapping holds 0x22)\n');
    expect(r.stdout).toContain('device write to the unmapped buffer: reads back 0x33, new mapping holds 0x22\n');
    expect(r.stdout).toMatch(/unmapped 0x100000 bytes\nok\n$/);
    // the simulated process saw the munmap: the old buffer's pages are orphans until UNMAP_DMA
    expect(r.host.trace.toString()).toMatch(/munmap\(0x[0-9a-f]+, 0x100000\) = 0/);
  }, 30_000);

  it('answers /proc/<pid>/pagemap from the simulated process: present pages with the PFN the IOMMU maps, untouched ones absent', async () => {
    const r = await runC(progs, 'pagemap');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('page 0: present=1 pfn=nonzero; page 1: present=0\nafter MAP_DMA: same pfn=1, the IOMMU maps IOVA 0x100000 to it=1\nok\n');
  }, 30_000);
});

describe.skipIf(why !== null)('vfio-sim exec: processes and isolation', () => {
  let progs: CPrograms;
  beforeAll(() => {
    progs = new CPrograms();
  });
  afterAll(() => rmSync(progs.dir, { recursive: true, force: true }));

  it('a program killed while holding the device leaves nothing behind: the group opens again, viable, with no container', async () => {
    const r = await runC(progs, 'dies');
    expect(r.stdout).toBe('ident=0x010000ed\n');
    expect(r.status).toBe(128 + 9);
    const p = r.host.spawn();
    const group = p.open('/dev/vfio/17');
    const st = { argsz: 8, flags: 0 };
    p.ioctl(group, uapi.VFIO_GROUP_GET_STATUS, st);
    expect(st.flags).toBe(uapi.VFIO_GROUP_FLAGS_VIABLE);
    expect(r.host.trace.toString()).toMatch(/container 0 freed/);
  }, 30_000);

  it('a program without access to the group node gets EACCES (uid 1000, nodes root 0600)', async () => {
    const r = await runC(progs, 'vfio-rst', { uid: 1000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('open group: Permission denied\n');
  }, 30_000);

  it('two runs side by side do not see each other', async () => {
    const [a, b] = await Promise.all([runC(progs, 'edu-driver'), runC(progs, 'iommufd-cdev')]);
    expect(a.status).toBe(0);
    expect(b.status).toBe(0);
    expect(a.stdout).toContain('copy matches');
    expect(b.stdout).toContain('copy matches');
    expect(a.host.trace.toString()).not.toContain('/dev/iommu');
  }, 60_000);
  it('a no-IOMMU client: binds noiommu-vfioN, gets physical addresses with IOMMU_IOAS_NOIOMMU_GET_PA, DMAs to them', async () => {
    const host = new Host(noIommuMachine());
    host.bind('0000:00:03.0', 'vfio-pci');
    const r = await runC(progs, 'noiommu-get-pa', { host, args: ['0000:00:03.0'] });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      [
        'cdev=noiommu-vfio0',
        'flags=1: -1 Operation not supported',
        'unmapped iova: -1 No such file or directory',
        'offset kept: yes length=0x20',
        'page 0: length=4096',
        'copy by physical address matches',
        'ok',
        '',
      ].join('\n'),
    );
    expect(r.host.trace.toString()).toMatch(/IOMMU_IOAS_NOIOMMU_GET_PA/);
  }, 30_000);
});
