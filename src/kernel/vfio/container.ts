/**
 * The legacy VFIO container (struct vfio_container, drivers/vfio/container.c): what each
 * open of /dev/vfio/vfio creates. It holds groups and, once VFIO_SET_IOMMU succeeds, one
 * IOMMU backend instance (type1 or no-IOMMU) that serves every other request.
 *
 * States: C0 (no groups), C1 (groups, no backend), C2 (backend). Lifetime: one reference for
 * the fd plus one per attached group; the backend and its mappings outlive the fd while a
 * group is attached. When the last group leaves, the backend is released (C0 again).
 *
 * Invariants: groups are all real or all no-IOMMU (`noiommu`); a backend exists only with
 * at least one group; every attached group's `container` points here.
 */
import { fail, ok, okVoid, type Result } from '../../base/result.js';
import { VFIO_API_VERSION, VFIO_CHECK_EXTENSION, VFIO_GET_API_VERSION, VFIO_SET_IOMMU } from '../../uapi/vfio.js';
import { OpenFile, type FileOperations, type SyscallContext } from '../fs/file.js';
import type { Kernel } from '../kernel.js';
import { findOp, rawOp, runOp, type IoctlOp } from '../ioctl-table.js';
import { byValue } from '../uaccess.js';
import type { Type1Iommu } from './type1/vfio-iommu.js';
import type { VfioGroup } from './group.js';

/** A registered IOMMU backend (struct vfio_iommu_driver_ops). */
export interface IommuBackend {
  readonly name: string;
  /** vfio_noiommu_ops: allowed only for containers of no-IOMMU groups. */
  readonly noiommu: boolean;
  /** VFIO_CHECK_EXTENSION with a NULL instance. */
  checkExtension(k: Kernel, id: number): number;
  open(k: Kernel, type: number, ctx: SyscallContext): Result<IommuBackendInstance>;
}

export interface IommuBackendInstance {
  /** The backend's own state (the type1 instance; null for no-IOMMU), for tests and pictures. */
  readonly data: Type1Iommu | null;
  checkExtension(id: number): number;
  ioctl(request: number, arg: unknown, ctx: SyscallContext): Result<number>;
  attachGroup(group: VfioGroup): Result<void>;
  detachGroup(group: VfioGroup): void;
  release(): void;
}

export class VfioContainer {
  readonly groups: VfioGroup[] = [];
  backend: { readonly ops: IommuBackend; readonly inst: IommuBackendInstance } | null = null;
  noiommu = false;
  private refs = 1;

  constructor(
    readonly k: Kernel,
    /** Registered backends, in the order the kernel's list holds them. */
    readonly backends: readonly IommuBackend[],
    readonly id: number,
  ) {}

  get(): void {
    this.refs++;
  }

  /** vfio_container_put(): the last reference frees the container. */
  put(): void {
    if (--this.refs === 0) this.k.trace.add('kernel', 'vfio', `container ${this.id} freed`);
  }

  get freed(): boolean {
    return this.refs === 0;
  }

  /** vfio_iommu_driver_allowed(): real and no-IOMMU containers never mix backends. */
  private allowed(b: IommuBackend): boolean {
    return this.noiommu === b.noiommu;
  }

  /** vfio_container_ioctl_check_extension(). */
  checkExtension(id: number): number {
    if (this.backend !== null) return this.backend.inst.checkExtension(id);
    for (const b of this.backends) {
      if (this.groups.length > 0 && !this.allowed(b)) continue;
      const r = b.checkExtension(this.k, id);
      if (r > 0) return r;
    }
    return 0;
  }

  /** vfio_ioctl_set_iommu(): the first allowed backend that claims `type` and attaches every group. */
  setIommu(type: number, ctx: SyscallContext): Result<number> {
    if (this.groups.length === 0 || this.backend !== null) return fail('EINVAL', 'vfio_ioctl_set_iommu: no group, or an IOMMU is already set');
    let result: Result<number> = fail('ENODEV', 'vfio_ioctl_set_iommu: no backend supports this type');
    for (const b of this.backends) {
      if (!this.allowed(b) || b.checkExtension(this.k, type) <= 0) continue;
      const o = b.open(this.k, type, ctx);
      if (!o.ok) {
        result = o;
        continue;
      }
      const a = this.attachAll(o.value);
      if (!a.ok) {
        o.value.release();
        result = a;
        continue;
      }
      this.backend = { ops: b, inst: o.value };
      this.k.trace.add('kernel', 'vfio', `container ${this.id}: IOMMU set to ${b.name} (type ${type})`);
      return ok(0);
    }
    return result;
  }

  /**
   * __vfio_container_attach_groups(): all or nothing, unwinding in reverse. The kernel's
   * group_list is filled with list_add (newest first), so the most recently attached group
   * is attached to the backend first and its errno wins.
   */
  private attachAll(inst: IommuBackendInstance): Result<void> {
    const done: VfioGroup[] = [];
    for (const g of [...this.groups].reverse()) {
      const r = inst.attachGroup(g);
      if (!r.ok) {
        for (const d of done.reverse()) inst.detachGroup(d);
        return r;
      }
      done.push(g);
    }
    return okVoid();
  }

  /** vfio_container_attach_group(), after the group checked its own preconditions. */
  attachGroup(group: VfioGroup, ctx: SyscallContext): Result<void> {
    const isNoiommu = group.type === 'noiommu';
    if (isNoiommu && !ctx.task.capable('CAP_SYS_RAWIO')) return fail('EPERM', 'vfio_container_attach_group: no-IOMMU group needs CAP_SYS_RAWIO');
    if (this.groups.length > 0 && this.noiommu !== isNoiommu) return fail('EPERM', 'vfio_container_attach_group: real and no-IOMMU groups cannot mix');
    const iommuGroup = group.iommuGroup;
    if (!isNoiommu) {
      const c = iommuGroup.claimDmaOwner(group);
      if (!c.ok) return c;
    }
    if (this.backend !== null) {
      const r = this.backend.inst.attachGroup(group);
      if (!r.ok) {
        if (!isNoiommu) iommuGroup.releaseDmaOwner();
        return r;
      }
    }
    group.container = this;
    this.noiommu = isNoiommu;
    this.groups.push(group);
    this.get();
    return okVoid();
  }

  /** vfio_group_detach_container(): the last group takes the backend with it. */
  detachGroup(group: VfioGroup): void {
    const backend = this.backend;
    backend?.inst.detachGroup(group);
    if (group.type !== 'noiommu') group.iommuGroup.releaseDmaOwner();
    group.container = null;
    this.groups.splice(this.groups.indexOf(group), 1);
    if (backend !== null && this.groups.length === 0) {
      backend.inst.release();
      this.backend = null;
      this.k.trace.add('kernel', 'vfio', `container ${this.id}: last group left, IOMMU backend released`);
    }
    this.put();
  }

  /** vfio_fops_unl_ioctl(). */
  ioctl(request: number, arg: unknown, ctx: SyscallContext): Result<number> {
    const op = findOp(CONTAINER_IOCTLS, request);
    if (op !== undefined) return runOp(op, this, arg, ctx);
    if (this.backend === null) return fail('EINVAL', 'vfio_fops_unl_ioctl: no IOMMU set on this container');
    return this.backend.inst.ioctl(request, arg, ctx);
  }
}

/** The requests vfio_fops_unl_ioctl() answers itself; the rest go to the IOMMU backend. */
export const CONTAINER_IOCTLS: readonly IoctlOp<VfioContainer>[] = [
  rawOp(VFIO_GET_API_VERSION, () => ok(VFIO_API_VERSION)),
  rawOp(VFIO_CHECK_EXTENSION, (c, arg) => {
    const id = byValue(arg);
    return id.ok ? ok(c.checkExtension(id.value)) : id;
  }),
  rawOp(VFIO_SET_IOMMU, (c, arg, ctx) => {
    const type = byValue(arg);
    return type.ok ? c.setIommu(type.value, ctx) : type;
  }),
];

/** File operations of a container fd (vfio_fops). */
export const containerFops: FileOperations<VfioContainer> = {
  kind: 'vfio-container',
  ioctl: (f, request, arg, ctx) => f.priv.ioctl(request, arg, ctx),
  release: (f) => f.priv.put(),
};

/** vfio_fops_open(): every open makes a new, independent container. */
export function openContainer(k: Kernel, backends: readonly IommuBackend[], id: number, flags: number, path: string): OpenFile<VfioContainer> {
  return new OpenFile(containerFops, new VfioContainer(k, backends, id), flags, path);
}

/** The container an fd refers to (vfio_container_from_file), or null. */
export function containerOfFile(f: OpenFile): VfioContainer | null {
  return f.ops === (containerFops as FileOperations) ? (f.priv as VfioContainer) : null;
}
