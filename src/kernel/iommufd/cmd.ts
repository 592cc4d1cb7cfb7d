/**
 * What an iommufd command handler receives (struct iommufd_ucmd): the context, the caller,
 * the argument object, the caller's `size`, the fields as copy_struct_from_user() read
 * them, and `respond`, which writes fields back within min(size, sizeof).
 */
import type { StructName } from '../../uapi/structs.js';
import type { Task } from '../task.js';
import type { IommufdCtx } from './context.js';
import { respond, type Fields, type UserArg } from '../uaccess.js';

export interface Cmd {
  readonly ctx: IommufdCtx;
  readonly task: Task;
  readonly obj: UserArg;
  readonly size: number;
  readonly f: Fields;
  readonly struct: StructName;
}

/** iommufd_ucmd_respond(). */
export function reply(c: Cmd, values: Fields): void {
  respond(c.obj, c.struct, c.size, values);
}

/** __reserved fields are EOPNOTSUPP when non-zero (every iommufd handler). */
export function reservedSet(v: unknown): boolean {
  if (Array.isArray(v)) return v.some((x) => x !== 0);
  return v !== 0 && v !== 0n && v !== undefined;
}
