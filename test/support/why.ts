/**
 * The errno AND the kernel check behind it. A test that breaks exactly one rule asserts both:
 * several checks often share an errno, so the errno alone cannot tell which one answered.
 */
export function failureOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    const err = e as { code?: unknown; info?: { why?: string } } | null;
    if (typeof err?.code === 'string') return `${err.code} ${err.info?.why ?? ''}`.trim();
    throw e;
  }
  return 'ok';
}
