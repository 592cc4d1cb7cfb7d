/**
 * VF tokens (vfio_pci_validate_vf_token, vfio_pci_core_match, vfio_df_check_token,
 * VFIO_DEVICE_FEATURE_PCI_VF_TOKEN), first as the kernel's vfio_pci_sriov_uapi_test does
 * them — PF opened with UUID_1, one VF opened with the same, another or no token, through
 * the group path and the cdev path —, then rule by rule with the kernel's errno.
 */
import { describe, expect, it } from 'vitest';
import { uapi, type Host } from '../../src/index.js';
import type { Process } from '../../src/process/process.js';
import { uuidParse } from '../../src/base/uuid.js';
import { errnoOf, OK } from '../support/errno.js';
import { dev, PF, pfOnVfioPci, server, VF0 } from './helpers.js';

const UUID_1 = '52ac9bff-3a88-4fbd-901a-0d767c3b6c97';
const UUID_2 = '88594674-90a0-47a9-aea8-9d9b352ac08a';

/** One "iommu" of the selftest library: a type1v2 container, or an iommufd. */
interface Iommu { readonly p: Process; readonly mode: 'container' | 'iommufd'; readonly fd: number; readonly groups: Map<string, number> }

function iommuInit(p: Process, mode: Iommu['mode']): Iommu {
  return { p, mode, fd: p.open(mode === 'container' ? '/dev/vfio/vfio' : '/dev/iommu'), groups: new Map() };
}

/** vfio_pci_group_setup(): a group is opened and added to the container once. */
function groupOf(io: Iommu, bdf: string): number {
  const p = io.p;
  const id = p.readlink(`${dev(bdf)}/iommu_group`).split('/').pop()!;
  let group = io.groups.get(id);
  if (group === undefined) {
    group = p.open(`/dev/vfio/${id}`);
    io.groups.set(id, group);
    p.ioctl(group, uapi.VFIO_GROUP_SET_CONTAINER, io.fd);
    if (io.groups.size === 1) p.ioctl(io.fd, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1v2_IOMMU);
  }
  return group;
}

/** device_init(): 0 on success, else the errno; the device fd (or -1) as the library keeps it. */
function deviceInit(io: Iommu, bdf: string, token: string | null): { ret: string; fd: number } {
  const p = io.p;
  if (io.mode === 'container') {
    const group = groupOf(io, bdf);
    let fd = -1;
    const ret = errnoOf(() => { fd = p.ioctl(group, uapi.VFIO_GROUP_GET_DEVICE_FD, token === null ? bdf : `${bdf} vf_token=${token}`); });
    return { ret, fd };
  }
  const fd = p.open(`/dev/vfio/devices/${p.readdir(`${dev(bdf)}/vfio-dev`)[0]}`);
  const ret = errnoOf(() => p.ioctl(fd, uapi.VFIO_DEVICE_BIND_IOMMUFD, token === null
    ? { argsz: 24, flags: 0, iommufd: io.fd }
    : { argsz: 24, flags: uapi.VFIO_DEVICE_BIND_FLAG_TOKEN, iommufd: io.fd, token_uuid_ptr: uuidParse(token)! }));
  return { ret, fd };
}

/** vfio_device_set_vf_token(). */
function setVfToken(p: Process, fd: number, token: string): number {
  return p.ioctl(fd, uapi.VFIO_DEVICE_FEATURE, { argsz: 8 + 16, flags: uapi.VFIO_DEVICE_FEATURE_SET | uapi.VFIO_DEVICE_FEATURE_PCI_VF_TOKEN, data: uuidParse(token)! });
}

/** vf_setup(): one VF under a vfio-pci PF, itself on vfio-pci. */
function vfSetup(): Host {
  const host = server();
  pfOnVfioPci(host);
  const p = host.spawn();
  expect(Number(p.readFile(`${dev(PF)}/sriov_totalvfs`))).toBeGreaterThan(0);
  expect(p.readFile(`${dev(PF)}/sriov_numvfs`)).toBe('0\n');
  p.writeFile(`${dev(PF)}/sriov_numvfs`, '1');
  expect(p.readlink(`${dev(VF0)}/virtfn0`.replace(VF0, PF)).endsWith(VF0)).toBe(true);
  expect(p.readlink(`${dev(VF0)}/driver`).endsWith('/vfio-pci')).toBe(true);
  return host;
}

const MODES = ['container', 'iommufd'] as const;
const VARIANTS = [['same_uuid', UUID_1], ['diff_uuid', UUID_2], ['null_uuid', null]] as const;

describe.each(MODES)('vfio_pci_sriov_uapi_test (%s)', (mode) => {
  describe.each(VARIANTS)('%s', (_name, vfToken) => {
    const setup = (): { io: Iommu; pf: { ret: string; fd: number } } => {
      const io = iommuInit(vfSetup().spawn(), mode);
      const pf = deviceInit(io, PF, UUID_1);
      expect(pf.ret).toBe(OK);
      return { io, pf };
    };
    const expectCreation = (pfToken: string, ret: string): void => {
      if (vfToken === null || vfToken !== pfToken) expect(ret).toBe('EACCES');
      else expect(ret).toBe(OK);
    };

    it('init_token_match', () => {
      const { io } = setup();
      expectCreation(UUID_1, deviceInit(io, VF0, vfToken).ret);
    });

    it('pf_early_close', () => {
      const { io, pf } = setup();
      io.p.close(pf.fd);
      expectCreation(UUID_1, deviceInit(io, VF0, vfToken).ret);
    });

    it('override_token', () => {
      const { io, pf } = setup();
      expect(setVfToken(io.p, pf.fd, UUID_2)).toBe(0);
      expectCreation(UUID_2, deviceInit(io, VF0, vfToken).ret);
    });
  });
});

describe('vfio_pci_validate_vf_token, PF side', () => {
  it('while a VF is open, the PF needs the token: none or another one is EACCES', () => {
    const io = iommuInit(vfSetup().spawn(), 'iommufd');
    const pf = deviceInit(io, PF, UUID_1);
    io.p.close(pf.fd);
    expect(deviceInit(io, VF0, UUID_1).ret).toBe(OK);
    expect(deviceInit(io, PF, null).ret).toBe('EACCES');
    expect(deviceInit(io, PF, UUID_2).ret).toBe('EACCES');
    expect(deviceInit(io, PF, UUID_1).ret).toBe(OK);
  });

  it('without open VFs, a token given for the PF becomes its token; no token leaves it as it was', () => {
    const io = iommuInit(vfSetup().spawn(), 'container');
    const a = deviceInit(io, PF, null);
    expect(a.ret).toBe(OK);
    io.p.close(a.fd);
    // the boot token is random: a VF cannot guess it
    expect(deviceInit(io, VF0, UUID_1).ret).toBe('EACCES');
    const b = deviceInit(io, PF, UUID_2);
    expect(b.ret).toBe(OK);
    expect(deviceInit(io, VF0, UUID_2).ret).toBe(OK);
  });
});

describe('tokens where none belongs (EINVAL)', () => {
  it('an ordinary function given a token: EINVAL on both paths', () => {
    for (const mode of MODES) {
      const host = server();
      host.bind('0000:00:04.0', 'vfio-pci');
      const io = iommuInit(host.spawn(), mode);
      expect(deviceInit(io, '0000:00:04.0', UUID_1).ret).toBe('EINVAL');
    }
  });

  it('a VF whose PF is not on vfio-pci opens without a token, and a token is EINVAL', () => {
    const host = server();
    const p = host.spawn();
    p.writeFile(`${dev(PF)}/sriov_numvfs`, '1'); // i40e PF
    host.bind(VF0, 'vfio-pci');
    const io = iommuInit(p, 'iommufd');
    expect(deviceInit(io, VF0, UUID_1).ret).toBe('EINVAL');
    expect(deviceInit(io, VF0, null).ret).toBe(OK);
  });

  it('malformed, duplicate or unknown options after the name: EINVAL (vfio_pci_core_match)', () => {
    const host = vfSetup();
    const p = host.spawn();
    const c = p.open('/dev/vfio/vfio');
    const g = p.open(`/dev/vfio/${p.readlink(`${dev(PF)}/iommu_group`).split('/').pop()}`);
    p.ioctl(g, uapi.VFIO_GROUP_SET_CONTAINER, c);
    p.ioctl(c, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1v2_IOMMU);
    for (const bad of [`vf_token=${UUID_1.slice(1)}`, `vf_token=${UUID_1} vf_token=${UUID_1}`, 'foo=1', `vf_token=${UUID_1}x`]) {
      expect(errnoOf(() => p.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD, `${PF} ${bad}`))).toBe('EINVAL');
    }
    expect(errnoOf(() => p.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD, `${PF}x vf_token=${UUID_1}`))).toBe('ENODEV');
    expect(errnoOf(() => p.ioctl(g, uapi.VFIO_GROUP_GET_DEVICE_FD, `${PF}  vf_token=${UUID_1.toUpperCase()} `))).toBe(OK);
  });

  it('BIND_IOMMUFD with FLAG_TOKEN and no readable token_uuid_ptr: EFAULT', () => {
    const io = iommuInit(vfSetup().spawn(), 'iommufd');
    const fd = io.p.open(`/dev/vfio/devices/${io.p.readdir(`${dev(PF)}/vfio-dev`)[0]}`);
    expect(errnoOf(() => io.p.ioctl(fd, uapi.VFIO_DEVICE_BIND_IOMMUFD, { argsz: 24, flags: uapi.VFIO_DEVICE_BIND_FLAG_TOKEN, iommufd: io.fd }))).toBe('EFAULT');
    expect(errnoOf(() => io.p.ioctl(fd, uapi.VFIO_DEVICE_BIND_IOMMUFD, { argsz: 16, flags: uapi.VFIO_DEVICE_BIND_FLAG_TOKEN, iommufd: io.fd }))).toBe('EFAULT');
  });
});

describe('VFIO_DEVICE_FEATURE_PCI_VF_TOKEN', () => {
  it('SET only, 16 bytes: GET is EINVAL, a short payload EINVAL, PROBE answers 0 on a PF', () => {
    const io = iommuInit(vfSetup().spawn(), 'container');
    const pf = deviceInit(io, PF, null);
    const F = uapi.VFIO_DEVICE_FEATURE_PCI_VF_TOKEN;
    expect(io.p.ioctl(pf.fd, uapi.VFIO_DEVICE_FEATURE, { argsz: 8, flags: uapi.VFIO_DEVICE_FEATURE_PROBE | uapi.VFIO_DEVICE_FEATURE_SET | F })).toBe(0);
    expect(errnoOf(() => io.p.ioctl(pf.fd, uapi.VFIO_DEVICE_FEATURE, { argsz: 24, flags: uapi.VFIO_DEVICE_FEATURE_GET | F }))).toBe('EINVAL');
    expect(errnoOf(() => io.p.ioctl(pf.fd, uapi.VFIO_DEVICE_FEATURE, { argsz: 23, flags: uapi.VFIO_DEVICE_FEATURE_SET | F, data: uuidParse(UUID_1) }))).toBe('EINVAL');
  });

  it('a VF has no token of its own: ENOTTY', () => {
    const io = iommuInit(vfSetup().spawn(), 'iommufd');
    const pf = deviceInit(io, PF, UUID_1);
    const vf = deviceInit(io, VF0, UUID_1);
    expect(vf.ret).toBe(OK);
    expect(errnoOf(() => setVfToken(io.p, vf.fd, UUID_2))).toBe('ENOTTY');
    expect(setVfToken(io.p, pf.fd, UUID_2)).toBe(0);
  });
});
