/**
 * ioctl request-number encoding, as the generic Linux layout used on x86-64
 * (include/uapi/asm-generic/ioctl.h).
 *
 * A request number packs four fields into 32 bits:
 *   bits  0..7   nr    — command number within the type
 *   bits  8..15  type  — the "magic" of the driver (VFIO and iommufd both use ';' = 0x3b)
 *   bits 16..29  size  — sizeof the argument the direction bits describe (14 bits)
 *   bits 30..31  dir   — _IOC_NONE 0, _IOC_WRITE 1, _IOC_READ 2 (seen from user space)
 *
 * Every function returns a plain non-negative number (`>>> 0`), so a request with the READ
 * bit set compares equal to the unsigned value C prints.
 *
 * VFIO and iommufd build all their requests with _IO(): no direction and no size, because
 * the size travels inside the argument (`argsz` / `size`).
 */

export const _IOC_NRBITS = 8;
export const _IOC_TYPEBITS = 8;
export const _IOC_SIZEBITS = 14;
export const _IOC_DIRBITS = 2;

export const _IOC_NRMASK = (1 << _IOC_NRBITS) - 1;
export const _IOC_TYPEMASK = (1 << _IOC_TYPEBITS) - 1;
export const _IOC_SIZEMASK = (1 << _IOC_SIZEBITS) - 1;
export const _IOC_DIRMASK = (1 << _IOC_DIRBITS) - 1;

export const _IOC_NRSHIFT = 0;
export const _IOC_TYPESHIFT = _IOC_NRSHIFT + _IOC_NRBITS;
export const _IOC_SIZESHIFT = _IOC_TYPESHIFT + _IOC_TYPEBITS;
export const _IOC_DIRSHIFT = _IOC_SIZESHIFT + _IOC_SIZEBITS;

export const _IOC_NONE = 0;
export const _IOC_WRITE = 1;
export const _IOC_READ = 2;

/** A driver's ioctl type: its numeric value or the one-character string C writes (`';'`). */
export type IoctlType = number | string;

function typeValue(type: IoctlType): number {
  return typeof type === 'string' ? type.charCodeAt(0) : type;
}

/** Packs the four fields; each is masked to its width, as the C macro's shifts would. */
export function _IOC(dir: number, type: IoctlType, nr: number, size: number): number {
  return (
    (((dir & _IOC_DIRMASK) << _IOC_DIRSHIFT) |
      ((typeValue(type) & _IOC_TYPEMASK) << _IOC_TYPESHIFT) |
      ((nr & _IOC_NRMASK) << _IOC_NRSHIFT) |
      ((size & _IOC_SIZEMASK) << _IOC_SIZESHIFT)) >>>
    0
  );
}

/** A request without argument description (what every VFIO and iommufd request uses). */
export function _IO(type: IoctlType, nr: number): number {
  return _IOC(_IOC_NONE, type, nr, 0);
}

/** User space reads `size` bytes back (kernel writes). */
export function _IOR(type: IoctlType, nr: number, size: number): number {
  return _IOC(_IOC_READ, type, nr, size);
}

/** User space passes `size` bytes in (kernel reads). */
export function _IOW(type: IoctlType, nr: number, size: number): number {
  return _IOC(_IOC_WRITE, type, nr, size);
}

/** Both directions. */
export function _IOWR(type: IoctlType, nr: number, size: number): number {
  return _IOC(_IOC_READ | _IOC_WRITE, type, nr, size);
}

export function _IOC_DIR(request: number): number {
  return (request >>> _IOC_DIRSHIFT) & _IOC_DIRMASK;
}

export function _IOC_TYPE(request: number): number {
  return (request >>> _IOC_TYPESHIFT) & _IOC_TYPEMASK;
}

export function _IOC_NR(request: number): number {
  return (request >>> _IOC_NRSHIFT) & _IOC_NRMASK;
}

export function _IOC_SIZE(request: number): number {
  return (request >>> _IOC_SIZESHIFT) & _IOC_SIZEMASK;
}
