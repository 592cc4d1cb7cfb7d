/**
 * The framing of the migration data stream (opaque to user space, as the UAPI says): a
 * sequence of records, each
 *
 *   magic "VSMR" | u8 version 1 | u8 flags (bit 0 FINAL) | u16 model-name length |
 *   u32 payload length | model name (ASCII) | payload | u32 FNV-1a of the payload
 *
 * little-endian. A pre-copy session emits non-final records as the device state changes;
 * STOP_COPY ends the stream with a FINAL record. Resuming loads the FINAL record's payload,
 * after checking that every record is whole, intact and of the same model.
 */
import { fail, ok, type Result } from '../../base/result.js';

const MAGIC = [0x56, 0x53, 0x4d, 0x52]; // "VSMR"
const VERSION = 1;
const FINAL = 0x1;
const HEADER = 12;

function fnv1a(b: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const x of b) h = Math.imul(h ^ x, 0x01000193) >>> 0;
  return h >>> 0;
}

export function writeRecord(model: string, payload: Uint8Array, final: boolean): Uint8Array {
  const name = Uint8Array.from(model, (c) => c.charCodeAt(0) & 0x7f);
  const out = new Uint8Array(HEADER + name.length + payload.length + 4);
  const v = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[4] = VERSION;
  out[5] = final ? FINAL : 0;
  v.setUint16(6, name.length, true);
  v.setUint32(8, payload.length, true);
  out.set(name, HEADER);
  out.set(payload, HEADER + name.length);
  v.setUint32(HEADER + name.length + payload.length, fnv1a(payload), true);
  return out;
}

/** The FINAL record's payload of `stream`, or EINVAL naming what is wrong with it. */
export function readStream(stream: Uint8Array, model: string): Result<Uint8Array> {
  const why = 'migration resume';
  const v = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  let at = 0;
  let final: Uint8Array | null = null;
  if (stream.length === 0) return fail('EINVAL', `${why}: no data written`);
  while (at < stream.length) {
    if (stream.length - at < HEADER) return fail('EINVAL', `${why}: truncated record header`);
    if (MAGIC.some((m, i) => stream[at + i] !== m) || stream[at + 4] !== VERSION) return fail('EINVAL', `${why}: not a vfio-sim migration record`);
    const flags = stream[at + 5]!;
    const nameLen = v.getUint16(at + 6, true);
    const len = v.getUint32(at + 8, true);
    const end = at + HEADER + nameLen + len + 4;
    if (end > stream.length) return fail('EINVAL', `${why}: truncated record`);
    const name = String.fromCharCode(...stream.subarray(at + HEADER, at + HEADER + nameLen));
    if (name !== model) return fail('EINVAL', `${why}: state of a "${name}" device, this is "${model}"`);
    const payload = stream.subarray(at + HEADER + nameLen, end - 4);
    if (v.getUint32(end - 4, true) !== fnv1a(payload)) return fail('EINVAL', `${why}: record checksum mismatch`);
    if (final !== null) return fail('EINVAL', `${why}: data after the final record`);
    if (flags & FINAL) final = payload.slice();
    at = end;
  }
  return final === null ? fail('EINVAL', `${why}: stream has no final (STOP_COPY) record`) : ok(final);
}
