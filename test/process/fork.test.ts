/**
 * fork(2) and exit as Linux does them for a VFIO user: a shared fd table, copied private
 * memory, shared MAP_SHARED and BAR mappings, pins that stay with the mm that took them.
 */
import { describe, expect, it } from 'vitest';
import { Host, uapi } from '../../src/index.js';
import { EDU as EDU_REGS } from '../../src/hardware/devices/edu.js';
import { EDU, map, setup, type1Of, unmap } from '../legacy/helpers.js';
import { attach, boundDevice, ioasAlloc, mapFixed, P } from '../iommufd/helpers.js';
import { anonBuffer, PROT_RW } from '../support/vfio.js';
import { errnoOf, expectErrno } from '../support/errno.js';
import { readU64le, u64le } from '../support/bytes.js';
import { capable, hasTask, lockedVm, openFds, openFile, pinnedFrames, rlimitMemlock, taskCount, usedFrames, vfioDevice, virtToPhys } from '../support/kernel-state.js';

const RID = 0x0600; // edu at 06:00.0

describe('fork: the fd table', () => {
  it('the child has the same fds on the same open file descriptions; closing one side leaves the other', () => {
    const { p, c, g } = setup();
    const efd = p.eventfd();
    const child = p.fork();
    expect(child.pid).not.toBe(p.pid);
    expect(openFds(child)).toEqual(openFds(p));
    expect(openFile(child, c)).toBe(openFile(p, c));
    expect(openFile(p, c)!.refs).toBe(2);
    child.write(efd, u64le(5n));
    expect(readU64le(p.read(efd, 8))).toBe(5n);
    child.close(g);
    expect(openFile(p, g)!.released).toBe(false);
    expect(p.ioctl(g, uapi.VFIO_GROUP_GET_STATUS, { argsz: 8, flags: 0 })).toBe(0);
    expectErrno(() => child.ioctl(g, uapi.VFIO_GROUP_GET_STATUS, { argsz: 8, flags: 0 }), 'EBADF');
    // fds 0-2 of a spawned process are inherited too, and the child's next fd is the lowest free one
    expect(child.open('/dev/null')).toBe(g);
  });

  it('a spawned process starts with fds 0, 1 and 2 open on /dev/null: its first open() returns 3', () => {
    const p = new Host().spawn();
    expect(openFds(p)).toEqual([0, 1, 2]);
    expect(p.open('/dev/vfio/vfio')).toBe(3);
    expect(p.read(0, 16).length).toBe(0);
    expect(p.write(1, Uint8Array.of(1, 2, 3))).toBe(3);
    const bare = new Host().spawn({ stdio: false });
    expect(bare.open('/dev/null')).toBe(0);
  });
});

describe('fork: type1 containers', () => {
  it('a MAP_DMA from the child pins the child\'s pages and charges the child; the parent may UNMAP it', () => {
    const { host, p, c } = setup();
    const va = anonBuffer(p, 0x2000n);
    p.writeMem(va, Uint8Array.of(0xaa));
    const child = p.fork();
    child.writeMem(va, Uint8Array.of(0xbb));
    map(child, c, va, 0x100000n, 0x2000n);
    expect(lockedVm(child)).toBe(2n);
    expect(lockedVm(p)).toBe(0n);
    expect(pinnedFrames(child)).toBe(2);
    expect(pinnedFrames(p)).toBe(0);
    const rd = host.iommu!.dmaRead(RID, 0x100000n, 1);
    expect(rd.ok && rd.data![0]).toBe(0xbb); // the child's copy, not the parent's page
    expect(unmap(p, c, 0x100000n, 0x2000n)).toBe(0x2000n);
    expect(lockedVm(child)).toBe(0n);
    expect(pinnedFrames(child)).toBe(0);
  });

  it('a page the parent pinned stays the parent\'s: the child gets a copy, and its writes never reach the device', () => {
    const { host, p, c } = setup();
    const va = anonBuffer(p, 0x1000n);
    p.writeMem(va, Uint8Array.of(1));
    map(p, c, va, 0n, 0x1000n);
    const pa = virtToPhys(p, va);
    const child = p.fork();
    expect(virtToPhys(child, va)).not.toBe(pa);
    expect(virtToPhys(p, va)).toBe(pa);
    expect(child.readMem(va, 1)[0]).toBe(1);
    child.writeMem(va, Uint8Array.of(2));
    p.writeMem(va, Uint8Array.of(3));
    const rd = host.iommu!.dmaRead(RID, 0n, 1);
    expect(rd.ok && rd.data![0]).toBe(3);
    expect(child.readMem(va, 1)[0]).toBe(2);
    expect(lockedVm(child)).toBe(0n);
    expect(lockedVm(p)).toBe(1n);
  });

  it('MAP_SHARED memory stays shared: a child\'s store is what the device reads through the parent\'s mapping', () => {
    const { host, p, c } = setup();
    const va = p.mmap(0n, 0x1000n, PROT_RW, uapi.MAP_SHARED | uapi.MAP_ANONYMOUS, -1, 0n);
    map(p, c, va, 0n, 0x1000n);
    const child = p.fork();
    expect(virtToPhys(child, va)).toBe(virtToPhys(p, va));
    child.writeMem(va, Uint8Array.of(0x5a));
    expect(p.readMem(va, 1)[0]).toBe(0x5a);
    const rd = host.iommu!.dmaRead(RID, 0n, 1);
    expect(rd.ok && rd.data![0]).toBe(0x5a);
    // the pages outlive the parent's munmap while the child maps them
    p.munmap(va, 0x1000n);
    expect(child.readMem(va, 1)[0]).toBe(0x5a);
  });

  it('exit releases what Linux releases: the child\'s own container and pins go; a shared container stays', () => {
    const host = new Host();
    const { p, c } = setup({ host });
    const child = p.fork();
    const va = anonBuffer(child, 0x1000n);
    map(child, c, va, 0n, 0x1000n);
    child.exit(0);
    // the container is still open in the parent: the mapping and its pin outlive the child
    expect(type1Of(p, c).dmas.size).toBe(1);
    expect(pinnedFrames(child)).toBe(1);
    unmap(p, c, 0n, 0x1000n);
    expect(pinnedFrames(child)).toBe(0);
    expect(hasTask(host, child.pid)).toBe(false);
    // a process that exits with the last reference releases the container, its DMA and locked_vm
    const q = p.fork();
    p.exit();
    const used = usedFrames(host);
    const vb = anonBuffer(q, 0x4000n);
    map(q, c, vb, 0n, 0x4000n);
    expect(lockedVm(q)).toBe(4n);
    q.exit();
    expect(lockedVm(q)).toBe(0n);
    expect(pinnedFrames(q)).toBe(0);
    expect(usedFrames(host)).toBe(used);
  });
});

describe('fork: credentials, rlimits, BAR mappings', () => {
  it('uid, capabilities and RLIMIT_MEMLOCK are copied', () => {
    const host = new Host();
    host.bind(EDU, 'vfio-pci');
    const user = host.spawn({ uid: 1000, gid: 1000, rlimitMemlock: 0x1000n });
    const child = user.fork();
    expect(child.uid).toBe(1000);
    expect(capable(child, 'CAP_IPC_LOCK')).toBe(false);
    expect(rlimitMemlock(child)).toBe(0x1000n);
    const group = user.readlink(`/sys/bus/pci/devices/${EDU}/iommu_group`).split('/').pop();
    expectErrno(() => child.open(`/dev/vfio/${group}`), 'EACCES');
  });

  it('a BAR mmap is inherited (VM_PFNMAP without VM_DONTCOPY) and keeps the device open in each process', () => {
    const { host, p, g } = setup();
    const dev = p.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD, EDU);
    const va = p.mmap(0n, 0x1000n, PROT_RW, uapi.MAP_SHARED, dev, 0n);
    const child = p.fork();
    const vdev = vfioDevice(host, EDU)!;
    p.close(dev);
    child.close(dev);
    p.munmap(va, 0x1000n);
    expect(vdev.openCount).toBe(1); // the child's inherited VMA holds the device file
    child.write32(va + BigInt(EDU_REGS.LIVENESS), 5);
    expect(child.read32(va + BigInt(EDU_REGS.LIVENESS))).toBe(~5 >>> 0);
    child.munmap(va, 0x1000n);
    expect(vdev.openCount).toBe(0);
  });
});

describe('fork: iommufd (selftest iommufd_ioas.fork_present / fork_gone)', () => {
  it('fork_present: the child maps into the parent\'s IOAS; attaching a domain later pins the child\'s pages', () => {
    const d = boundDevice();
    const ioas = ioasAlloc(d.p, d.fd);
    const va = anonBuffer(d.p, 4n * P);
    const child = d.p.fork();
    child.writeMem(va, Uint8Array.of(0x77));
    mapFixed(child, d.fd, ioas, va, 0x100000n, 4n * P);
    attach(d.p, d.dev, ioas);
    expect(pinnedFrames(child)).toBe(4);
    expect(pinnedFrames(d.p)).toBe(0);
    const rd = d.host.iommu!.dmaRead(RID, 0x100000n, 1);
    expect(rd.ok && rd.data![0]).toBe(0x77);
  });

  it('fork_gone: with a domain the pages were pinned within the child and outlive it; without one, a later attach is EFAULT', () => {
    for (const withDomain of [true, false]) {
      const d = boundDevice();
      const ioas = ioasAlloc(d.p, d.fd);
      if (withDomain) attach(d.p, d.dev, ioas);
      const va = anonBuffer(d.p, 4n * P);
      const child = d.p.fork();
      child.writeMem(va, Uint8Array.of(0x42));
      mapFixed(child, d.fd, ioas, va, 0x100000n, 4n * P);
      child.exit(0);
      if (withDomain) {
        const rd = d.host.iommu!.dmaRead(RID, 0x100000n, 1);
        expect(rd.ok && rd.data![0]).toBe(0x42);
      } else {
        expectErrno(() => attach(d.p, d.dev, ioas), 'EFAULT');
      }
    }
  });
});

describe('fork: failure', () => {
  it('ENOMEM when the copies do not fit (1 GiB hugetlb pages), and nothing changed', () => {
    const host = new Host();
    const p = host.spawn();
    const GB = 1n << 30n;
    const flags = uapi.MAP_PRIVATE | uapi.MAP_ANONYMOUS | uapi.MAP_HUGETLB | uapi.MAP_HUGE_1GB;
    let n = 0;
    for (;;) {
      const a = p.mmap(0n, GB, PROT_RW, flags, -1, 0n);
      if (errnoOf(() => p.writeMem(a, Uint8Array.of(1))) !== 'ok') {
        p.munmap(a, GB);
        break;
      }
      n++;
    }
    expect(n).toBeGreaterThan(0);
    const before = usedFrames(host);
    const tasks = taskCount(host);
    const refs = openFile(p, 0)!.refs;
    expect(errnoOf(() => p.fork())).toBe('ENOMEM');
    expect(usedFrames(host)).toBe(before);
    expect(taskCount(host)).toBe(tasks);
    expect(openFile(p, 0)!.refs).toBe(refs);
  });
});
