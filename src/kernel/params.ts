/**
 * Kernel module parameters, as /sys/module/<module>/parameters/<name> shows them: the live
 * values of the table in uapi/module-params.ts. Bools print `Y`/`N` and accept what
 * kstrtobool() accepts; integers print in decimal and accept what kstrtoint()/kstrtouint()
 * accept (base/kstrtox.ts). Boot values come from a topology already checked by its schema.
 */
import { kstrtobool, kstrtoint32 } from '../base/kstrtox.js';
import { fail, okVoid, type Result } from '../base/result.js';
import { PARAM_TABLE, type ParamDef } from '../uapi/module-params.js';

export type ParamValue = boolean | number;

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
    const v = d.type === 'bool' ? kstrtobool(text) : kstrtoint32(text, d.type === 'uint');
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

