/**
 * A topology's `kernel.params`: boot-time module parameters, checked as the kernel checks
 * `<module>.<name>=<value>` on its command line (kernel/params.c parse_args): the name must
 * be a parameter a module declares, and the value must parse as its type does
 * (param_set_bool -> kstrtobool, param_set_int -> kstrtoint, param_set_uint -> kstrtouint).
 * JSON may give the value as the command-line text or as its JSON form: a bool as
 * true/false or 0/1, an integer as a JSON integer in the C type's range.
 */
import { z } from 'zod';
import { describeValue } from '../../base/json-depth.js';
import { kstrtobool, kstrtoint32 } from '../../base/kstrtox.js';
import { findParam, PARAM_TABLE, type ParamDef } from '../../uapi/module-params.js';

const KNOWN = PARAM_TABLE.map((p) => `${p.module}.${p.name}`).join(', ');

const RANGE = { int: [-0x80000000, 0x7fffffff], uint: [0, 0xffffffff] } as const;

/** The value `v` gives parameter `d`, or the message saying what was expected. */
function paramValue(d: ParamDef, v: unknown): boolean | number | string {
  if (d.type === 'bool') {
    if (typeof v === 'boolean') return v;
    if (v === 0 || v === 1) return v === 1;
    const b = typeof v === 'string' ? kstrtobool(v) : undefined;
    return b ?? `expected a bool: true, false, 0, 1 or a string kstrtobool accepts (y, Y, 1, n, N, 0, on, off); got ${describeValue(v)}`;
  }
  const [lo, hi] = RANGE[d.type];
  const fn = d.type === 'int' ? 'kstrtoint' : 'kstrtouint';
  if (typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi) return v;
  const n = typeof v === 'string' ? kstrtoint32(v, d.type === 'uint') : undefined;
  return n ?? `expected an integer in [${lo}, ${hi}] (${d.type === 'int' ? 'int' : 'unsigned int'}), or a string ${fn} accepts; got ${describeValue(v)}`;
}

export const kernelParamsSchema = z.record(z.string(), z.unknown()).transform((rec, ctx) => {
  const out: Record<string, boolean | number> = {};
  for (const [k, v] of Object.entries(rec)) {
    const d = findParam(k);
    const r = d === undefined ? `unknown module parameter; expected one of ${KNOWN}` : paramValue(d, v);
    if (typeof r === 'string') ctx.issues.push({ code: 'custom', message: r, path: [k], input: v });
    else out[k] = r;
  }
  return out;
}).meta({
  description: 'Boot-time module parameters, "module.name": value, as on the kernel command line',
  propertyNames: { enum: PARAM_TABLE.map((p) => `${p.module}.${p.name}`) },
  additionalProperties: { type: ['boolean', 'integer', 'string'] },
});
