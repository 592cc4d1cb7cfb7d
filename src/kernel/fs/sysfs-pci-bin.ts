/**
 * The binary attributes of a PCI device directory (drivers/pci/pci-sysfs.c) — what a UIO
 * user (or lspci, or setpci) uses instead of VFIO's regions:
 *  - `config` (0644 root): pread/pwrite/read of configuration space. A reader without
 *    CAP_SYS_ADMIN (checked against the opener's credentials, file_ns_capable) gets only
 *    the first 64 bytes (pci_read_config); reads past the end return 0 bytes; writes are
 *    cut at cfg_size (pci_write_config) and one starting at or past it is EFBIG
 *    (sysfs_kf_bin_write against i_size, which is the config size). Only root can open it
 *    for writing (the mode). lseek is generic_file_llseek (sysfs_kf_bin_llseek: the
 *    attribute has no llseek of its own) over that i_size and kernfs's s_maxbytes.
 *  - `resource<N>` (0600 root) for each memory BAR: mmap of the BAR's registers
 *    (pci_mmap_resource: EINVAL unless the range fits the BAR, pci_mmap_fits). The
 *    mapping knows its physical address, so pinning it for DMA gives MMIO runs.
 * These are sysfs bin files; the simulator's tree shows them as nodes that open into a
 * file with their own operations (like a character device).
 *
 * Invariant: every access goes to the device model exactly as the bus would deliver it —
 * config accesses split into naturally aligned 1/2/4-byte pieces, BAR accesses into
 * naturally aligned 1/2/4/8-byte pieces.
 */
import { charDevice, type CharDevNode } from './node.js';
import { fail, ok, okVoid, type Result } from '../../base/result.js';
import type { DeviceModel, AccessSize } from '../../hardware/devices/model-types.js';
import type { Bar } from '../../hardware/topology/model.js';
import { OpenFile, type DeviceMapping, type FileOperations, type MmapRequest } from './file.js';
import { genericLlseekSize, MAX_NON_LFS } from './llseek.js';

const PAGE = 4096n;
/** What a reader without CAP_SYS_ADMIN sees of configuration space (pci_read_config). */
const UNPRIVILEGED_CFG_BYTES = 64;

interface ConfigFile {
  readonly model: DeviceModel;
  readonly admin: boolean;
}

/** Naturally aligned pieces of [at, at+len), at most `max` bytes each. */
function pieces(at: number, len: number, max: 4 | 8, fn: (at: number, size: AccessSize, done: number) => void): void {
  let done = 0;
  while (done < len) {
    const p = at + done;
    const left = len - done;
    const size: AccessSize = max === 8 && p % 8 === 0 && left >= 8 ? 8 : p % 4 === 0 && left >= 4 ? 4 : p % 2 === 0 && left >= 2 ? 2 : 1;
    fn(p, size, done);
    done += size;
  }
}

function cfgRead(c: ConfigFile, len: number, off: bigint): Uint8Array {
  const size = c.admin ? c.model.config.size : UNPRIVILEGED_CFG_BYTES;
  if (off >= BigInt(size)) return new Uint8Array(0);
  const o = Number(off);
  const n = Math.min(len, size - o);
  const out = new Uint8Array(n);
  pieces(o, n, 4, (at, s, done) => {
    const v = c.model.configRead(at, s);
    for (let i = 0; i < s; i++) out[done + i] = (v >>> (8 * i)) & 0xff;
  });
  return out;
}

function cfgWrite(c: ConfigFile, data: Uint8Array, off: bigint): Result<number> {
  const size = c.model.config.size;
  if (off >= BigInt(size)) return fail('EFBIG', 'sysfs_kf_bin_write: position at or past i_size');
  const o = Number(off);
  const n = Math.min(data.length, size - o);
  pieces(o, n, 4, (at, s, done) => {
    let v = 0;
    for (let i = s - 1; i >= 0; i--) v = v * 256 + data[done + i]!;
    c.model.configWrite(at, s, v);
  });
  return ok(n);
}

const configFops: FileOperations<ConfigFile> = {
  kind: 'sysfs-config',
  read(f, len) {
    const out = cfgRead(f.priv, len, f.pos);
    f.pos += BigInt(out.length);
    return ok(out);
  },
  pread: (f, len, off) => ok(cfgRead(f.priv, len, off)),
  write(f, data) {
    const n = cfgWrite(f.priv, data, f.pos);
    if (n.ok) f.pos += BigInt(n.value);
    return n;
  },
  pwrite: (f, data, off) => cfgWrite(f.priv, data, off),
  llseek(f, offset, whence) {
    const r = genericLlseekSize(f.pos, offset, whence, MAX_NON_LFS, BigInt(f.priv.model.config.size));
    if (r.ok) f.pos = r.value;
    return r;
  },
};

/** /sys/bus/pci/devices/<bdf>/config. */
export function configNode(model: () => DeviceModel): CharDevNode {
  return charDevice(0o644, (ctx, flags, path) => ok(new OpenFile(configFops, { model: model(), admin: ctx.task.capable('CAP_SYS_ADMIN') }, flags, path)));
}

interface ResourceFile {
  readonly model: DeviceModel;
  readonly bar: Bar;
  readonly name: string;
}

function mmapResource(f: OpenFile<ResourceFile>, req: MmapRequest): Result<DeviceMapping> {
  const { model, bar, name } = f.priv;
  // pci_mmap_fits(): the first page must be inside the BAR and the whole range must fit
  const sizePages = (bar.size - 1n) / PAGE + 1n;
  const start = req.offset / PAGE;
  const nr = (req.length + PAGE - 1n) / PAGE;
  if (!(start < sizePages && sizePages - start >= nr)) return fail('EINVAL', 'pci_mmap_resource: range does not fit the BAR (pci_mmap_fits)');
  f.get();
  const inBar = (off: bigint, len: number): number | null => {
    const p = req.offset + off;
    return p + BigInt(len) <= bar.size ? Number(p) : null;
  };
  return ok({
    kind: 'device',
    name,
    traceBase: { region: `resource${bar.index}`, offset: req.offset },
    read(off, len) {
      const out = new Uint8Array(len).fill(0xff);
      const p = inBar(off, len);
      if (p !== null) {
        pieces(p, len, 8, (at, s, done) => {
          const v = model.barRead(bar.index, at, s);
          for (let i = 0; i < s; i++) out[done + i] = Number((v >> BigInt(8 * i)) & 0xffn);
        });
      }
      return ok(out);
    },
    write(off, data) {
      const p = inBar(off, data.length);
      if (p === null) return okVoid();
      pieces(p, data.length, 8, (at, s, done) => {
        let v = 0n;
        for (let i = s - 1; i >= 0; i--) v = (v << 8n) | BigInt(data[done + i]!);
        model.barWrite(bar.index, at, s, v);
      });
      return okVoid();
    },
    physAddr: (off) => bar.address + req.offset + off,
    // each VMA piece (after a partial munmap, or inherited by fork) holds its own vm_file reference
    split() {
      f.get();
    },
    unmapped() {
      f.put();
    },
  });
}

const resourceFops: FileOperations<ResourceFile> = {
  kind: 'sysfs-resource',
  // a memory BAR's resource file has no read/write (only I/O BARs get pci_read_resource_io)
  read: () => fail('EIO', 'sysfs_kf_bin_read: resource file of a memory BAR has no read'),
  pread: () => fail('EIO', 'sysfs_kf_bin_read: resource file of a memory BAR has no read'),
  mmap: mmapResource,
};

/** /sys/bus/pci/devices/<bdf>/resource<N> for memory BAR `bar`. */
export function resourceNode(model: () => DeviceModel, bdf: string, bar: Bar): CharDevNode {
  return charDevice(0o600, (_ctx, flags, path) => ok(new OpenFile(resourceFops, { model: model(), bar, name: `${bdf} resource${bar.index}` }, flags, path)));
}

/** The memory BARs that get a resource<N> file. */
export function resourceBars(bars: readonly Bar[]): Bar[] {
  return bars.filter((b) => !b.io && b.index < 6 && b.size > 0n);
}
