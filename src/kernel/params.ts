/**
 * Kernel module parameters, as /sys/module/<module>/parameters/<name> shows them.
 *
 * The table is data: type, default and sysfs mode per parameter, as the modules declare
 * them with module_param(). Bools print `Y`/`N` and accept what kstrtobool() accepts;
 * integers print in decimal and accept what kstrtoint()/kstrtouint() accept.
 */
import { fail, okVoid, type Result } from '../base/result.js';

export type ParamType = 'bool' | 'int' | 'uint';

export interface ParamDef {
  readonly module: string;
  readonly name: string;
  readonly type: ParamType;
  readonly def: boolean | number;
  /** sysfs mode: 0o644 (S_IRUGO | S_IWUSR) when root may write it, 0o444 when read-only. */
  readonly mode: number;
  readonly doc: string;
}

export const PARAM_TABLE: readonly ParamDef[] = [
  { module: 'vfio', name: 'enable_unsafe_noiommu_mode', type: 'bool', def: false, mode: 0o644, doc: 'Enable UNSAFE, no-IOMMU mode (vfio_main.c)' },
  { module: 'vfio_iommu_type1', name: 'allow_unsafe_interrupts', type: 'bool', def: false, mode: 0o644, doc: 'Enable VFIO IOMMU support on platforms without interrupt remapping' },
  { module: 'vfio_iommu_type1', name: 'disable_hugepages', type: 'bool', def: false, mode: 0o644, doc: 'Disable VFIO IOMMU support for IOMMU hugepages' },
  { module: 'vfio_iommu_type1', name: 'dma_entry_limit', type: 'uint', def: 65535, mode: 0o644, doc: 'Maximum number of user DMA mappings per container (65535)' },
  { module: 'iommufd', name: 'allow_unsafe_interrupts', type: 'bool', def: false, mode: 0o644, doc: 'Allow IOMMUFD to bind to devices even if the platform cannot isolate the MSI interrupt window' },
  { module: 'vfio_pci', name: 'nointxmask', type: 'bool', def: false, mode: 0o644, doc: 'Disable support for PCI 2.3 style INTx masking' },
  { module: 'vfio_pci', name: 'disable_vga', type: 'bool', def: false, mode: 0o444, doc: 'Disable VGA resource access through vfio-pci' },
  { module: 'vfio_pci', name: 'disable_idle_d3', type: 'bool', def: false, mode: 0o644, doc: 'Disable using the PCI D3 low power state for idle, unused devices' },
  { module: 'vfio_pci', name: 'enable_sriov', type: 'bool', def: false, mode: 0o444, doc: 'Enable support for SR-IOV configuration' },
];

export type ParamValue = boolean | number;

function parseBool(s: string): boolean | undefined {
  // kstrtobool(): the first character decides; "on"/"off" need the second.
  const t = s.replace(/\n$/, '');
  const c = t[0];
  if (c === 'y' || c === 'Y' || c === '1') return true;
  if (c === 'n' || c === 'N' || c === '0') return false;
  if (c === 'o' || c === 'O') {
    if (t[1] === 'n' || t[1] === 'N') return true;
    if (t[1] === 'f' || t[1] === 'F') return false;
  }
  return undefined;
}

function parseInt10(s: string, unsigned: boolean): number | undefined {
  const t = s.replace(/\n$/, '');
  const m = /^([+-]?)(0x[0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(t);
  if (m === null) return undefined;
  const body = m[2]!;
  let v = body.startsWith('0x') ? parseInt(body, 16) : body.length > 1 && body.startsWith('0') ? parseInt(body, 8) : parseInt(body, 10);
  if (m[1] === '-') {
    if (unsigned) return undefined;
    v = -v;
  }
  if (unsigned ? v > 0xffffffff : v > 0x7fffffff || v < -0x80000000) return undefined;
  return v;
}

/** The live values of every parameter. */
export class ModuleParams {
  private readonly values = new Map<string, ParamValue>();

  constructor(boot: Readonly<Record<string, ParamValue>> = {}) {
    for (const d of PARAM_TABLE) this.values.set(key(d), d.def);
    for (const [k, v] of Object.entries(boot)) {
      const d = PARAM_TABLE.find((p) => key(p) === k);
      if (d === undefined) throw new RangeError(`unknown module parameter ${k}`);
      if ((d.type === 'bool') !== (typeof v === 'boolean')) throw new TypeError(`module parameter ${k} takes a ${d.type}`);
      this.values.set(k, v);
    }
  }

  get(module: string, name: string): ParamValue {
    const v = this.values.get(`${module}.${name}`);
    if (v === undefined) throw new RangeError(`unknown module parameter ${module}.${name}`);
    return v;
  }

  bool(module: string, name: string): boolean {
    return this.get(module, name) === true;
  }

  int(module: string, name: string): number {
    return Number(this.get(module, name));
  }

  /** The text a read of the sysfs file returns. */
  show(d: ParamDef): string {
    const v = this.values.get(key(d))!;
    return d.type === 'bool' ? (v ? 'Y\n' : 'N\n') : `${v}\n`;
  }

  /** A write to the sysfs file (param_set_bool / param_set_int / param_set_uint). */
  store(d: ParamDef, text: string): Result<void> {
    const v = d.type === 'bool' ? parseBool(text) : parseInt10(text, d.type === 'uint');
    if (v === undefined) return fail('EINVAL', `param_set_${d.type}: cannot parse ${JSON.stringify(text)}`);
    this.values.set(key(d), v);
    return okVoid();
  }

  /** Set from code (tests, scenarios). */
  set(module: string, name: string, v: ParamValue): Result<void> {
    const d = PARAM_TABLE.find((p) => p.module === module && p.name === name);
    if (d === undefined) return fail('ENOENT', `no parameter ${module}.${name}`);
    return this.store(d, typeof v === 'boolean' ? (v ? 'Y' : 'N') : String(v));
  }
}

function key(d: ParamDef): string {
  return `${d.module}.${d.name}`;
}

