/**
 * UUIDs as the kernel reads them (lib/uuid.c): 16 bytes, written 8-4-4-4-12 in hex.
 */

/** UUID_SIZE and UUID_STRING_LEN. */
export const UUID_SIZE = 16;
export const UUID_STRING_LEN = 36;

/** uuid_parse(): exactly the 36-character form, hex digits in either case; null when malformed. */
export function uuidParse(text: string): Uint8Array | null {
  if (!/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(text)) return null;
  const hex = text.replaceAll('-', '');
  return Uint8Array.from({ length: UUID_SIZE }, (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16));
}

/** The 36-character text of a 16-byte UUID (%pUb). */
export function uuidText(u: Uint8Array): string {
  const h = [...u].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
