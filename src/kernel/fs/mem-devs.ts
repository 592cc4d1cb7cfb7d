/**
 * /dev/null (drivers/char/mem.c, null_fops): reads see end of file, writes swallow every
 * byte, seeks always land at 0. It is what a spawned process's fds 0, 1 and 2 refer to,
 * so that its first open() returns 3 as on Linux, where a process inherits them.
 */
import { ok, type Result } from '../../base/result.js';
import type { DevFs } from './devfs.js';
import { OpenFile, type FileOperations } from './file.js';
import { charDevice } from './node.js';

const nullFops: FileOperations<null> = {
  kind: 'null',
  read: () => ok(new Uint8Array(0)), // read_null
  write: (_f, data) => ok(data.length), // write_null
  pread: () => ok(new Uint8Array(0)),
  pwrite: (_f, data) => ok(data.length),
  llseek: () => ok(0n), // null_lseek
};

/** Open /dev/null with `flags` (its open never fails). */
export function openNull(flags: number, path = '/dev/null'): OpenFile<null> {
  return new OpenFile(nullFops, null, flags, path);
}

/** Create /dev/null (crw-rw-rw-, as mem.c's devlist gives it 0666). */
export function installMemDevs(devfs: DevFs): void {
  devfs.create('null', charDevice(0o666, (_ctx, flags, path): Result<OpenFile> => ok(openNull(flags, path))));
}
