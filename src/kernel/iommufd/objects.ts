/**
 * iommufd's object table (drivers/iommu/iommufd/main.c): one id namespace per context for
 * every object type, with the kernel's reference counting.
 *
 * Invariants:
 *  - ids are in [1, 2^31 - 1] and allocated lowest-free (xa_alloc with XA_FLAGS_ALLOC1 and
 *    xa_limit_31b); a destroyed id is free again at once.
 *  - every live object has `users >= 1`; the table's own reference is the 1. A dependant
 *    (HWPT on its IOAS, device attached to a HWPT, the binding driver on its DEVICE) adds 1.
 *  - IOMMU_DESTROY removes only an object whose `users` is exactly 1 and never cascades.
 *  - a typed lookup of an object of another type is ENOENT, like a missing id.
 */
import { fail, ok, okVoid, type Result } from '../../base/result.js';

export type ObjType = 'ioas' | 'device' | 'hwpt_paging' | 'hwpt_nested' | 'access' | 'fault';

export abstract class IommufdObject {
  abstract readonly type: ObjType;
  id = 0;
  /** The table's reference plus one per dependant. */
  users = 1;
  /** Run once when the object leaves the table: drop the references it holds. */
  abstract destroy(): void;
}

const MAX_ID = 2 ** 31 - 1;

export class ObjectTable {
  private readonly objects = new Map<number, IommufdObject>();

  get size(): number {
    return this.objects.size;
  }

  /** Insert at the lowest free id (the kernel's alloc + finalize, which nothing can interleave here). */
  insert(obj: IommufdObject): Result<number> {
    let id = 1;
    while (this.objects.has(id)) id++;
    if (id > MAX_ID) return fail('ENOSPC', '_iommufd_object_alloc: id space exhausted');
    obj.id = id;
    this.objects.set(id, obj);
    return ok(id);
  }

  /** iommufd_get_object(): ENOENT for a missing id or an object of another type. */
  get<T extends IommufdObject>(id: number, type: ObjType, why: string): Result<T> {
    const o = this.objects.get(id);
    if (o === undefined || o.type !== type) return fail('ENOENT', `${why}: id ${id} is not a ${type}`);
    return ok(o as T);
  }

  /** Untyped lookup (iommufd_get_object with IOMMUFD_OBJ_ANY). */
  any(id: number): IommufdObject | undefined {
    return this.objects.get(id);
  }

  /** iommufd_object_remove() for IOMMU_DESTROY: ENOENT, EBUSY while referenced, else destroy. */
  removeUser(id: number): Result<IommufdObject> {
    const o = this.objects.get(id);
    if (o === undefined) return fail('ENOENT', `iommufd_destroy: no object ${id}`);
    if (o.users !== 1) return fail('EBUSY', `iommufd_object_remove: object ${id} (${o.type}) is still referenced`);
    this.objects.delete(id);
    o.destroy();
    return ok(o);
  }

  /** Remove an object the kernel itself tears down (an auto domain, an unbound device). */
  removeInternal(obj: IommufdObject): void {
    if (this.objects.get(obj.id) !== obj) return;
    this.objects.delete(obj.id);
    obj.destroy();
  }

  /** Objects in ascending id order. */
  list(): IommufdObject[] {
    return [...this.objects.keys()].sort((a, b) => a - b).map((id) => this.objects.get(id)!);
  }

  /**
   * iommufd_fops_release(): destroy every object only the table holds, ascending, and repeat
   * until none is left. Leaves die first. A pass that frees nothing is a refcount bug.
   */
  destroyAll(): Result<void> {
    while (this.objects.size > 0) {
      let freed = 0;
      for (const o of this.list()) {
        if (o.users !== 1) continue;
        this.objects.delete(o.id);
        o.destroy();
        freed++;
      }
      if (freed === 0) return fail('EBUSY', 'iommufd_fops_release: objects still referenced (refcount bug)');
    }
    return okVoid();
  }
}
