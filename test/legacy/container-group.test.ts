import { describe, expect, it } from 'vitest';
import { Host, uapi } from '../../src/index.js';
import { EDU, EDU2, expectErrno, groupOf, machine, map, setup, type1Of } from './helpers.js';
import { anonBuffer } from '../support/vfio.js';
import { hasVfioGroup, iommuGroup, lockedVm, openFds, registerPciDriver, setRlimitNofile, vfioDevice } from '../support/kernel-state.js';

describe('container ioctls', () => {
  it('GET_API_VERSION is 0 in every state; CHECK_EXTENSION answers as Linux before and after SET_IOMMU', () => {
    const s = setup({ attach: false });
    const { p, c, g } = s;
    expect(p.ioctl(c, uapi.VFIO_GET_API_VERSION)).toBe(uapi.VFIO_API_VERSION);
    const ask = (id: number): number => p.ioctl(c, uapi.VFIO_CHECK_EXTENSION, id);
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 42].map(ask)).toEqual([1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0]);
    p.ioctl(g, uapi.VFIO_GROUP_SET_CONTAINER, c);
    expect([1, 3, 4, 8, 10].map(ask)).toEqual([1, 1, 0, 0, 0]);
    p.ioctl(c, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1_IOMMU);
    expect([1, 2, 3, 4, 6, 8, 9, 10].map(ask)).toEqual([1, 0, 1, 1, 0, 0, 1, 1]);
    expect(p.ioctl(c, uapi.VFIO_GET_API_VERSION)).toBe(0);
  });

  it('SET_IOMMU: no group EINVAL, unknown type ENODEV, second SET_IOMMU EINVAL and harmless', () => {
    const s = setup({ attach: false });
    const { p, c, g } = s;
    expectErrno(() => p.ioctl(c, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1v2_IOMMU), 'EINVAL');
    p.ioctl(g, uapi.VFIO_GROUP_SET_CONTAINER, c);
    for (const t of [2, 6, 7, 8, 42]) expectErrno(() => p.ioctl(c, uapi.VFIO_SET_IOMMU, t), 'ENODEV');
    p.ioctl(c, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1v2_IOMMU);
    const va = anonBuffer(p, 0x1000n);
    map(p, c, va, 0x1000n, 0x1000n);
    expectErrno(() => p.ioctl(c, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1v2_IOMMU), 'EINVAL');
    expectErrno(() => p.ioctl(c, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1_IOMMU), 'EINVAL');
    expect(type1Of(p, c).dmas.size).toBe(1);
  });

  it('IOMMU requests before SET_IOMMU are EINVAL, unknown ones after it ENOTTY; group requests on a container too', () => {
    const s = setup({ type: null });
    const { p, c } = s;
    expectErrno(() => p.ioctl(c, uapi.VFIO_IOMMU_GET_INFO, { argsz: 24 }), 'EINVAL');
    expectErrno(() => p.ioctl(c, uapi.VFIO_IOMMU_MAP_DMA, { argsz: 32 }), 'EINVAL');
    p.ioctl(c, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1v2_IOMMU);
    expectErrno(() => p.ioctl(c, uapi.VFIO_IOMMU_ENABLE), 'ENOTTY');
    expectErrno(() => p.ioctl(c, uapi.VFIO_GROUP_GET_STATUS, { argsz: 8 }), 'ENOTTY');
  });

  it('a JS value of the wrong type is a TypeError', () => {
    const { p, c, g } = setup();
    const err = (fn: () => unknown): unknown => {
      try {
        fn();
      } catch (e) {
        return e;
      }
      return undefined;
    };
    // @ts-expect-error -- the wrong JS type is refused by the compiler too; this checks the run-time TypeError
    const e1 = err(() => p.ioctl(c, uapi.VFIO_IOMMU_MAP_DMA, { argsz: 32, flags: 3, vaddr: 0x1000, iova: 0n, size: 0x1000n }));
    expect(e1).toBeInstanceOf(TypeError);
    expect((e1 as { code: string }).code).toBe('ERR_INVALID_ARG_TYPE');
    // @ts-expect-error -- the wrong JS type is refused by the compiler too; this checks the run-time TypeError
    expect(err(() => p.ioctl(g, uapi.VFIO_GROUP_SET_CONTAINER, { fd: c }))).toBeInstanceOf(TypeError);
    // @ts-expect-error -- the wrong JS type is refused by the compiler too; this checks the run-time TypeError
    expect(err(() => p.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD, 5))).toBeInstanceOf(TypeError);
    expectErrno(() => p.ioctl(c, uapi.VFIO_IOMMU_MAP_DMA), 'EFAULT');
    expectErrno(() => p.ioctl(g, uapi.VFIO_GROUP_GET_STATUS), 'EFAULT');
  });
});

describe('group ioctls', () => {
  it('a fresh group is exactly VIABLE; attached it is VIABLE|CONTAINER_SET, even after the container fd closes', () => {
    const s = setup({ attach: false });
    const { p, c, g } = s;
    const st = { argsz: 8, flags: 0 };
    p.ioctl(g, uapi.VFIO_GROUP_GET_STATUS, st);
    expect(st.flags).toBe(uapi.VFIO_GROUP_FLAGS_VIABLE);
    expectErrno(() => p.ioctl(g, uapi.VFIO_GROUP_GET_STATUS, { argsz: 7 }), 'EINVAL');
    p.ioctl(g, uapi.VFIO_GROUP_SET_CONTAINER, c);
    p.close(c);
    p.ioctl(g, uapi.VFIO_GROUP_GET_STATUS, st);
    expect(st.flags).toBe(3);
  });

  it('SET_CONTAINER errno precedence: EBADF > EINVAL (already attached) > EBADFD', () => {
    const { p, c, g } = setup({ type: null });
    expectErrno(() => p.ioctl(g, uapi.VFIO_GROUP_SET_CONTAINER, 99), 'EBADF');
    expectErrno(() => p.ioctl(g, uapi.VFIO_GROUP_SET_CONTAINER, g), 'EINVAL');
    expectErrno(() => p.ioctl(g, uapi.VFIO_GROUP_SET_CONTAINER, c), 'EINVAL');
    p.ioctl(g, uapi.VFIO_GROUP_UNSET_CONTAINER);
    expectErrno(() => p.ioctl(g, uapi.VFIO_GROUP_SET_CONTAINER, g), 'EBADFD');
    expectErrno(() => p.ioctl(g, uapi.VFIO_GROUP_UNSET_CONTAINER), 'EINVAL');
    expectErrno(() => p.ioctl(g, uapi.VFIO_IOMMU_GET_INFO, { argsz: 24 }), 'ENOTTY');
  });

  it('a group already in one container cannot join another (EINVAL); a second open of the group is EBUSY', () => {
    const { p, c, g, group } = setup({ type: null });
    const c2 = p.open('/dev/vfio/vfio');
    expectErrno(() => p.ioctl(g, uapi.VFIO_GROUP_SET_CONTAINER, c2), 'EINVAL');
    expectErrno(() => p.open(`/dev/vfio/${group}`), 'EBUSY');
    expect(c2).not.toBe(c);
  });

  it('non-viable group: a member bound to a DMA-API driver → GET_STATUS 0 and SET_CONTAINER EPERM', () => {
    const host = new Host();
    // 0000:00:1d.0's group holds the port and the edu at 0a:00.0; put a host driver on the port's sibling instead:
    host.bind('0000:0a:00.0', 'vfio-pci');
    const group = groupOf(host, '0000:0a:00.0');
    const members = host.spawn().readdir(`/sys/kernel/iommu_groups/${group}/devices`);
    expect(members.length).toBeGreaterThan(1);
    registerPciDriver(host, { name: 'dmadrv', driverManagedDma: false, ids: [], dynamicIds: [], probe: () => ({ ok: true, value: undefined }), remove: () => 'done' });
    const other = members.find((m) => m !== '0000:0a:00.0')!;
    host.bind(other, null);
    host.bind(other, 'dmadrv');
    const p = host.spawn();
    const c = p.open('/dev/vfio/vfio');
    const g = p.open(`/dev/vfio/${group}`);
    const st = { argsz: 8, flags: 9 };
    p.ioctl(g, uapi.VFIO_GROUP_GET_STATUS, st);
    expect(st.flags).toBe(0);
    expectErrno(() => p.ioctl(g, uapi.VFIO_GROUP_SET_CONTAINER, c), 'EPERM');
    // the only way to a device fd is through a container: wrong name ENODEV, right name EINVAL
    expectErrno(() => p.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD, '0000:0a:00.1'), 'ENODEV');
    expectErrno(() => p.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD, '0000:0a:00.0'), 'EINVAL');
    // once attached elsewhere, the host driver cannot bind (EBUSY): unbind it and attach
    host.bind(other, null);
    p.ioctl(g, uapi.VFIO_GROUP_SET_CONTAINER, c);
    expect(() => host.bind(other, 'dmadrv')).toThrow(/EBUSY/);
  });

  it('GET_DEVICE_FD: ENODEV for a wrong name before EINVAL for no container; EINVAL in C1; options and length', () => {
    const { p, c, g } = setup({ attach: false });
    expectErrno(() => p.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD, '0000:06:00.1'), 'ENODEV');
    expectErrno(() => p.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD, EDU), 'EINVAL');
    p.ioctl(g, uapi.VFIO_GROUP_SET_CONTAINER, c);
    expectErrno(() => p.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD, EDU), 'EINVAL');
    p.ioctl(c, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1v2_IOMMU);
    expectErrno(() => p.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD, `${EDU} bogus=1`), 'EINVAL');
    expectErrno(() => p.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD, `${EDU} vf_token=2ab74924-c335-45f4-9b16-8569e5b08258`), 'EINVAL');
    expectErrno(() => p.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD, 'x'.repeat(4096)), 'EINVAL');
    expectErrno(() => p.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD, `${EDU}x`), 'ENODEV');
    const d1 = p.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD, EDU);
    const d2 = p.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD, EDU);
    expect(d2).not.toBe(d1);
    expect(p.fcntl(d1, uapi.F_GETFD ?? 1)).toBe(1);
    expect(vfioDevice(p, EDU)!.openCount).toBe(2);
  });

  it('GET_DEVICE_FD with no free fd is EMFILE and consumes nothing', () => {
    const { p, g } = setup();
    setRlimitNofile(p, openFds(p).length);
    expectErrno(() => p.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD, EDU), 'EMFILE');
    expect(vfioDevice(p, EDU)!.openCount).toBe(0);
  });

  it('UNSET_CONTAINER with a device open is EBUSY and changes nothing', () => {
    const { p, c, g } = setup();
    const va = anonBuffer(p, 0x1000n);
    map(p, c, va, 0n, 0x1000n);
    const d = p.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD, EDU);
    expectErrno(() => p.ioctl(g, uapi.VFIO_GROUP_UNSET_CONTAINER), 'EBUSY');
    expect(type1Of(p, c).dmas.size).toBe(1);
    p.close(d);
    p.ioctl(g, uapi.VFIO_GROUP_UNSET_CONTAINER);
    expectErrno(() => p.ioctl(c, uapi.VFIO_IOMMU_GET_INFO, { argsz: 24 }), 'EINVAL');
    expect(lockedVm(p)).toBe(0n);
  });

  it('several groups share one container and one domain; the last to leave releases the backend', () => {
    const { host, p, c, g } = setup({ bdfs: [EDU, EDU2] });
    const g2 = p.open(`/dev/vfio/${groupOf({ spawn: () => p } as never, EDU2)}`);
    p.ioctl(g2, uapi.VFIO_GROUP_SET_CONTAINER, c);
    const t = type1Of(p, c);
    expect(t.domains.length).toBe(1);
    expect(t.domains[0]!.groups.length).toBe(2);
    const va = anonBuffer(p, 0x2000n);
    map(p, c, va, 0x10000n, 0x2000n);
    p.close(g);
    expect(type1Of(p, c).dmas.size).toBe(1);
    p.close(g2);
    expectErrno(() => p.ioctl(c, uapi.VFIO_IOMMU_GET_INFO, { argsz: 24 }), 'EINVAL');
    expect(lockedVm(p)).toBe(0n);
    expect(host.iommu!.domainsList().filter((d) => d.type === 'unmanaged').length).toBe(0);
    // SET_IOMMU starts from scratch after the group comes back
    const g3 = p.open(`/dev/vfio/${groupOf({ spawn: () => p } as never, EDU)}`);
    p.ioctl(g3, uapi.VFIO_GROUP_SET_CONTAINER, c);
    p.ioctl(c, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1_IOMMU);
    expect(type1Of(p, c).v2).toBe(false);
  });
});

describe('close orders', () => {
  function world() {
    const s = setup();
    const va = anonBuffer(s.p, 0x1000n);
    s.p.writeMem(va, Uint8Array.of(0xab));
    map(s.p, s.c, va, 0x1000n, 0x1000n);
    const d = s.p.ioctl(s.g, uapi.VFIO_GROUP_GET_DEVICE_FD, EDU);
    const rid = 0x0600;
    const hw = s.host.iommu!;
    const dmaOk = (): boolean => hw.dmaRead(rid, 0x1000n, 1).ok;
    return { ...s, d, dmaOk };
  }

  it('device → group → container', () => {
    const w = world();
    w.p.close(w.d);
    expect(w.dmaOk()).toBe(true);
    w.p.close(w.g);
    expect(lockedVm(w.p)).toBe(0n);
    expectErrno(() => w.p.ioctl(w.c, uapi.VFIO_IOMMU_GET_INFO, { argsz: 24 }), 'EINVAL');
    w.p.close(w.c);
  });

  it('container → group → device: mappings live until the device closes; the group cannot be reopened meanwhile', () => {
    const w = world();
    w.p.close(w.c);
    expect(w.dmaOk()).toBe(true);
    w.p.close(w.g);
    expect(w.dmaOk()).toBe(true);
    expectErrno(() => w.p.open(`/dev/vfio/${w.group}`), 'EBUSY');
    expect(lockedVm(w.p)).toBe(1n);
    w.p.close(w.d);
    expect(lockedVm(w.p)).toBe(0n);
    expect(w.dmaOk()).toBe(false);
    const g = w.p.open(`/dev/vfio/${w.group}`);
    const st = { argsz: 8, flags: 0 };
    w.p.ioctl(g, uapi.VFIO_GROUP_GET_STATUS, st);
    expect(st.flags).toBe(1);
  });

  it('group → device → container: the container is back in C0', () => {
    const w = world();
    w.p.close(w.g);
    w.p.close(w.d);
    expectErrno(() => w.p.ioctl(w.c, uapi.VFIO_IOMMU_MAP_DMA, { argsz: 32 }), 'EINVAL');
    expectErrno(() => w.p.ioctl(w.c, uapi.VFIO_SET_IOMMU, 3), 'EINVAL');
    w.p.close(w.c);
  });

  it('process exit releases everything, and the device can go back to a host driver', () => {
    const w = world();
    w.p.exit();
    expect(w.dmaOk()).toBe(false);
    const ig = iommuGroup(w.host, w.group);
    expect(ig.ownerCount).toBe(0);
    w.host.bind(EDU, null);
    expect(hasVfioGroup(w.host, w.group)).toBe(false);
  });

  it('unbinding the last device while the group is attached (no device fds) revokes the container', () => {
    const s = setup();
    const va = anonBuffer(s.p, 0x1000n);
    map(s.p, s.c, va, 0n, 0x1000n);
    s.host.bind(EDU, null);
    expect(lockedVm(s.p)).toBe(0n);
    expectErrno(() => s.p.ioctl(s.g, uapi.VFIO_GROUP_GET_STATUS, { argsz: 8 }), 'ENODEV');
    expectErrno(() => s.p.ioctl(s.c, uapi.VFIO_IOMMU_GET_INFO, { argsz: 24 }), 'EINVAL');
  });
});

describe('the interrupt isolation rule and the unprivileged user', () => {
  const noIr = (): Host => machine({ iommu: { interruptRemapping: false } });

  it('without interrupt remapping SET_IOMMU is EPERM unless allow_unsafe_interrupts', () => {
    const s = setup({ host: noIr(), type: null });
    expectErrno(() => s.p.ioctl(s.c, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1v2_IOMMU), 'EPERM');
    const st = { argsz: 8, flags: 0 };
    s.p.ioctl(s.g, uapi.VFIO_GROUP_GET_STATUS, st);
    expect(st.flags).toBe(3);
    s.p.writeFile('/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts', 'Y');
    expect(s.p.ioctl(s.c, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1v2_IOMMU)).toBe(0);
  });

  it('SET_CONTAINER into a backed container surfaces the backend attach errno (EPERM); the parameter is read at each attach', () => {
    const host = noIr();
    host.spawn().writeFile('/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts', 'Y');
    const s = setup({ host, bdfs: [EDU, EDU2] });
    s.p.writeFile('/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts', 'N');
    const g2 = s.p.open(`/dev/vfio/${groupOf(host, EDU2)}`);
    expectErrno(() => s.p.ioctl(g2, uapi.VFIO_GROUP_SET_CONTAINER, s.c), 'EPERM');
    expect(iommuGroup(host, groupOf(host, EDU2)).ownerCount).toBe(0);
  });

  it('group nodes are root 0600: EACCES for others until chowned; the container is 0666', () => {
    const host = new Host();
    host.bind(EDU, 'vfio-pci');
    const group = groupOf(host, EDU);
    const u = host.spawn({ uid: 1000, gid: 1000 });
    expect(u.open('/dev/vfio/vfio')).toBeGreaterThanOrEqual(0);
    expectErrno(() => u.open(`/dev/vfio/${group}`), 'EACCES');
    host.spawn().chown(`/dev/vfio/${group}`, 1000, 1000);
    expect(u.open(`/dev/vfio/${group}`)).toBeGreaterThanOrEqual(0);
  });
});

