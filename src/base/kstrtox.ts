/**
 * The kernel's text-to-value parsers (lib/kstrtox.c), as module parameters, sysfs stores and
 * a boot command line use them: kstrtobool, and kstrtoint / kstrtouint with base 0.
 * Each returns the value, or undefined where the kernel returns -EINVAL or -ERANGE.
 */

/** kstrtobool: the first character decides (y/Y/1 true, n/N/0 false); o/O needs n/N or f/F next. */
export function kstrtobool(s: string): boolean | undefined {
  const c = s[0];
  if (c === 'y' || c === 'Y' || c === '1') return true;
  if (c === 'n' || c === 'N' || c === '0') return false;
  if (c === 'o' || c === 'O') {
    if (s[1] === 'n' || s[1] === 'N') return true;
    if (s[1] === 'f' || s[1] === 'F') return false;
  }
  return undefined;
}

/**
 * kstrtoint (signed) / kstrtouint (unsigned) with base 0: an optional sign ('+' always, '-'
 * only when signed), then 0x/0X hex, 0 octal or decimal digits (_parse_integer_fixup_radix),
 * one optional trailing newline, and a value in the 32-bit C type's range.
 */
export function kstrtoint32(s: string, unsigned: boolean): number | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)\n?$/.exec(s);
  if (m === null || (unsigned && m[1] === '-')) return undefined;
  const body = m[2]!;
  const radix = /^0[xX]/.test(body) ? 16 : body.length > 1 && body.startsWith('0') ? 8 : 10;
  const digits = radix === 16 ? body.slice(2) : body;
  const mag = BigInt(radix === 10 ? digits : `0${radix === 16 ? 'x' : 'o'}${digits}`);
  const v = m[1] === '-' ? -mag : mag;
  const [lo, hi] = unsigned ? [0n, 0xffffffffn] : [-0x80000000n, 0x7fffffffn];
  return v < lo || v > hi ? undefined : Number(v);
}
