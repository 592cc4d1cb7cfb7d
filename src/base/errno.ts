/**
 * Linux x86-64 errno numbers and their strerror() texts.
 *
 * The table is data: one row per errno the simulator can return. Names and numbers are
 * those of include/uapi/asm-generic/errno-base.h and errno.h (x86-64 uses the generic
 * values); texts are glibc's strerror() strings, lower-cased the way Node prints them.
 */
export const ERRNO = {
  EPERM: [1, 'operation not permitted'],
  ENOENT: [2, 'no such file or directory'],
  ESRCH: [3, 'no such process'],
  EINTR: [4, 'interrupted system call'],
  EIO: [5, 'i/o error'],
  ENXIO: [6, 'no such device or address'],
  E2BIG: [7, 'argument list too long'],
  EBADF: [9, 'bad file descriptor'],
  EAGAIN: [11, 'resource temporarily unavailable'],
  ENOMEM: [12, 'cannot allocate memory'],
  EACCES: [13, 'permission denied'],
  EFAULT: [14, 'bad address'],
  EBUSY: [16, 'device or resource busy'],
  EEXIST: [17, 'file exists'],
  EXDEV: [18, 'invalid cross-device link'],
  ENODEV: [19, 'no such device'],
  ENOTDIR: [20, 'not a directory'],
  EISDIR: [21, 'is a directory'],
  EINVAL: [22, 'invalid argument'],
  ENFILE: [23, 'too many open files in system'],
  EMFILE: [24, 'too many open files'],
  ENOTTY: [25, 'inappropriate ioctl for device'],
  EFBIG: [27, 'file too large'],
  ENOSPC: [28, 'no space left on device'],
  ESPIPE: [29, 'illegal seek'],
  EROFS: [30, 'read-only file system'],
  ERANGE: [34, 'numerical result out of range'],
  EDEADLK: [35, 'resource deadlock avoided'],
  ENAMETOOLONG: [36, 'file name too long'],
  ENOSYS: [38, 'function not implemented'],
  ENOTEMPTY: [39, 'directory not empty'],
  ELOOP: [40, 'too many levels of symbolic links'],
  ENOMSG: [42, 'no message of desired type'],
  ENODATA: [61, 'no data available'],
  EOVERFLOW: [75, 'value too large for defined data type'],
  EBADFD: [77, 'file descriptor in bad state'],
  EMSGSIZE: [90, 'message too long'],
  EOPNOTSUPP: [95, 'operation not supported'],
  EADDRINUSE: [98, 'address already in use'],
  ENOBUFS: [105, 'no buffer space available'],
  ETIMEDOUT: [110, 'connection timed out'],
  EALREADY: [114, 'operation already in progress'],
  EINPROGRESS: [115, 'operation now in progress'],
  ECANCELED: [125, 'operation canceled'],
  EOWNERDEAD: [130, 'owner died'],
} as const satisfies Record<string, readonly [number, string]>;

/** An errno name, e.g. `'EINVAL'`. */
export type ErrnoCode = keyof typeof ERRNO;

/** The positive Linux number of an errno name (`errnoNumber('EINVAL') === 22`). */
export function errnoNumber(code: ErrnoCode): number {
  return ERRNO[code][0];
}

/** The strerror() text of an errno name. */
export function errnoText(code: ErrnoCode): string {
  return ERRNO[code][1];
}

const BY_NUMBER: ReadonlyMap<number, ErrnoCode> = new Map(
  (Object.keys(ERRNO) as ErrnoCode[]).map((k) => [ERRNO[k][0], k] as const),
);

/** The errno name of a positive Linux number, or undefined for one the table lacks. */
export function errnoCode(n: number): ErrnoCode | undefined {
  return BY_NUMBER.get(n < 0 ? -n : n);
}
